"""Keep personal data out of logs: mobile numbers and national IDs are masked in every log line,
its arguments and its traceback (`138****5678`, `110***********1234`)."""

import logging
import re

# 18-character resident ID (17 digits + digit/X) or the old 15-digit one; mainland mobiles (1[3-9] + 9)
NATIONAL_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])|(?<!\d)(\d{6})(\d{5})(\d{4})(?!\d)")
MOBILE_RE = re.compile(r"(?<!\d)(\+?86[- ]?)?(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def _id(m: re.Match) -> str:
    if m.group(1):
        return f"{m.group(1)[:3]}{'*' * 11}{m.group(3)[-4:]}"
    return f"{m.group(4)[:3]}{'*' * 8}{m.group(6)}"


def mask_pii(text: str) -> str:
    if not text:
        return text
    text = NATIONAL_ID_RE.sub(_id, text)
    return MOBILE_RE.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}****{m.group(4)}", text)


class PiiMaskingFilter(logging.Filter):
    """Rewrites the record's message (with its arguments) and exception text, masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string still gets logged
            message = str(record.msg)
        record.msg = mask_pii(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_pii(record.exc_text)
        return True


class PiiMaskingFormatter(logging.Formatter):
    """Last line of defence for handlers: masks the fully formatted line (tracebacks included)."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_pii(super().format(record))
