"""The workspace's actions: which ones a user may take on a complaint now, their forms, and the one
service each calls. The page and the API call the same `complaints.services` functions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from common.exceptions import ConcurrentUpdate, DomainError, TransitionNotAllowed
from complaints import permissions as perms
from complaints import services
from complaints.choices import FINAL_STATES, OPEN_STATES
from complaints.workspace import forms as wf
from complaints.workspace import selectors

# Transition buttons in the order an agent meets them. `reopen` is the borrower's right on the
# tracking page; staff may record it for a borrower who phoned, so it is offered too.
TRANSITION_ORDER = ["classify", "start", "wait_on_borrower", "resume", "resolve", "reopen", "reject"]
TRANSITION_LABELS = {
    "classify": _("分类"),
    "start": _("开始处理"),
    "wait_on_borrower": _("等待客户"),
    "resume": _("恢复处理"),
    "resolve": _("解决"),
    "reopen": _("重新打开"),
    "reject": _("不予受理"),
}
# transitions that need input open a small form; the others are one button
SUBMIT_LABELS = {
    **TRANSITION_LABELS,
    "assign": _("分派"),
    "extend": _("延长"),
    "merge": _("合并"),
    "reply": _("发送答复"),
    "note": _("添加备注"),
}
FORM_TRANSITIONS = {"classify", "wait_on_borrower", "resolve", "reopen", "reject"}
SHORTCUTS = {"resolve": "s", "classify": "c", "start": "t"}


@dataclass
class ActionSpec:
    form_class: type
    call: Callable
    done_message: str
    needs_assignees: bool = False

    def form_for(self, *, request, complaint, data=None):
        kwargs = {}
        if self.needs_assignees:
            kwargs["assignees"] = selectors.assignable_users(user=request.user, complaint=complaint)
        return self.form_class(data, **kwargs)

    def run(self, *, request, complaint, data):
        return self.call(complaint=complaint, actor=request.user, data=data, request=request)


def _v(data) -> int:
    return data["version"]


def _merge(*, complaint, actor, data, request):
    from complaints.models import normalize_tracking_code

    code = normalize_tracking_code(data["target"])
    into = selectors.complaint_base_qs(user=actor).filter(tracking_code=code).first()
    if into is None:
        raise DomainError(_("找不到该受理编号的投诉。"), field="target")
    try:
        return services.complaint_merge(complaint=complaint, into=into, actor=actor, expected_version=_v(data))
    except DomainError as exc:
        if exc.field == "into":
            exc.field = "target"
        raise


ACTIONS: dict[str, ActionSpec] = {
    "classify": ActionSpec(
        wf.ClassifyForm,
        lambda complaint, actor, data, request: services.complaint_classify(
            complaint=complaint, category=data["category"], priority=data["priority"], actor=actor, expected_version=_v(data)
        ),
        _("已分类。"),
    ),
    "start": ActionSpec(
        wf.SimpleTransitionForm,
        lambda complaint, actor, data, request: services.complaint_start(complaint=complaint, actor=actor, expected_version=_v(data)),
        _("已开始处理。"),
    ),
    "wait_on_borrower": ActionSpec(
        wf.WaitForm,
        lambda complaint, actor, data, request: services.complaint_wait_on_borrower(
            complaint=complaint, actor=actor, reason=data["reason"], message=data.get("message", ""),
            channel=data.get("channel") or None, expected_version=_v(data),
        ),
        _("已转为等待客户回复，服务时限暂停。"),
    ),
    "resume": ActionSpec(
        wf.SimpleTransitionForm,
        lambda complaint, actor, data, request: services.complaint_resume(
            complaint=complaint, actor=actor, note=data.get("note", ""), expected_version=_v(data)
        ),
        _("已恢复处理。"),
    ),
    "resolve": ActionSpec(
        wf.ResolveForm,
        lambda complaint, actor, data, request: services.complaint_resolve(
            complaint=complaint, resolution_summary=data["resolution_summary"], root_cause=data["root_cause"],
            actor=actor, expected_version=_v(data),
        ),
        _("已解决，处理结果已通知客户。"),
    ),
    "reopen": ActionSpec(
        wf.ReopenForm,
        lambda complaint, actor, data, request: services.complaint_reopen(
            complaint=complaint, reason=data["reason"], actor=actor, expected_version=_v(data)
        ),
        _("已重新打开。"),
    ),
    "reject": ActionSpec(
        wf.RejectForm,
        lambda complaint, actor, data, request: services.complaint_reject(
            complaint=complaint, reason=data["reason"], note=data.get("note", ""), actor=actor, expected_version=_v(data)
        ),
        _("已不予受理。"),
    ),
    "reply": ActionSpec(
        wf.ReplyForm,
        lambda complaint, actor, data, request: services.complaint_reply(
            complaint=complaint, body=data["body"], channel=data["channel"], actor=actor, expected_version=_v(data)
        ),
        _("答复已发送给客户。"),
    ),
    "note": ActionSpec(
        wf.NoteForm,
        lambda complaint, actor, data, request: services.complaint_add_note(complaint=complaint, body=data["body"], actor=actor),
        _("备注已添加。"),
    ),
    "assign": ActionSpec(
        wf.AssignForm,
        lambda complaint, actor, data, request: services.complaint_assign(
            complaint=complaint, assignee=data["assignee"], actor=actor, note=data.get("note", ""), expected_version=_v(data)
        ),
        _("已分派。首问负责人不变。"),
        needs_assignees=True,
    ),
    "take": ActionSpec(
        wf.VersionedForm,
        lambda complaint, actor, data, request: services.complaint_assign(
            complaint=complaint, assignee=actor, actor=actor, expected_version=_v(data)
        ),
        _("已由您接手。"),
    ),
    "extend": ActionSpec(
        wf.ExtendForm,
        lambda complaint, actor, data, request: services.complaint_extend_deadline(
            complaint=complaint, days=data["days"], reason=data["reason"], actor=actor, expected_version=_v(data)
        ),
        _("监管时限已延长，已通知客户。"),
    ),
    "merge": ActionSpec(wf.MergeForm, _merge, _("已合并至主投诉。")),
}


def available_actions(*, user, complaint) -> dict:
    """What this user may do now. Transitions come from django-fsm (state + the permission predicate);
    the other actions from the named predicates in `complaints.permissions`."""
    names = {t.name for t in complaint.get_available_user_state_transitions(user)}
    transitions = [(n, TRANSITION_LABELS[n], n in FORM_TRANSITIONS, SHORTCUTS.get(n, "")) for n in TRANSITION_ORDER if n in names]
    is_open = complaint.state in OPEN_STATES
    final = complaint.state in FINAL_STATES
    return {
        "transitions": transitions,
        "transition_names": names,
        "reply": not final and perms.can_reply(user, complaint),
        "note": perms.can_add_note(user, complaint),
        "assign": not final and perms.can_assign(user, complaint, None) and user.has_role("supervisor", "hq", "admin"),
        "take": not final and complaint.assignee_id != user.pk and perms.can_assign(user, complaint, user),
        "extend": is_open and not complaint.extended_days and perms.can_extend_deadline(user, complaint),
        "merge": is_open and "merge" in names,
    }


# Forms rendered with the page; the others load when their panel is opened (htmx), which keeps the
# complaint page light: widget rendering is the costliest part of the page.
EAGER_FORMS = {"classify", "resolve", "reply", "note"}


def form_names(*, available) -> list[str]:
    return [n for n, *_rest in available["transitions"] if n in FORM_TRANSITIONS] + [
        n for n in ("reply", "note", "assign", "take", "extend", "merge") if available.get(n)
    ]


def build_form(*, user, complaint, name: str):
    spec = ACTIONS[name]
    kwargs = {"initial": {"version": complaint.version}}
    if spec.needs_assignees:
        kwargs["assignees"] = selectors.assignable_users(user=user, complaint=complaint)
        kwargs["initial"]["assignee"] = complaint.assignee_id
    if name == "classify":
        kwargs["initial"].update(category=complaint.category, priority=complaint.priority)
    if name == "reply":
        kwargs["initial"]["channel"] = "email" if complaint.preferred_channel == "email" else "sms"
    return spec.form_class(**kwargs)


def build_forms(*, user, complaint, available, also: str = "") -> dict:
    """The eager forms (plus `also`, a panel opened without JavaScript) of the actions available."""
    return {
        name: build_form(user=user, complaint=complaint, name=name)
        for name in form_names(available=available)
        if name in EAGER_FORMS or name == also
    }


def acknowledge(*, escalation, actor, note: str = ""):
    if not perms.can_acknowledge_escalation(actor, escalation):
        from common.exceptions import PermissionDeniedError

        raise PermissionDeniedError(_("您不能确认此升级。"))
    if escalation.acknowledged_at is not None:
        raise ConcurrentUpdate(_("此升级已由 %(who)s 确认。") % {"who": escalation.acknowledged_by or "-"})
    return services.escalation_acknowledge(escalation=escalation, actor=actor, note=note)


def bulk_assign(*, complaints, assignee, actor) -> tuple[int, list[str]]:
    """Each complaint in its own transaction: one that changed meanwhile does not undo the others."""
    done, failed = 0, []
    for complaint in complaints:
        try:
            services.complaint_assign(complaint=complaint, assignee=assignee, actor=actor, note=str(_("批量分派")))
            done += 1
        except (DomainError, TransitionNotAllowed, ConcurrentUpdate):
            failed.append(complaint.tracking_code)
    return done, failed


def attachment_url_name() -> str:
    """The staff-only download view is built with the public form (complaints/public/)."""
    for name in ("public_complaints:attachment_download", "complaints:attachment_download"):
        try:
            reverse(name, args=[1])
            return name
        except NoReverseMatch:
            continue
    return ""


def admin_links(user) -> list[tuple[str, str]]:
    """Admin pages where supervisors edit SLA policies, calendars, escalation contacts and contact rules."""
    candidates = [
        ("admin:complaints_slapolicy_changelist", _("服务时限策略")),
        ("admin:complaints_businesscalendar_changelist", _("工作日历与节假日")),
        ("admin:complaints_escalationcontact_changelist", _("升级接收人")),
        ("admin:accounts_branch_changelist", _("分支机构的催收规则包")),
        ("admin:debt_collection_contactrulepack_changelist", _("催收联系规则")),
    ]
    out = []
    for name, label in candidates:
        try:
            out.append((reverse(name), label))
        except NoReverseMatch:
            continue
    return out


