"""JSON in, strictly: NUL characters and lone surrogates cannot be stored (PostgreSQL refuses NUL in
text, UTF-8 cannot encode a lone surrogate) and NaN/Infinity are not JSON. They are refused here,
with a 400 and a code, wherever they appear in the body (keys included), instead of failing later
as a 500."""

import codecs
import json
import re

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def _check(value, depth=0):
    if depth > 64:
        raise ParseError(_("JSON 嵌套过深。"), code="too_deep")
    if isinstance(value, str):
        if BAD_CHARS.search(value):
            raise ParseError(_("文本中含有不允许的字符（NUL 或不成对的代理字符）。"), code="invalid_characters")
    elif isinstance(value, dict):
        for k, v in value.items():
            _check(k, depth + 1)
            _check(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _check(v, depth + 1)


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
        except (UnicodeDecodeError, ValueError):
            raise ParseError(_("请求体不是有效的 UTF-8 文本。"), code="invalid_encoding")
        try:
            data = json.loads(text, parse_constant=_reject_constant)
        except RecursionError:
            raise ParseError(_("JSON 嵌套过深。"), code="too_deep")
        except ValueError as exc:
            raise ParseError(_("JSON 格式错误：%(detail)s") % {"detail": str(exc)[:200]}, code="parse_error")
        _check(data)
        return data
