"""The API's default permission: the authorization matrix (accounts.authz) decides by role which
endpoint a caller may use; the selectors decide which records (branch scope) and the apps' named
predicates the finer object rules (ownership, escalation level, four-eyes).

On a detail endpoint the record is looked up (through the view's scoped `get_object`) before the
body is validated, so a record outside the caller's branches is a 404 whatever was posted: nobody
learns from validation errors about records they cannot see.
"""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions
from rest_framework.exceptions import NotFound

from accounts import authz

logger = logging.getLogger(__name__)


class MatrixPermission(permissions.BasePermission):
    message = _("您的角色无权执行此操作。")
    code = "permission_denied"

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        from rest_framework.routers import APIRootView  # not at import time: DRF settings import us

        if request.method == "OPTIONS" or isinstance(view, APIRootView):
            return True  # metadata and the router's index of links reveal no records
        view_action = getattr(view, "action", None)
        if view_action == "metadata":  # OPTIONS asks, per method, whether the caller could use it
            view_action = (getattr(view, "action_map", None) or {}).get(request.method.lower())
        if getattr(view, "action_map", None) is not None and view_action is None:
            return True  # a method this route does not have: DRF answers 405
        basename = getattr(view, "basename", None)
        action = authz.api_action(basename, view_action)
        if action is None:
            # fail closed: an endpoint nobody put in the matrix is refused (and the matrix test fails)
            logger.error("API endpoint %s.%s is not in accounts.authz.API_ACTIONS", basename, view_action)
            self.message = _("该接口尚未列入权限矩阵。")
            self.code = "not_in_matrix"
            return False
        if not authz.allowed(user, action):
            return False
        if getattr(view, "detail", False) and hasattr(view, "get_object") and view.kwargs:
            try:
                view.get_object()  # scoped lookup: out of the caller's branches -> 404 before validation
            except (ValueError, TypeError, OverflowError, DjangoValidationError):
                raise NotFound()  # /api/x/abc/: an id that cannot exist
        return True
