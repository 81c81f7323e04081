"""Complaints API: configuration over the selectors and services. Each transition is a POST action
calling the same service as the pages; conflicts come back as 409 with a code."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from common.api.pagination import NewestFirstPagination, TimelinePagination
from complaints import permissions as perms
from complaints import selectors, services
from complaints.api import serializers as s
from complaints.choices import Category, Priority, State
from complaints.models import Complaint, normalize_tracking_code


class ComplaintFilter(filters.FilterSet):
    state = filters.MultipleChoiceFilter(choices=State.choices)
    category = filters.ChoiceFilter(choices=Category.choices)
    priority = filters.ChoiceFilter(choices=Priority.choices)
    branch = filters.CharFilter(field_name="branch__code", label="branch code")
    assignee = filters.CharFilter(method="filter_assignee", label="user id, 'me' or 'none'")
    breaching_within = filters.NumberFilter(
        method="filter_breaching", label="a running clock is due within this many minutes (or overdue)"
    )
    escalated = filters.BooleanFilter(method="filter_escalated")
    open = filters.BooleanFilter(method="filter_open")
    received_after = filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="lt")
    tracking_code = filters.CharFilter(method="filter_code")

    class Meta:
        model = Complaint
        fields = ["state", "category", "priority", "branch", "root_cause", "channel"]

    def filter_assignee(self, qs, name, value):
        if value == "me":
            return qs.filter(assignee_id=self.request.user.pk)
        if value == "none":
            return qs.filter(assignee__isnull=True)
        if not value.isdigit():
            raise ValidationError({"assignee": ["user id, 'me' or 'none'"]})
        return qs.filter(assignee_id=int(value))

    def filter_breaching(self, qs, name, value):
        return qs.filter(selectors.breaching_soon_q(within_minutes=int(value)))

    def filter_escalated(self, qs, name, value):
        return qs.filter(timers__escalation_level__gt=0) if value else qs.filter(timers__escalation_level=0)

    def filter_open(self, qs, name, value):
        from complaints.choices import OPEN_STATES

        return qs.filter(state__in=OPEN_STATES) if value else qs.exclude(state__in=OPEN_STATES)

    def filter_code(self, qs, name, value):
        return qs.filter(tracking_code=normalize_tracking_code(value))


def _version(data):
    return data.get("version")


class ComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Complaints in the caller's scope (own branch; HQ and compliance all)."""

    serializer_class = s.ComplaintSerializer
    filterset_class = ComplaintFilter
    ordering_fields = ["id", "received_at", "regulatory_due_at", "resolution_due_at", "priority"]
    ordering = ["-id"]

    def get_queryset(self):
        return selectors.complaint_list(user=self.request.user)

    def get_object(self):
        return selectors.complaint_get(user=self.request.user, pk=self.kwargs["pk"])

    def _respond(self, complaint, code=status.HTTP_200_OK):
        fresh = selectors.complaint_get(user=self.request.user, pk=complaint.pk)
        return Response(s.ComplaintSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def _input(self, serializer_class):
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(
        request=s.ComplaintCreateSerializer,
        responses={201: s.ComplaintSerializer},
        examples=[
            OpenApiExample(
                "a phone complaint about collection conduct",
                value={
                    "branch": "SH", "channel": "phone", "category": "collection_conduct",
                    "complainant_name": "王先生", "complainant_mobile": "13800138000",
                    "description": "催收员晚上十一点打电话，并联系了我的同事。",
                    "desired_outcome": "停止骚扰并道歉",
                },
                request_only=True,
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        if not perms.can_create(request.user):
            raise PermissionDenied()
        data = self._input(s.ComplaintCreateSerializer)
        complaint = services.complaint_create(actor=request.user, **data)
        return self._respond(complaint, status.HTTP_201_CREATED)

    @extend_schema(responses=s.ComplaintEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=TimelinePagination)  # oldest first, paged
    def timeline(self, request, pk=None):
        complaint = self.get_object()
        events = self.paginate_queryset(selectors.complaint_timeline(user=request.user, complaint=complaint))
        return self.get_paginated_response(s.ComplaintEventSerializer(events, many=True).data)

    @extend_schema(responses=s.EscalationSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=NewestFirstPagination)
    def escalations(self, request, pk=None):
        complaint = self.get_object()
        rows = self.paginate_queryset(selectors.complaint_escalations(user=request.user, complaint=complaint))
        return self.get_paginated_response(s.EscalationSerializer(rows, many=True).data)

    # --- transitions and actions ------------------------------------------------------------
    @extend_schema(
        request=s.ClassifySerializer,
        responses=s.ComplaintSerializer,
        examples=[
            OpenApiExample("classify", value={"category": "interest_fees", "priority": "high", "version": 1}, request_only=True)
        ],
    )
    @action(detail=True, methods=["post"])
    def classify(self, request, pk=None):
        data = self._input(s.ClassifySerializer)
        c = services.complaint_classify(
            complaint=self.get_object(), category=data["category"], priority=data["priority"],
            assignee=data.get("assignee"), actor=request.user, expected_version=_version(data),
        )
        return self._respond(c)

    @extend_schema(request=s.VersionedSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        data = self._input(s.VersionedSerializer)
        c = services.complaint_start(complaint=self.get_object(), actor=request.user, expected_version=_version(data))
        return self._respond(c)

    @extend_schema(request=s.WaitSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"], url_path="wait-on-borrower")
    def wait_on_borrower(self, request, pk=None):
        data = self._input(s.WaitSerializer)
        c = services.complaint_wait_on_borrower(
            complaint=self.get_object(), reason=data["reason"], message=data.get("message", ""),
            channel=data.get("channel"), actor=request.user, expected_version=_version(data),
        )
        return self._respond(c)

    @extend_schema(request=s.NoteOptionalSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        data = self._input(s.NoteOptionalSerializer)
        c = services.complaint_resume(
            complaint=self.get_object(), note=data.get("note", ""), actor=request.user, expected_version=_version(data)
        )
        return self._respond(c)

    @extend_schema(
        request=s.ResolveSerializer,
        responses=s.ComplaintSerializer,
        examples=[
            OpenApiExample(
                "resolve",
                value={"resolution_summary": "已退还多收的手续费 200 元并致歉。", "root_cause": "fee_or_interest_error", "version": 3},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        data = self._input(s.ResolveSerializer)
        c = services.complaint_resolve(
            complaint=self.get_object(), resolution_summary=data["resolution_summary"], root_cause=data["root_cause"],
            actor=request.user, expected_version=_version(data),
        )
        return self._respond(c)

    @extend_schema(request=s.FeedbackSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        data = self._input(s.FeedbackSerializer)
        c = services.complaint_record_feedback(
            complaint=self.get_object(), csat=data["csat"], comment=data.get("comment", ""), actor=request.user,
            expected_version=_version(data),
        )
        return self._respond(c)

    @extend_schema(request=s.ReasonSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        data = self._input(s.ReasonSerializer)
        c = services.complaint_reopen(
            complaint=self.get_object(), reason=data["reason"], actor=request.user, expected_version=_version(data)
        )
        return self._respond(c)

    @extend_schema(request=s.RejectSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = self._input(s.RejectSerializer)
        c = services.complaint_reject(
            complaint=self.get_object(), reason=data["reason"], note=data["note"], actor=request.user,
            expected_version=_version(data),
        )
        return self._respond(c)

    @extend_schema(request=s.MergeSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        data = self._input(s.MergeSerializer)
        ref = data["into"].strip()
        qs = selectors.complaint_list(user=request.user)
        into = qs.filter(pk=int(ref)).first() if ref.isdigit() else qs.filter(tracking_code=normalize_tracking_code(ref)).first()
        if into is None:
            raise ValidationError({"into": ["找不到该主投诉。"]})
        c = services.complaint_merge(
            complaint=self.get_object(), into=into, note=data.get("note", ""), actor=request.user,
            expected_version=_version(data),
        )
        return self._respond(c)

    @extend_schema(request=s.AssignSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        data = self._input(s.AssignSerializer)
        c = services.complaint_assign(
            complaint=self.get_object(), assignee=data["assignee"], note=data.get("note", ""), actor=request.user,
            expected_version=_version(data),
        )
        return self._respond(c)

    @extend_schema(request=s.NoteSerializer, responses={201: s.ComplaintEventSerializer})
    @action(detail=True, methods=["post"])
    def note(self, request, pk=None):
        data = self._input(s.NoteSerializer)
        event = services.complaint_add_note(complaint=self.get_object(), body=data["body"], actor=request.user)
        return Response(s.ComplaintEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ReplySerializer, responses={201: s.ComplaintEventSerializer})
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        data = self._input(s.ReplySerializer)
        event = services.complaint_reply(
            complaint=self.get_object(), body=data["body"], channel=data["channel"], actor=request.user,
            expected_version=_version(data),
        )
        return Response(s.ComplaintEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ExtendSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"], url_path="extend-deadline")
    def extend_deadline(self, request, pk=None):
        data = self._input(s.ExtendSerializer)
        c = services.complaint_extend_deadline(
            complaint=self.get_object(), days=data["days"], reason=data["reason"], actor=request.user,
            expected_version=_version(data),
        )
        return self._respond(c)

    @extend_schema(request=s.HoldSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"], url_path="collection-hold")
    def collection_hold(self, request, pk=None):
        data = self._input(s.HoldSerializer)
        c = services.complaint_request_collection_hold(
            complaint=self.get_object(), reason=data.get("reason", ""), actor=request.user
        )
        return self._respond(c)

    @extend_schema(request=s.EscalateSerializer, responses={201: s.EscalationSerializer})
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        data = self._input(s.EscalateSerializer)
        escalation = services.escalation_raise(complaint=self.get_object(), note=data["note"], actor=request.user)
        return Response(s.EscalationSerializer(escalation).data, status=status.HTTP_201_CREATED)


class EscalationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Escalations in the caller's scope; `?open=1` (default) only unacknowledged ones on open complaints,
    `?mine=1` those naming the caller."""

    serializer_class = s.EscalationSerializer
    ordering = ["-id"]

    @extend_schema(parameters=[OpenApiParameter("open", bool), OpenApiParameter("mine", bool)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return selectors.escalation_list(
            user=self.request.user, open_only=params.get("open", "1") in ("1", "true"),
            mine=params.get("mine") in ("1", "true"),
        )

    def get_object(self):
        return selectors.escalation_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(request=s.AcknowledgeSerializer, responses=s.EscalationSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        serializer = s.AcknowledgeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        escalation = services.escalation_acknowledge(
            escalation=self.get_object(), note=serializer.validated_data.get("note", ""), actor=request.user
        )
        return Response(s.EscalationSerializer(selectors.escalation_get(user=request.user, pk=escalation.pk)).data)
