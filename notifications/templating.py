"""Rendering of message templates: `{name}` placeholders, nothing else.

`str.format` is deliberately not used: it allows `{borrower.__class__}` and format specs, so an admin
editing a template could read arbitrary attributes. Here a placeholder is a bare name from
`PLACEHOLDERS`; a known name missing from the context renders as empty, anything else is left alone.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PLACEHOLDER_RE = re.compile(r"\{([a-z_][a-z0-9_]*)\}")

PLACEHOLDERS = {
    "name": _("借款人姓名"),
    "contract_number": _("合同号"),
    "due_date": _("到期日"),
    "amount": _("应还金额（元）"),
    "days_to_due": _("距到期天数"),
    "days_overdue": _("逾期天数"),
    "branch_name": _("分支机构名称"),
    "branch_phone": _("客服电话"),
    "tracking_code": _("投诉查询码"),
    "complaint_title": _("投诉主题"),
    "reply": _("答复内容"),
    "escalation_level": _("升级级别"),
    "link": _("链接"),
    "opt_out": _("退订说明"),
}

# The electronic opt-out every borrower-facing SMS and e-mail carries (CFPB Reg F §1006.6(e);
# CN carriers require "回复TD退订" on marketing and notice SMS alike).
OPT_OUT_LINES = {
    "zh-hans": "回复TD退订",
    "en": "Reply STOP to opt out",
}
OPT_OUT_CHANNELS = {"sms", "email"}


def opt_out_line(language: str) -> str:
    return OPT_OUT_LINES.get(language) or OPT_OUT_LINES["zh-hans"]


def render_text(text: str, context: dict) -> str:
    def replace(match: re.Match) -> str:
        key = match.group(1)
        if key not in PLACEHOLDERS:
            return match.group(0)
        value = context.get(key)
        return "" if value is None else str(value)

    return PLACEHOLDER_RE.sub(replace, text or "")


def render(
    *, subject: str, body: str, channel: str, language: str, context: dict, audience: str = "borrower"
) -> tuple[str, str]:
    """(subject, body) with placeholders filled and the opt-out line guaranteed on SMS/e-mail."""
    line = opt_out_line(language)
    context = {"opt_out": line, **context}
    rendered_subject = render_text(subject, context)[:200]
    rendered_body = render_text(body, context).strip()
    if audience == "borrower" and channel in OPT_OUT_CHANNELS and line not in rendered_body:
        separator = "\n\n" if channel == "email" else " "
        rendered_body = f"{rendered_body}{separator}{line}"
    return rendered_subject, rendered_body


def validate_template(
    *, subject: str, body: str, channel: str, language: str, audience: str = "borrower"
) -> None:
    errors = {}
    for field, text in (("subject", subject), ("body", body)):
        unknown = sorted({m.group(1) for m in PLACEHOLDER_RE.finditer(text or "")} - set(PLACEHOLDERS))
        if unknown:
            errors[field] = _("未知占位符：%(names)s。可用：%(allowed)s") % {
                "names": ", ".join(f"{{{n}}}" for n in unknown),
                "allowed": ", ".join(f"{{{n}}}" for n in PLACEHOLDERS),
            }
    if (
        audience == "borrower"
        and channel in OPT_OUT_CHANNELS
        and "{opt_out}" not in (body or "")
        and opt_out_line(language) not in (body or "")
    ):
        errors.setdefault(
            "body",
            _("短信和邮件必须包含退订说明：{opt_out} 或“%(line)s”。") % {"line": opt_out_line(language)},
        )
    if errors:
        raise ValidationError(errors)
