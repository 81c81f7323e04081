"""Assignment of cases to collectors: by branch and bucket, least-loaded first. Cases placed with an
external agency are assigned among that agency's collectors only."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from common.exceptions import DomainError
from debt_collection import permissions
from debt_collection.choices import OPEN_STATES, OrganisationKind
from debt_collection.models import CollectionCase, CollectorOrganisation
from debt_collection.services._base import event, lock_case, require


def _candidates(*, branch_id: int, bucket: str, agency_id: int | None):
    """Active collectors who may take a case, least loaded first (open cases assigned to them).

    Internal cases: the branch's collectors who are not agency staff; a collector without a profile
    works every bucket. Agency cases: the agency's collectors only.
    """
    users = get_user_model().objects.filter(is_active=True, role="collector")
    if agency_id:
        users = users.filter(collector_profile__organisation_id=agency_id)
    else:
        users = users.filter(branch_id=branch_id).exclude(collector_profile__organisation__kind=OrganisationKind.AGENCY)
    users = users.exclude(collector_profile__is_active=False).select_related("collector_profile").annotate(
        load=Count("collection_cases", filter=Q(collection_cases__state__in=OPEN_STATES))
    ).order_by("load", "id")
    out = []
    for user in users:
        profile = getattr(user, "collector_profile", None)
        buckets = profile.buckets if profile is not None else []
        capacity = profile.max_open_cases if profile is not None else None
        if (not buckets or bucket in buckets) and (capacity is None or user.load < capacity):
            out.append(user)
    return out


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
        chosen = found[0] if found else None
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
