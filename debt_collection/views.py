"""Collector pages: the queue and the case page. Thin: parse the form, call one service, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from common.exceptions import DomainError, PermissionDeniedError
from debt_collection import forms, permissions, selectors, services
from debt_collection.choices import ContactTarget
from debt_collection.compliance import contact_check
from debt_collection.services import ContactRefused


def _require_view(user):
    if not permissions.can_view_cases(user):
        raise PermissionDenied


@login_required
@require_GET
def queue(request):
    _require_view(request.user)
    filters = forms.QueueFilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    qs = selectors.case_queue(
        user=request.user,
        bucket=params.get("bucket", ""),
        state=params.get("state", ""),
        assigned=params.get("assigned", ""),
    )
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    querystring = request.GET.copy()
    querystring.pop("page", None)
    context = {
        "page": page,
        "filters": filters if filters.is_bound else forms.QueueFilterForm(),
        "querystring": querystring.urlencode(),
        "today": selectors.user_today(request.user),
        "tz": request.user.branch.time_zone if request.user.branch_id else settings.TIME_ZONE,
        "awaiting": selectors.arrangements_awaiting(user=request.user)[:10]
        if request.user.has_role("supervisor", "admin")
        else [],
    }
    template = "debt_collection/partials/queue_rows.html" if request.htmx and not request.htmx.boosted else "debt_collection/queue.html"
    return render(request, template, context)


def _case_context(request, case, **overrides):
    user = request.user
    arrangements = selectors.case_arrangements(case=case)
    for arr in arrangements:
        arr.can_decide = arr.status == "proposed" and permissions.can_decide_arrangement(user, arr)
    can_manage = permissions.can_manage_case(user, case)
    context = {
        "case": case,
        "borrower": case.borrower,
        "loans": selectors.loans_for_case(user=user, case=case),
        "contacts": selectors.case_contacts(case=case),
        "promises": selectors.case_promises(case=case),
        "arrangements": arrangements,
        "holds": selectors.case_holds(case=case),
        "events": selectors.case_timeline(case=case),
        "enforcement": selectors.case_enforcement(case=case),
        "blocked": selectors.case_blocked(case=case),
        "emergency_contacts": list(case.borrower.emergency_contacts.all()),
        "can_work": permissions.can_work_case(user, case),
        "can_manage": can_manage,
        "can_hold": permissions.can_hold_case(user, case),
        "can_release": permissions.can_release_hold(user, case),
        "contact_form": forms.ContactLogForm(case=case),
        "sms_form": forms.SmsForm(case=case),
        "promise_form": forms.PromiseForm(case=case),
        "arrangement_form": forms.ArrangementForm(case=case),
        "hold_form": forms.HoldForm(case=case),
        "callback_form": forms.CallbackForm(case=case),
        "note_form": forms.NoteForm(case=case),
        "enforcement_form": forms.EnforcementForm(case=case),
        "assign_form": forms.AssignForm(case=case, initial={"assigned_to": case.assigned_to_id}) if can_manage else None,
        "agency_form": forms.AgencyForm(case=case, agencies=selectors.agencies_for(case=case),
                                        initial={"agency": case.agency_id}) if can_manage else None,
        "tz": case.branch.time_zone,
    }
    context.update(overrides)
    return context


def _render_case(request, case, status=200, **overrides):
    return render(request, "debt_collection/case.html", _case_context(request, case, **overrides), status=status)


@login_required
@require_GET
def case_detail(request, pk: int):
    _require_view(request.user)
    case = selectors.case_get(user=request.user, pk=pk)
    return _render_case(request, case)


def _valid_in_branch_time(form, case) -> bool:
    """Times typed into the case page are the borrower's branch local time, like those shown."""
    from django.utils import timezone

    with timezone.override(case.branch.tzinfo):
        return form.is_valid()


def _apply_error(form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def _refusal_context(case, exc: ContactRefused) -> dict:
    return {"refusal": exc.decision}


def _redirect(case, anchor=""):
    return redirect(f"{case_url(case)}{anchor}")


def case_url(case):
    from django.urls import reverse

    return reverse("debt_collection:case", args=[case.pk])


@login_required
@require_POST
def case_contact(request, pk: int):
    case = selectors.case_get(user=request.user, pk=pk)
    form = forms.ContactLogForm(request.POST, request.FILES, case=case)
    if not _valid_in_branch_time(form, case):
        return _render_case(request, case, status=400, contact_form=form)
    d = form.cleaned_data
    try:
        attempt = services.contact_log(
            case=case,
            channel=d["channel"],
            outcome=d["outcome"],
            actor=request.user,
            target=d["target"],
            emergency_contact=d["emergency_contact"] if d["target"] == ContactTarget.EMERGENCY_CONTACT else None,
            notes=d["notes"],
            recording=d["recording"],
            recording_ref=d["recording_ref"],
            visit_staff=d["visit_staff"] or [],
            occurred_at=d["occurred_at"],
            expected_state=d["expected_state"] or None,
        )
    except ContactRefused as exc:
        return _render_case(request, case, status=409, contact_form=form, **_refusal_context(case, exc))
    except PermissionDeniedError:
        raise PermissionDenied
    except DomainError as exc:
        _apply_error(form, exc)
        return _render_case(request, case, status=exc.http_status, contact_form=form)
    messages.success(request, _("联系记录已保存。"))
    if d["outcome"] == "promise":
        try:
            services.promise_record(case=case, amount=d["promise_amount"], promised_date=d["promise_date"],
                                    actor=request.user, contact=attempt)
            messages.success(request, _("还款承诺已记录。"))
        except DomainError as exc:
            messages.warning(request, _("联系已保存，但还款承诺未记录：%(m)s") % {"m": exc.message})
    return _redirect(case, "#contacts")


@login_required
@require_POST
def case_contact_check(request, pk: int):
    """“May I call now?” before dialling: the guard's answer for the chosen channel and person. A
    refusal is recorded like any other."""
    case = selectors.case_get(user=request.user, pk=pk)
    if not permissions.can_work_case(request.user, case):
        raise PermissionDenied
    channel = request.POST.get("channel", "call")
    if channel not in ("call", "sms", "email", "letter", "visit"):
        channel = "call"
    contact = None
    if request.POST.get("emergency_contact"):
        contact = case.borrower.emergency_contacts.filter(pk=request.POST["emergency_contact"]).first()
    decision = contact_check(borrower=case.borrower, channel=channel, case=case, emergency_contact=contact,
                             actor=request.user)
    return render(request, "debt_collection/partials/check_result.html", {"decision": decision, "tz": case.branch.time_zone})


@login_required
@require_POST
def case_sms(request, pk: int):
    case = selectors.case_get(user=request.user, pk=pk)
    form = forms.SmsForm(request.POST, case=case)
    if not form.is_valid():
        return _render_case(request, case, status=400, sms_form=form)
    try:
        services.case_send_sms(case=case, template=form.cleaned_data["template"], actor=request.user,
                               emergency_contact=form.cleaned_data["emergency_contact"])
    except ContactRefused as exc:
        return _render_case(request, case, status=409, sms_form=form, **_refusal_context(case, exc))
    except PermissionDeniedError:
        raise PermissionDenied
    except DomainError as exc:
        _apply_error(form, exc)
        return _render_case(request, case, status=exc.http_status, sms_form=form)
    messages.success(request, _("短信已提交发送。"))
    return _redirect(case, "#contacts")


@login_required
@require_POST
def case_promise(request, pk: int):
    case = selectors.case_get(user=request.user, pk=pk)
    form = forms.PromiseForm(request.POST, case=case)
    if not form.is_valid():
        return _render_case(request, case, status=400, promise_form=form)
    try:
        services.promise_record(case=case, amount=form.cleaned_data["amount"], promised_date=form.cleaned_data["promised_date"],
                                notes=form.cleaned_data["notes"], actor=request.user,
                                expected_state=form.cleaned_data["expected_state"] or None)
    except PermissionDeniedError:
        raise PermissionDenied
    except DomainError as exc:
        _apply_error(form, exc)
        return _render_case(request, case, status=exc.http_status, promise_form=form)
    messages.success(request, _("还款承诺已记录。"))
    return _redirect(case, "#promises")


@login_required
@require_POST
def case_arrangement(request, pk: int):
    """Propose (or, with `preview=1`, only preview) a repayment arrangement."""
    case = selectors.case_get(user=request.user, pk=pk)
    form = forms.ArrangementForm(request.POST, case=case)
    preview_only = request.POST.get("preview") == "1"
    if preview_only:
        form.fields["reason"].required = False
    if not form.is_valid():
        return _render_case(request, case, status=400, arrangement_form=form)
    try:
        if preview_only:
            preview = services.arrangement_preview(loan=case.loan, **form.service_kwargs())
            return _render_case(request, case, arrangement_form=form, arrangement_preview=preview.as_json())
        services.arrangement_propose(case=case, reason=form.cleaned_data["reason"], actor=request.user,
                                     **form.service_kwargs())
    except PermissionDeniedError:
        raise PermissionDenied
    except DomainError as exc:
        _apply_error(form, exc)
        return _render_case(request, case, status=exc.http_status, arrangement_form=form)
    messages.success(request, _("还款安排已提交主管审批。"))
    return _redirect(case, "#arrangements")


@login_required
@require_POST
def arrangement_decide(request, pk: int):
    arr = get_object_or_404(selectors.arrangement_list(user=request.user), pk=pk)
    case = selectors.case_get(user=request.user, pk=arr.case_id)
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择批准或驳回。"))
        return _redirect(case, "#arrangements")
    try:
        if form.cleaned_data["decision"] == "approve":
            services.arrangement_approve(arrangement=arr, actor=request.user, note=form.cleaned_data["note"])
            messages.success(request, _("方案已批准，新还款计划已生效。"))
        else:
            services.arrangement_reject(arrangement=arr, actor=request.user, note=form.cleaned_data["note"])
            messages.success(request, _("方案已驳回。"))
    except DomainError as exc:
        messages.error(request, exc.message)
        case = selectors.case_get(user=request.user, pk=arr.case_id)
        return _render_case(request, case, status=exc.http_status)
    return _redirect(case, "#arrangements")


CASE_ACTIONS = {
    # action: (form class, service, kwargs from cleaned data)
    "hold": (forms.HoldForm, services.case_hold, lambda d: {"reason": d["reason"], "note": d["note"]}),
    "release": (forms.NoteForm, services.case_release, lambda d: {"note": d["note"]}),
    "escalate": (forms.NoteForm, services.case_escalate, lambda d: {"note": d["note"]}),
    "legal": (forms.EnforcementForm, services.case_start_legal,
              lambda d: {k: d[k] for k in ("agency_name", "reference", "started_on", "mortgage_registration", "notes")}),
    "repossession": (forms.EnforcementForm, services.case_start_repossession,
                     lambda d: {k: d[k] for k in ("agency_name", "reference", "started_on", "mortgage_registration", "notes")}),
    "close": (forms.NoteForm, services.case_close, lambda d: {"note": d["note"]}),
    "write_off": (forms.NoteForm, services.case_write_off, lambda d: {"note": d["note"]}),
}


@login_required
@require_POST
def case_action(request, pk: int, action: str):
    case = selectors.case_get(user=request.user, pk=pk)
    if action == "assign":
        form = forms.AssignForm(request.POST, case=case)
        if not form.is_valid():
            return _render_case(request, case, status=400, assign_form=form)
        try:
            services.case_assign(case=case, actor=request.user, to_user=form.cleaned_data["assigned_to"])
        except PermissionDeniedError:
            raise PermissionDenied
        except DomainError as exc:
            _apply_error(form, exc)
            return _render_case(request, case, status=exc.http_status, assign_form=form)
        return _redirect(case)
    if action == "agency":
        form = forms.AgencyForm(request.POST, case=case, agencies=selectors.agencies_for(case=case))
        if not form.is_valid():
            return _render_case(request, case, status=400, agency_form=form)
        try:
            services.case_place_with_agency(case=case, agency=form.cleaned_data["agency"], actor=request.user)
        except PermissionDeniedError:
            raise PermissionDenied
        except DomainError as exc:
            _apply_error(form, exc)
            return _render_case(request, case, status=exc.http_status, agency_form=form)
        return _redirect(case)
    if action == "callback":
        form = forms.CallbackForm(request.POST, case=case)
        if not _valid_in_branch_time(form, case):
            return _render_case(request, case, status=400, callback_form=form)
        try:
            services.callback_schedule(case=case, actor=request.user, at=form.cleaned_data["at"])
        except PermissionDeniedError:
            raise PermissionDenied
        except DomainError as exc:
            _apply_error(form, exc)
            return _render_case(request, case, status=exc.http_status, callback_form=form)
        messages.success(request, _("已设置回电提醒。"))
        return _redirect(case)
    if action not in CASE_ACTIONS:
        raise Http404
    form_class, service, kwargs_of = CASE_ACTIONS[action]
    form = form_class(request.POST, case=case)
    form_key = {"hold": "hold_form", "legal": "enforcement_form", "repossession": "enforcement_form"}.get(action, "note_form")
    if not form.is_valid():
        return _render_case(request, case, status=400, **{form_key: form})
    try:
        service(case=case, actor=request.user, expected_state=form.cleaned_data["expected_state"] or None,
                **kwargs_of(form.cleaned_data))
    except PermissionDeniedError:
        raise PermissionDenied
    except DomainError as exc:
        if exc.field in form.fields:
            _apply_error(form, exc)
        else:
            messages.error(request, exc.message)
        case = selectors.case_get(user=request.user, pk=pk)
        return _render_case(request, case, status=exc.http_status, **{form_key: form})
    messages.success(request, _("案件已更新。"))
    return _redirect(case)


@login_required
@require_GET
def recording(request, pk: int):
    """Call recordings live outside the web root; streamed only to someone who may see the case."""
    contact = selectors.contact_get(user=request.user, pk=pk)
    if not contact.recording or not permissions.can_view_recording(request.user, contact):
        raise Http404
    response = FileResponse(contact.recording.open("rb"), as_attachment=True,
                            filename=f"case{contact.case_id}-contact{contact.pk}.{contact.recording.name.rsplit('.', 1)[-1]}")
    response["Cache-Control"] = "private, no-store"
    return response
