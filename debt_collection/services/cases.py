"""Case lifecycle: open, hold/release (incl. the complaint link), escalation, legal, repossession,
closing. Each action locks the case, checks, transitions, saves and writes the timeline event."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import DomainError, TransitionNotAllowed
from debt_collection import permissions
from debt_collection.choices import HOLDABLE_STATES, OPEN_STATES, CaseState, EnforcementStage, HoldReason
from debt_collection.models import CaseHold, CollectionCase, EnforcementRecord
from debt_collection.services._base import event, lock_case, require, run_transition


@transaction.atomic
def case_open(*, loan, actor=None) -> CollectionCase:
    """Open a case for a loan by hand (the daily refresh opens most of them). One open case per
    loan: asking twice returns the case already open."""
    existing = CollectionCase.objects.filter(loan=loan, state__in=OPEN_STATES).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            case = CollectionCase.objects.create(
                loan=loan,
                borrower_id=loan.borrower_id,
                branch_id=loan.branch_id,
                bucket=loan.bucket,
                days_past_due=loan.days_past_due,
                amount_due=loan.amount_overdue,
            )
    except IntegrityError:
        return CollectionCase.objects.get(loan=loan, state__in=OPEN_STATES)
    event(case, "opened", actor=actor, to_state=case.state, days_past_due=loan.days_past_due, bucket=loan.bucket)
    from debt_collection.services.assignment import case_assign

    return case_assign(case=case, actor=actor)


# --- hold ---------------------------------------------------------------------------------------------


def _notify_hold(case: CollectionCase, title: str) -> None:
    if case.assigned_to_id:
        from notifications.services import notify_staff

        notify_staff(
            user=case.assigned_to,
            title=title,
            link=reverse("debt_collection:case", args=[case.pk]),
            kind="collection_hold",
            email=False,
        )


@transaction.atomic
def case_hold(
    *,
    case: CollectionCase,
    reason: str,
    actor,
    note: str = "",
    complaint_id: int | None = None,
    expected_state: str | None = None,
    check_permission: bool = True,
) -> CollectionCase:
    """Stop collection (complaint, dispute, hardship). Remembers the state to return to. A case
    already on hold gets one more hold; it is released when every hold is."""
    if reason not in HoldReason.values:
        raise DomainError(_("暂停原因无效。"), field="reason")
    case = lock_case(case, expected_state=expected_state)
    if check_permission:
        require(permissions.can_hold_case(actor, case))
    if complaint_id is not None and case.holds.filter(complaint_id=complaint_id, released_at__isnull=True).exists():
        return case  # the same complaint asked twice
    if case.state not in HOLDABLE_STATES and case.state != CaseState.ON_HOLD:
        raise TransitionNotAllowed(_("案件已结案，无需暂停。"))
    hold = CaseHold.objects.create(case=case, reason=reason, complaint_id=complaint_id, note=note[:300], created_by=actor)
    payload = {"reason": reason, "hold_id": hold.pk, "complaint_id": complaint_id, "note": note[:300]}
    if case.state == CaseState.ON_HOLD:
        event(case, "hold_added", actor=actor, from_state=case.state, to_state=case.state, **payload)
        return case
    case.hold_return_state = case.state
    case.hold_reason = reason
    run_transition(case, "hold", actor=actor, kind="held", **payload)
    _notify_hold(case, _("案件 #%(id)s 已暂停催收，请勿联系借款人。") % {"id": case.pk})
    return case


def _release_if_clear(case: CollectionCase, *, actor, **payload) -> None:
    if case.state != CaseState.ON_HOLD:
        return
    if case.holds.filter(released_at__isnull=True).exists():
        event(case, "hold_partly_released", actor=actor, from_state=case.state, to_state=case.state, **payload)
        return
    run_transition(case, "release", actor=actor, kind="released", **payload)
    case.hold_return_state = ""
    case.hold_reason = ""
    case.save(update_fields=["hold_return_state", "hold_reason", "updated_at"])
    _notify_hold(case, _("案件 #%(id)s 已恢复催收。") % {"id": case.pk})


@transaction.atomic
def case_release(*, case: CollectionCase, actor, note: str = "", expected_state: str | None = None) -> CollectionCase:
    """Lift the dispute/hardship holds. Holds for a complaint stay until the complaint is resolved."""
    case = lock_case(case, expected_state=expected_state)
    require(permissions.can_release_hold(actor, case))
    if case.state != CaseState.ON_HOLD:
        raise TransitionNotAllowed(_("案件未处于暂停状态。"))
    now = timezone.now()
    released = case.holds.filter(released_at__isnull=True, complaint_id__isnull=True).update(
        released_at=now, released_by=actor
    )
    if case.holds.filter(released_at__isnull=True).exists() and not released:
        raise TransitionNotAllowed(_("案件因投诉暂停，投诉办结后自动恢复。"), code="held_by_complaint")
    _release_if_clear(case, actor=actor, note=note[:300])
    return case


@transaction.atomic
def case_hold_for_complaint(*, complaint, loan, actor) -> CollectionCase | None:
    """A complaint (collection conduct, or any complaint the supervisor chose) stops collection on
    the loan's open case. No open case: nothing to hold."""
    case = CollectionCase.objects.filter(loan=loan, state__in=OPEN_STATES).first()
    if case is None:
        return None
    return case_hold(
        case=case,
        reason=HoldReason.COMPLAINT,
        actor=actor,
        complaint_id=complaint.pk,
        note=_("投诉 %(ref)s") % {"ref": getattr(complaint, "reference", None) or complaint.pk},
        check_permission=False,
    )


@transaction.atomic
def case_release_for_complaint(*, complaint, actor) -> list[CollectionCase]:
    """The complaint is resolved: release its holds; a case still held by another complaint (or a
    dispute) stays on hold."""
    case_ids = list(
        CaseHold.objects.filter(complaint_id=complaint.pk, released_at__isnull=True)
        .values_list("case_id", flat=True)
        .distinct()
    )
    out = []
    for case_id in sorted(case_ids):  # a complaint holds one loan's case; sorted keeps lock order stable
        case = lock_case(case_id)
        case.holds.filter(complaint_id=complaint.pk, released_at__isnull=True).update(
            released_at=timezone.now(), released_by=actor
        )
        _release_if_clear(case, actor=actor, complaint_id=complaint.pk)
        out.append(case)
    return out


# --- escalation ladder -----------------------------------------------------------------------------------


def _managed(case, actor, expected_state):
    case = lock_case(case, expected_state=expected_state)
    require(permissions.can_manage_case(actor, case))
    return case


@transaction.atomic
def case_escalate(*, case: CollectionCase, actor, note: str = "", expected_state: str | None = None) -> CollectionCase:
    """To field visit (外访)."""
    case = _managed(case, actor, expected_state)
    run_transition(case, "escalate", actor=actor, kind="escalated", note=note[:500])
    return case


def _enforcement(case, stage, actor, *, agency_name="", reference="", started_on=None, mortgage_registration="", notes=""):
    loan = case.loan
    return EnforcementRecord.objects.create(
        case=case,
        stage=stage,
        vin=loan.vin,
        plate=loan.plate,
        mortgage_registration=mortgage_registration,
        agency_name=agency_name,
        reference=reference,
        started_on=started_on or timezone.localdate(),
        notes=notes,
        created_by=actor,
    )


@transaction.atomic
def case_start_legal(
    *,
    case: CollectionCase,
    actor,
    agency_name: str,
    reference: str = "",
    started_on: date | None = None,
    mortgage_registration: str = "",
    notes: str = "",
    expected_state: str | None = None,
) -> CollectionCase:
    case = _managed(case, actor, expected_state)
    if not agency_name.strip():
        raise DomainError(_("请填写律所或法务机构。"), field="agency_name")
    run_transition(case, "start_legal", actor=actor, kind="legal_started", agency=agency_name, reference=reference)
    _enforcement(case, EnforcementStage.LEGAL, actor, agency_name=agency_name, reference=reference,
                 started_on=started_on, mortgage_registration=mortgage_registration, notes=notes)
    return case


@transaction.atomic
def case_start_repossession(
    *,
    case: CollectionCase,
    actor,
    agency_name: str,
    reference: str = "",
    started_on: date | None = None,
    mortgage_registration: str = "",
    notes: str = "",
    expected_state: str | None = None,
) -> CollectionCase:
    """Records that the repossession stage began (who, under which mandate, which vehicle). The
    product never performs a repossession."""
    case = _managed(case, actor, expected_state)
    if not agency_name.strip():
        raise DomainError(_("请填写处置机构。"), field="agency_name")
    if not mortgage_registration.strip():
        raise DomainError(_("请填写抵押登记号。"), field="mortgage_registration")
    run_transition(case, "start_repossession", actor=actor, kind="repossession_started", agency=agency_name,
                   reference=reference)
    _enforcement(case, EnforcementStage.REPOSSESSION, actor, agency_name=agency_name, reference=reference,
                 started_on=started_on, mortgage_registration=mortgage_registration, notes=notes)
    return case


@transaction.atomic
def enforcement_record_add(*, case: CollectionCase, actor, stage: str, **fields) -> EnforcementRecord:
    """A further record at the legal/repossession stage (hearing date, vehicle recovered, auction …)."""
    case = lock_case(case)
    require(permissions.can_manage_case(actor, case))
    if case.state not in (CaseState.LEGAL, CaseState.REPOSSESSION, CaseState.CLOSED, CaseState.WRITTEN_OFF):
        raise TransitionNotAllowed(_("案件尚未进入法务或收车阶段。"))
    allowed = {"vin", "plate", "mortgage_registration", "agency_name", "reference", "started_on", "ended_on", "notes"}
    record = EnforcementRecord.objects.create(
        case=case, stage=stage, created_by=actor, **{k: v for k, v in fields.items() if k in allowed}
    )
    event(case, "enforcement_recorded", actor=actor, from_state=case.state, to_state=case.state, record_id=record.pk,
          stage=stage)
    return record


def _finish(case, actor, name, kind, note):
    run_transition(case, name, actor=actor, kind=kind, note=note[:500])
    case.closed_at = timezone.now()
    case.save(update_fields=["closed_at", "updated_at"])
    return case


@transaction.atomic
def case_close(*, case: CollectionCase, actor, note: str = "", expected_state: str | None = None) -> CollectionCase:
    return _finish(_managed(case, actor, expected_state), actor, "close", "closed", note)


@transaction.atomic
def case_write_off(*, case: CollectionCase, actor, note: str, expected_state: str | None = None) -> CollectionCase:
    if not note.strip():
        raise DomainError(_("核销须填写理由。"), field="note")
    return _finish(_managed(case, actor, expected_state), actor, "write_off", "written_off", note)


