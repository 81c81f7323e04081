"""Shared by the services: lock a case, run a transition, write the timeline event."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from common.exceptions import ConcurrentUpdate, PermissionDeniedError, TransitionNotAllowed
from debt_collection.models import CaseEvent, CollectionCase


def lock_case(case: CollectionCase | int, *, expected_state: str | None = None) -> CollectionCase:
    """The case row, locked for this transaction. `expected_state` is the state the user saw: if
    someone else moved the case since, the action is refused (409) instead of silently overwriting."""
    pk = case.pk if isinstance(case, CollectionCase) else case
    locked = CollectionCase.objects.select_for_update().select_related("loan", "borrower", "branch").get(pk=pk)
    if expected_state and locked.state != expected_state:
        raise ConcurrentUpdate(
            _("案件状态已被他人更新（现为“%(state)s”），请刷新后重试。") % {"state": locked.get_state_display()},
            code="stale_state",
        )
    return locked


def event(case: CollectionCase, kind: str, *, actor=None, from_state: str = "", to_state: str = "", **payload) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, kind=kind, actor=actor, from_state=from_state, to_state=to_state, payload=_jsonable(payload)
    )


def _jsonable(value):
    from datetime import date, datetime
    from decimal import Decimal

    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (Decimal, date, datetime)):
        return str(value) if not isinstance(value, datetime) else value.isoformat()
    return value


def require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDeniedError(message or _("您无权对该案件执行此操作。"))


def run_transition(case: CollectionCase, name: str, *, actor, kind: str | None = None, **payload) -> CaseEvent:
    """Call transition `name` on a locked case, save it and write the event."""
    method = getattr(case, name)
    if not can_proceed(method):
        raise TransitionNotAllowed(
            _("案件当前状态“%(state)s”不允许此操作。") % {"state": case.get_state_display()}, code="transition_not_allowed"
        )
    before = case.state
    method()
    try:
        case.save()
    except ConcurrentTransition:
        raise ConcurrentUpdate(_("案件已被他人更新，请刷新后重试。"))
    return event(case, kind or name, actor=actor, from_state=before, to_state=case.state, **payload)
