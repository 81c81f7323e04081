"""Named business errors. Views turn them into messages, the API into JSON with a code."""


class DomainError(Exception):
    """A business rule refused the action. `code` is stable and machine-readable."""

    code = "invalid"
    http_status = 400

    def __init__(self, message: str = "", *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = str(message)
        if code:
            self.code = code
        self.field = field


class TransitionNotAllowed(DomainError):
    """The record is not in a state where this action is possible (or the user may not take it)."""

    code = "transition_not_allowed"
    http_status = 409


class ConcurrentUpdate(DomainError):
    """Someone else changed the record first; reload and try again."""

    code = "conflict"
    http_status = 409


class PermissionDeniedError(DomainError):
    code = "permission_denied"
    http_status = 403
