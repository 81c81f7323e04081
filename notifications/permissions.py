"""Named predicates for notifications, used by pages and API alike."""


def can_view_messages(user) -> bool:
    return bool(user and user.is_authenticated)
