"""Display helpers shared by every app's templates: `{% load crm %}`."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def percent(value, places: int = 2) -> str:
    """0.0648 → "6.48%" (annual rates are stored as fractions)."""
    try:
        return f"{(Decimal(value) * 100):.{int(places)}f}%"
    except (InvalidOperation, TypeError, ValueError):
        return ""


@register.filter
def channel_labels(values) -> str:
    """["sms", "phone"] → "短信, 电话" (contact channels; unknown codes shown as they are)."""
    from borrowers.choices import Channel

    if not values:
        return ""
    labels = dict(Channel.choices)
    return ", ".join(str(labels.get(v, v)) for v in values)


@register.filter
def money(value) -> str:
    """Decimal → "¥12,345.67" in every language (Django's zh-hans format does not group digits)."""
    try:
        return f"¥{Decimal(value):,.2f}"
    except (InvalidOperation, TypeError, ValueError):
        return ""
