"""Template helpers of the staff workspace. `{% clock c tz %}` renders one clock badge in Python: the
queue shows two per row, and an `{% include %}` per badge cost more than the rest of the row."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def clock(c, tz=None):
    if c is None:
        return ""
    title = ""
    if c.due_at is not None:
        due = timezone.localtime(c.due_at, tz) if tz is not None else timezone.localtime(c.due_at)
        title = f"{_('截止')} {due:%Y-%m-%d %H:%M}"
    return format_html(
        '<span class="clock {}" title="{}" data-clock-status="{}"><span class="clock-label">{}</span>{}'
        '<span class="sr-only"> · {}</span></span>',
        c.css, title, c.status, c.label, c.left, c.status_label,
    )
