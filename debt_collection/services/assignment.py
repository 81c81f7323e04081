"""Assignment of cases to collectors: by branch and bucket, least-loaded first. Cases placed with an
external agency are assigned among that agency's collectors only."""

from __future__ import annotations

import heapq

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import DomainError
from debt_collection import permissions
from debt_collection.choices import OPEN_STATES, OrganisationKind
from debt_collection.models import CaseEvent, CollectionCase, CollectorOrganisation
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


def cases_assign_unassigned(*, actor=None, limit_per_group: int = 50000) -> int:
    """Assign every open unassigned case (the refresh's new cases), set-based: per (branch, bucket,
    agency) group the eligible collectors' loads are read once, cases are dealt out least-loaded
    first in memory, and written with one compare-and-set UPDATE per collector
    (`assigned_to IS NULL`), so a rerun or a concurrent manual assignment is never overwritten."""
    unassigned = CollectionCase.objects.filter(assigned_to__isnull=True, state__in=OPEN_STATES)
    groups = list(unassigned.values_list("branch_id", "bucket", "agency_id").distinct().order_by())
    assigned = 0
    now = timezone.now()
    for branch_id, bucket, agency_id in groups:
        with transaction.atomic():
            ids = list(
                unassigned.filter(branch_id=branch_id, bucket=bucket, agency_id=agency_id)
                .select_for_update(skip_locked=True)
                .order_by("id")
                .values_list("id", flat=True)[:limit_per_group]
            )
            candidates = _candidates(branch_id=branch_id, bucket=bucket, agency_id=agency_id)
            if not ids or not candidates:
                continue
            heap = [(user.load, user.pk, user) for user in candidates]
            heapq.heapify(heap)
            capacity = {u.pk: getattr(getattr(u, "collector_profile", None), "max_open_cases", None) for u in candidates}
            dealt: dict[int, list[int]] = {}
            for case_id in ids:
                while heap:
                    load, pk, user = heapq.heappop(heap)
                    if capacity[pk] is None or load < capacity[pk]:
                        break
                else:
                    break  # everybody is full: the rest stay unassigned in the branch queue
                dealt.setdefault(pk, []).append(case_id)
                heapq.heappush(heap, (load + 1, pk, user))
            events = []
            for user_pk, case_ids in dealt.items():
                CollectionCase.objects.filter(pk__in=case_ids, assigned_to__isnull=True).update(assigned_to_id=user_pk)
                states = dict(CollectionCase.objects.filter(pk__in=case_ids, assigned_to_id=user_pk).values_list("id", "state"))
                events += [
                    CaseEvent(case_id=cid, kind="assigned", actor=actor, from_state=state, to_state=state,
                              payload={"from_user": None, "to_user": user_pk, "by": "auto"}, created_at=now)
                    for cid, state in states.items()
                ]
            CaseEvent.objects.bulk_create(events, batch_size=1000)
            assigned += len(events)
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
