"""Masking of personal data (national ID, phone numbers, addresses) for display.

Values are stored whole; everything shown to a role that does not need them goes through here.
"""


def mask_national_id(value: str | None) -> str:
    if not value:
        return ""
    value = str(value)
    if len(value) <= 7:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    value = str(value)
    if len(value) <= 7:
        return value[:1] + "*" * (len(value) - 1)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


def mask_email(value: str | None) -> str:
    if not value or "@" not in value:
        return value or ""
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_address(value: str | None) -> str:
    """Keep the province/city part (first 6 characters), hide the street."""
    if not value:
        return ""
    value = str(value)
    return value[:6] + "****" if len(value) > 6 else "****"


def mask_name(value: str | None) -> str:
    """张三丰 -> 张**; used where even the name should not be shown in full (public pages)."""
    if not value:
        return ""
    return value[0] + "*" * max(len(value) - 1, 1)
