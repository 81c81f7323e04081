"""Reads for the staff workspace. Every queryset starts from `accounts.scoping.scope_to_user`, so the
queue, the complaint page and the supervisor views can never disagree about who sees what.

Query budget (constant, whatever the data size): the queue page is one query for its rows (owner,
assignee, borrower, loan and branch joined) plus at most two small look-ups when searching; the
complaint page is a fixed handful (complaint, timeline, attachments, escalations, borrower 360).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, When
from django.db.models.functions import Least
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.choices import Role
from accounts.scoping import scope_to_user
from borrowers.models import Borrower, Loan
from complaints.choices import OPEN_STATES, Clock
from complaints.models import Complaint, ComplaintAttachment, ComplaintEvent, Escalation
from complaints.permissions import ACK_ROLES_BY_LEVEL
from complaints.selectors import breached_q, breaching_soon_q

QUEUE_VIEWS = ("mine", "unassigned", "team", "breaching", "escalated")
SEARCH_LOOKUP_LIMIT = 200  # borrowers/loans a search term may match before we ask for a narrower one


def breaching_window() -> timedelta:
    return timedelta(hours=float(settings.CRM.get("WORKSPACE_BREACHING_SOON_HOURS", 4)))


def _service_due():
    """The service clock that is running: first response until answered, then resolution."""
    return Case(
        When(first_responded_at__isnull=True, then=F("first_response_due_at")),
        default=F("resolution_due_at"),
    )


def _levels_user_acknowledges(user) -> list[int]:
    if user.is_superuser:
        return list(ACK_ROLES_BY_LEVEL)
    return [level for level, roles in ACK_ROLES_BY_LEVEL.items() if user.role in roles]


def pending_escalations(*, user) -> QuerySet[Escalation]:
    """Escalations waiting for this user's acknowledgement: their role's levels, or named recipient."""
    # Scoped through the user's open complaints (branch/state index) rather than a join per escalation;
    # an escalation waits for acknowledgement only while its complaint is open.
    open_complaints = complaint_base_qs(user=user).filter(state__in=OPEN_STATES).values("pk")
    qs = Escalation.objects.filter(acknowledged_at__isnull=True, ack_due_at__isnull=False, complaint_id__in=open_complaints)
    condition = Q(level__in=_levels_user_acknowledges(user))
    from django.db import connection

    if connection.vendor == "postgresql":  # JSON containment is not available on SQLite
        condition |= Q(recipients__contains=[{"id": user.pk}])
    return qs.filter(condition)


def complaint_base_qs(*, user) -> QuerySet[Complaint]:
    return scope_to_user(Complaint.objects.all(), user)


def _indexed(field_name: str) -> bool:
    """Whether a Complaint column leads an index (its own db_index or the first field of Meta.indexes)."""
    field = Complaint._meta.get_field(field_name)
    if field.db_index or field.unique:
        return True
    return any(index.fields and index.fields[0].lstrip("-") == field_name for index in Complaint._meta.indexes)


def _search_condition(*, user, query: str) -> Q | None:
    """Tracking code, complainant or borrower name, mobile, contract number or plate.

    Borrower and loan matches are looked up first (each an indexed, bounded query) so the complaint
    query stays an index-friendly OR of equalities instead of a join over the whole table.
    """
    from complaints.models import normalize_tracking_code

    query = (query or "").strip()[:60]
    if not query:
        return None
    code = normalize_tracking_code(query)
    condition = Q(tracking_code=code) if code else Q(pk__in=[])
    # The complainant's own mobile / name (public-form complaints not yet matched to a borrower) are
    # searched only when indexed: one unindexed OR-branch turns the whole search into a scan of the
    # branch's complaints (seconds on a million rows). Matched complaints are found via the borrower.
    if query.isdigit() and len(query) >= 7 and _indexed("complainant_mobile"):
        condition |= Q(complainant_mobile=query)
    elif not query.isdigit() and _indexed("complainant_name"):
        condition |= Q(complainant_name=query)
    borrowers = scope_to_user(Borrower.objects.all(), user).filter(Q(name__startswith=query) | Q(mobile=query))
    borrower_ids = list(borrowers.values_list("id", flat=True)[:SEARCH_LOOKUP_LIMIT])
    loans = scope_to_user(Loan.objects.all(), user).filter(Q(contract_number=query) | Q(plate=query.upper()))
    loan_ids = list(loans.values_list("id", flat=True)[:SEARCH_LOOKUP_LIMIT])
    if borrower_ids:
        condition |= Q(borrower_id__in=borrower_ids)
    if loan_ids:
        condition |= Q(loan_id__in=loan_ids)
    return condition


@dataclass
class QueueFilters:
    view: str = "mine"
    state: str = ""
    category: str = ""
    priority: str = ""
    branch: int | None = None
    channel: str = ""
    q: str = ""


def complaint_queue(*, user, filters: QueueFilters, now=None) -> QuerySet[Complaint]:
    """The agent's queue, sorted by the nearest running clock (service SLA or regulatory deadline)."""
    now = now or timezone.now()
    qs = complaint_base_qs(user=user)
    view = filters.view if filters.view in QUEUE_VIEWS else "mine"
    searching = bool(filters.q.strip())
    if filters.state:
        qs = qs.filter(state=filters.state)
    elif not searching:
        qs = qs.filter(state__in=OPEN_STATES)
    if not searching:
        if view == "mine":
            qs = qs.filter(assignee=user)
        elif view == "unassigned":
            qs = qs.filter(assignee__isnull=True)
        elif view == "team":
            if not user.sees_all_branches and user.branch_id:
                qs = qs.filter(branch_id=user.branch_id)
        elif view == "breaching":
            minutes = int(breaching_window().total_seconds() // 60)
            qs = qs.filter(breaching_soon_q(within_minutes=minutes, now=now))
        elif view == "escalated":
            # pending escalations are few (partial index): start from them, not from the complaints
            qs = qs.filter(pk__in=pending_escalations(user=user).values("complaint_id"))
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.branch:
        qs = qs.filter(branch_id=filters.branch)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if searching:
        condition = _search_condition(user=user, query=filters.q)
        qs = qs.filter(condition)
    return qs.annotate(service_due_at=_service_due()).annotate(
        next_due_at=Least(F("service_due_at"), F("regulatory_due_at"))
    ).order_by(F("next_due_at").asc(nulls_last=True), "id")


QUEUE_ROW_FIELDS = (
    "id", "tracking_code", "state", "category", "priority", "channel", "subject", "complainant_name",
    "received_at", "first_responded_at", "first_response_due_at", "resolution_due_at",
    "regulatory_due_at", "sla_paused_at", "timers__escalation_level", "branch_id", "borrower_id", "loan_id",
    "owner_id", "assignee_id", "resolution_clock_started_at",
    "owner__username", "owner__display_name", "owner__first_name", "owner__last_name",
    "assignee__username", "assignee__display_name", "assignee__first_name", "assignee__last_name",
    "borrower__name", "borrower__is_vip", "loan__contract_number", "loan__plate",
    "branch__name", "branch__time_zone",
)


def complaint_queue_page(*, user, filters: QueueFilters, offset: int, limit: int, now=None) -> list[Complaint]:
    """One page of the queue in two indexed steps: the page's ids in clock order (no joins, so the
    planner never joins borrowers and loans for every candidate row), then those rows with everything
    the row shows. Two queries whatever the size of the queue."""
    ids = list(complaint_queue(user=user, filters=filters, now=now).values_list("pk", flat=True)[offset : offset + limit])
    if not ids:
        return []
    rows = (
        Complaint.objects.filter(pk__in=ids)
        .select_related("owner", "assignee", "borrower", "loan", "branch", "timers")
        .only(*QUEUE_ROW_FIELDS)
        .order_by()  # put in the ids' order below; no sort in SQL
    )
    by_id = {row.pk: row for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


def complaint_for_workspace(*, user, pk: int) -> Complaint:
    qs = complaint_base_qs(user=user).select_related(
        "owner", "assignee", "borrower", "borrower__branch", "borrower__dedicated_manager", "loan", "branch",
        "merged_into", "timers",
    )
    return get_object_or_404(qs, pk=pk)


def complaint_timeline(*, complaint: Complaint) -> QuerySet[ComplaintEvent]:
    """The complaint's own timeline plus those of the duplicates merged into it (both are kept).

    The duplicates' ids are read first (indexed FK) so the event query is one index range per
    complaint instead of an OR across a join.
    """
    ids = [complaint.pk, *Complaint.objects.filter(merged_into=complaint).values_list("pk", flat=True)[:50]]
    return (
        ComplaintEvent.objects.filter(complaint_id__in=ids)
        .select_related("actor", "complaint")
        .order_by("-created_at", "-id")
    )


def complaint_attachments(*, complaint: Complaint) -> QuerySet[ComplaintAttachment]:
    return ComplaintAttachment.objects.filter(complaint=complaint).order_by("created_at", "id")


def complaint_escalations(*, complaint: Complaint) -> QuerySet[Escalation]:
    return Escalation.objects.filter(complaint=complaint).select_related("acknowledged_by").order_by("-created_at", "-id")


def complaints_for_borrower(*, user, borrower: Borrower, exclude_id: int | None = None) -> QuerySet[Complaint]:
    qs = complaint_base_qs(user=user).filter(borrower=borrower)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return qs.only("id", "tracking_code", "state", "category", "received_at", "subject").order_by("-received_at", "-id")


def assignable_users(*, user, complaint: Complaint | None = None) -> QuerySet:
    """Staff who may work complaints of the complaint's branch (or the user's branch)."""
    User = get_user_model()
    branch_id = complaint.branch_id if complaint is not None else user.branch_id
    qs = User.objects.filter(is_active=True, role__in=[Role.AGENT, Role.SUPERVISOR])
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    return scope_to_user(qs, user).order_by("username")


def merge_candidates(*, user, complaint: Complaint) -> QuerySet[Complaint]:
    """Open complaints of the same borrower (or the same complainant mobile) that this one may merge into."""
    qs = complaint_base_qs(user=user).filter(state__in=OPEN_STATES).exclude(pk=complaint.pk)
    condition = Q(pk__in=[])
    if complaint.borrower_id:
        condition |= Q(borrower_id=complaint.borrower_id)
    if complaint.complainant_mobile and _indexed("complainant_mobile"):
        condition |= Q(complainant_mobile=complaint.complainant_mobile)
    return qs.filter(condition).only("id", "tracking_code", "subject", "received_at").order_by("-received_at")[:20]


@dataclass
class WorkloadRow:
    user: object
    open_count: int = 0
    breached_count: int = 0
    escalated_count: int = 0

    def __str__(self):
        return str(self.user)


def team_workload(*, user, now=None) -> list[WorkloadRow]:
    """Open complaints per agent of the user's branch (all branches for HQ), with breached and
    escalated counts. Aggregated over the open complaints only (index on branch, state), never over
    a person's whole history."""
    now = now or timezone.now()
    User = get_user_model()
    staff = list(
        scope_to_user(User.objects.filter(is_active=True, role__in=[Role.AGENT, Role.SUPERVISOR]), user)
        .select_related("branch")
        .order_by("branch__code", "username")
    )
    breached = breached_q(Clock.FIRST_RESPONSE, now) | breached_q(Clock.RESOLUTION, now) | breached_q(Clock.REGULATORY, now)
    # escalated = has an escalation record (the level is on the timers row; joining every open
    # complaint to it costs more than this semi-join on the escalations' complaint index)
    escalated = Exists(Escalation.objects.filter(complaint=OuterRef("pk")))
    counts = (
        complaint_base_qs(user=user)
        .filter(state__in=OPEN_STATES, assignee__isnull=False)
        .values("assignee_id")
        .annotate(
            open_count=Count("id"),
            breached_count=Count("id", filter=breached),
            escalated_count=Count("id", filter=Q(escalated)),
        )
        .order_by()
    )
    by_user = {row["assignee_id"]: row for row in counts}
    rows = []
    for person in staff:
        row = by_user.get(person.pk, {})
        rows.append(WorkloadRow(
            user=person,
            open_count=row.get("open_count", 0),
            breached_count=row.get("breached_count", 0),
            escalated_count=row.get("escalated_count", 0),
        ))
    rows.sort(key=lambda r: (-r.open_count, r.user.username))
    return rows


def escalation_inbox(*, user, limit: int = 100) -> list[Escalation]:
    """Escalations waiting for this user, oldest deadline first: ids first (no joins), then the rows."""
    ids = list(pending_escalations(user=user).order_by("ack_due_at", "id").values_list("pk", flat=True)[:limit])
    rows = Escalation.objects.filter(pk__in=ids).select_related(
        "complaint", "complaint__assignee", "complaint__owner", "complaint__branch", "created_by"
    )
    by_id = {row.pk: row for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


def visible_branches(*, user) -> list:
    from accounts.models import Branch

    qs = Branch.objects.filter(is_active=True)
    if not user.sees_all_branches:
        qs = qs.filter(pk=user.branch_id)
    return list(qs.order_by("code"))
