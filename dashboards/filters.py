"""The filter every dashboard shares: a date range (in the viewer's local time zone) and, for users who
see every branch, a branch. Supervisors are held to their own branch by `accounts.scoping`, whatever the
URL says."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Branch

DEFAULT_DAYS = 30
MAX_DAYS = 400


def viewer_tz(user):
    branch = getattr(user, "branch", None)
    try:
        return branch.tzinfo if branch is not None else ZoneInfo(settings.TIME_ZONE)
    except Exception:  # noqa: BLE001 - a misconfigured zone must not break the page
        return ZoneInfo(settings.TIME_ZONE)


class DashboardFilterForm(forms.Form):
    start = forms.DateField(label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    branch = forms.ModelChoiceField(
        label=_("分支机构"), queryset=Branch.objects.none(), required=False, empty_label=_("全部分支机构")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.sees_all_branches:
            self.fields["branch"].queryset = Branch.objects.filter(is_active=True).order_by("-is_hq", "code")
        else:
            del self.fields["branch"]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                self.add_error("end", _("结束日期不能早于开始日期"))
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("start", _("时间范围最长 %(days)s 天") % {"days": MAX_DAYS})
        return data


@dataclass
class Scope:
    """Who is looking, at which branch, over which days. `start`/`end` are aware datetimes, end exclusive."""

    user: object
    branch_id: int | None
    start_date: date
    end_date: date
    tz: object
    now: datetime
    branch_name: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.start_date, time.min, tzinfo=self.tz)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.end_date + timedelta(days=1), time.min, tzinfo=self.tz)

    def params(self, **more) -> dict:
        out = {"start": self.start_date.isoformat(), "end": self.end_date.isoformat()}
        if self.branch_id:
            out["branch"] = self.branch_id
        out.update({k: v for k, v in more.items() if v not in (None, "")})
        return out

    def query(self, **more) -> str:
        return urlencode(self.params(**more))


def scope_from_request(request, *, now: datetime | None = None) -> tuple[Scope, DashboardFilterForm]:
    user = request.user
    tz = viewer_tz(user)
    now = now or timezone.now()
    form = DashboardFilterForm(request.GET or None, user=user)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    today = timezone.localtime(now, tz).date()
    end = data.get("end") or today
    start = data.get("start") or (end - timedelta(days=DEFAULT_DAYS - 1))
    branch = data.get("branch")
    scope = Scope(
        user=user,
        branch_id=branch.pk if branch else None,
        start_date=start,
        end_date=end,
        tz=tz,
        now=now,
        branch_name=str(branch) if branch else "",
    )
    if not form.is_bound:
        form = DashboardFilterForm(initial={"start": start, "end": end}, user=user)
    return scope, form
