"""Assignment of cases to collectors: by branch and bucket, least-loaded first. Cases placed with an
external agency are assigned among that agency's collectors only."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from common.exceptions import DomainError
from debt_collection import permissions
from debt_collection.choices import OPEN_STATES, OrganisationKind
from debt_collection.models import CollectionCase, CollectorOrganisation, CollectorProfile
from debt_collection.services._base import event, lock_case, require


def _candidates(*, branch_id: int, bucket: str, agency_id: int | None):
    """Active collectors who may take a case, with their open-case load, least loaded first."""
    profiles = CollectorProfile.objects.filter(
        is_active=True, user__is_active=True, organisation__is_active=True, user__role="collector"
    )
    if agency_id:
        profiles = profiles.filter(organisation_id=agency_id)
    else:
        profiles = profiles.filter(organisation__kind=OrganisationKind.INTERNAL, user__branch_id=branch_id)
    profiles = profiles.annotate(
        load=Count("user__collection_cases", filter=Q(user__collection_cases__state__in=OPEN_STATES))
    ).order_by("load", "user_id")
    return [p for p in profiles.select_related("user") if (not p.buckets or bucket in p.buckets) and p.load < p.max_open_cases]


@transaction.atomic
def case_assign(*, case: CollectionCase, actor=None, to_user=None) -> CollectionCase:
    """Assign to `to_user` (a supervisor's choice) or to the least-loaded eligible collector.
    No eligible collector: the case stays unassigned and shows in the branch queue."""
    case = lock_case(case)
    if to_user is not None:
        if actor is not None:
            require(permissions.can_manage_case(actor, case))
        if to_user.branch_id != case.branch_id and not to_user.sees_all_branches:
            raise DomainError(_("只能分配给本分支机构的催收员。"), field="assigned_to")
        agency = permissions.agency_of(to_user)
        if (agency.pk if agency else None) != case.agency_id:
            raise DomainError(_("委外案件只能分配给受托机构的催收员，内部案件只能分配给内部催收员。"), field="assigned_to")
        chosen = to_user
    else:
        found = _candidates(branch_id=case.branch_id, bucket=case.bucket, agency_id=case.agency_id)
        chosen = found[0].user if found else None
    if chosen is None or chosen.pk == case.assigned_to_id:
        return case
    before = case.assigned_to_id
    CollectionCase.objects.filter(pk=case.pk).update(assigned_to=chosen)
    case.assigned_to = chosen
    event(case, "assigned", actor=actor, from_state=case.state, to_state=case.state, from_user=before, to_user=chosen.pk)
    return case


def cases_assign_unassigned(*, branch_id: int | None = None, actor=None, limit: int = 5000) -> int:
    """Assign open unassigned cases (new ones from the refresh), one small transaction each so a
    crash half-way loses nothing and a rerun continues. Bounded by `limit` per run."""
    qs = CollectionCase.objects.filter(assigned_to__isnull=True, state__in=OPEN_STATES)
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    assigned = 0
    for case_id in qs.order_by("id").values_list("id", flat=True)[:limit]:
        with transaction.atomic():
            case = CollectionCase.objects.select_for_update(skip_locked=True).filter(pk=case_id, assigned_to__isnull=True).first()
            if case is None:
                continue
            if case_assign(case=case, actor=actor).assigned_to_id:
                assigned += 1
    return assigned


@transaction.atomic
def case_place_with_agency(*, case: CollectionCase, agency: CollectorOrganisation | None, actor) -> CollectionCase:
    """Place a case with an external agency (委外), or take it back (agency=None). The agency's
    collectors then see it; the previous collector no longer works it."""
    case = lock_case(case)
    require(permissions.can_manage_case(actor, case))
    if agency is not None and (not agency.is_agency or not agency.is_active):
        raise DomainError(_("请选择有效的委外催收机构。"), field="agency")
    if agency is not None and agency.branch_id != case.branch_id:
        raise DomainError(_("委外机构不属于该案件的分支机构。"), field="agency")
    before = case.agency_id
    CollectionCase.objects.filter(pk=case.pk).update(agency=agency, assigned_to=None)
    case.agency, case.assigned_to = agency, None
    event(case, "placed_with_agency" if agency else "recalled_from_agency", actor=actor, from_state=case.state,
          to_state=case.state, from_agency=before, to_agency=agency.pk if agency else None)
    return case_assign(case=case, actor=actor)
