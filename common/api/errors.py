"""JSON errors for the API: `{"code": ..., "message": ..., "errors": {field: [..]}}`.

Messages are translated into the caller's language (Accept-Language), codes are stable.
"""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.exceptions import DomainError


def _error_response(code: str, message: str, http_status: int, errors=None, headers=None):
    body = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return Response(body, status=http_status, headers=headers)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        errors = {exc.field: [exc.message]} if exc.field else None
        return _error_response(exc.code, exc.message, exc.http_status, errors)
    if isinstance(exc, ProtectedError):
        return _error_response("protected", str(exc.args[0]) if exc.args else _("仍有记录引用该对象。"), 409)
    if isinstance(exc, (OverflowError, DataError)):
        # e.g. an id beyond the column's range in a filter; the database refused the value itself
        return _error_response("invalid", _("参数超出允许范围。"), 400)
    if isinstance(exc, IntegrityError):
        # a unique constraint lost a race (two requests at once): the caller retries or reloads
        return _error_response("conflict", _("数据已被其他请求修改或已存在，请刷新后重试。"), 409)
    if isinstance(exc, RequestDataTooBig):
        return _error_response("too_large", _("请求体过大。"), 413)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            return _error_response("invalid", _("提交的数据有误。"), 400, exc.message_dict)
        return _error_response("invalid", "; ".join(exc.messages), 400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, list):
            detail = {"non_field_errors": detail}
        elif not isinstance(detail, dict):
            detail = {"non_field_errors": [detail]}
        response.data = {"code": "invalid", "message": _("提交的数据有误。"), "errors": detail}
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        if isinstance(codes, str):
            code = codes
    message = response.data.get("detail", "") if isinstance(response.data, dict) else str(response.data)
    response.data = {"code": code, "message": str(message)}
    return response
