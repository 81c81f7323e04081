"""Collections API: configuration over selectors and services. Every queryset comes from a selector
(scoped by branch, and by agency for an agency's staff); every write calls the same service as the page.

A contact the compliance guard refuses returns 409 with
`{"code": "contact_refused", "rule": ..., "message": ..., "next_allowed_at": ...}`.
"""

from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from borrowers.choices import Bucket
from debt_collection import selectors, services
from debt_collection.api.serializers import (
    ArrangementSerializer,
    CaseSerializer,
    ContactCreateSerializer,
    ContactSerializer,
    DecisionSerializer,
    EnforcementSerializer,
    HoldSerializer,
    NoteSerializer,
    PromiseSerializer,
    SmsSerializer,
)
from debt_collection.choices import CaseState, ContactTarget
from debt_collection.models import CollectionCase
from debt_collection.services import ContactRefused


def refusal_response(exc: ContactRefused) -> Response:
    return Response(
        {
            "code": "contact_refused",
            "rule": exc.rule,
            "message": exc.message,
            "next_allowed_at": exc.next_allowed_at.isoformat() if exc.next_allowed_at else None,
        },
        status=status.HTTP_409_CONFLICT,
    )


def _case_for(user, pk, field="case") -> CollectionCase:
    try:
        return selectors.case_get(user=user, pk=pk)
    except Http404:
        raise ValidationError({field: ["未找到该案件 / case not found"]})


def _emergency_contact(case, pk):
    if pk is None:
        return None
    contact = case.borrower.emergency_contacts.filter(pk=pk).first()
    if contact is None:
        raise ValidationError({"emergency_contact": ["不是该借款人的紧急联系人 / not this borrower's emergency contact"]})
    return contact


class CaseFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=CaseState.choices)
    bucket = filters.ChoiceFilter(choices=Bucket.choices)
    assigned_to = filters.NumberFilter(field_name="assigned_to_id")
    agency = filters.NumberFilter(field_name="agency_id")
    branch = filters.NumberFilter(field_name="branch_id")
    loan = filters.NumberFilter(field_name="loan_id")
    open = filters.BooleanFilter(method="only_open")

    def only_open(self, queryset, name, value):
        from debt_collection.choices import OPEN_STATES

        return queryset.filter(state__in=OPEN_STATES) if value else queryset.exclude(state__in=OPEN_STATES)

    class Meta:
        model = CollectionCase
        fields = ["state", "bucket", "assigned_to", "agency", "branch", "loan"]


class CaseViewSet(viewsets.ReadOnlyModelViewSet):
    """Collection cases. Transitions are POST actions; `expected_state` (optional) is the state the
    caller saw — if the case moved meanwhile the answer is 409."""

    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    ordering_fields = ["id", "days_past_due", "amount_due", "opened_at"]
    ordering = ["-id"]

    def get_queryset(self):
        return selectors.case_list(user=self.request.user)

    def _transition(self, request, serializer_class, service, **extra):
        case = self.get_object()
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        kwargs = dict(data.validated_data)
        kwargs["expected_state"] = kwargs.pop("expected_state", "") or None
        case = service(case=case, actor=request.user, **kwargs, **extra)
        case = selectors.case_get(user=request.user, pk=case.pk)
        return Response(CaseSerializer(case).data)

    @extend_schema(request=HoldSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        return self._transition(request, HoldSerializer, services.case_hold)

    @extend_schema(request=NoteSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        return self._transition(request, NoteSerializer, services.case_release)

    @extend_schema(request=NoteSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        return self._transition(request, NoteSerializer, services.case_escalate)

    @extend_schema(request=EnforcementSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def legal(self, request, pk=None):
        return self._transition(request, EnforcementSerializer, services.case_start_legal)

    @extend_schema(request=EnforcementSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def repossession(self, request, pk=None):
        return self._transition(request, EnforcementSerializer, services.case_start_repossession)

    @extend_schema(request=NoteSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._transition(request, NoteSerializer, services.case_close)

    @extend_schema(request=NoteSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path="write-off")
    def write_off(self, request, pk=None):
        return self._transition(request, NoteSerializer, services.case_write_off)

    @extend_schema(request=SmsSerializer, responses={201: ContactSerializer, 409: OpenApiResponse(description="refused by the compliance guard")})
    @action(detail=True, methods=["post"])
    def sms(self, request, pk=None):
        case = self.get_object()
        data = SmsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contact = _emergency_contact(case, data.validated_data.get("emergency_contact"))
        try:
            attempt = services.case_send_sms(case=case, template=data.validated_data["template"], actor=request.user,
                                             emergency_contact=contact)
        except ContactRefused as exc:
            return refusal_response(exc)
        return Response(ContactSerializer(attempt).data, status=status.HTTP_201_CREATED)


class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The contact log. POST asks the compliance guard first: a refusal is 409 with the rule and the
    next allowed time (and is recorded); bad input is 400 with the field."""

    serializer_class = ContactSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_fields = {"case": ["exact"], "channel": ["exact"], "outcome": ["exact"], "occurred_at": ["gte", "lte"]}
    ordering_fields = ["id", "occurred_at"]
    ordering = ["-id"]

    def get_queryset(self):
        return selectors.contact_list(user=self.request.user)

    @extend_schema(
        request=ContactCreateSerializer,
        responses={201: ContactSerializer, 409: OpenApiResponse(description="refused by the compliance guard")},
    )
    def create(self, request, *args, **kwargs):
        data = ContactCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        case = _case_for(request.user, d["case"])
        contact = _emergency_contact(case, d.get("emergency_contact"))
        if d["target"] == ContactTarget.EMERGENCY_CONTACT and contact is None:
            raise ValidationError({"emergency_contact": ["必填 / required"]})
        try:
            attempt = services.contact_log(
                case=case,
                channel=d["channel"],
                outcome=d["outcome"],
                actor=request.user,
                target=d["target"],
                emergency_contact=contact,
                notes=d.get("notes", ""),
                recording=d.get("recording"),
                recording_ref=d.get("recording_ref", ""),
                visit_staff=d.get("visit_staff", []),
                occurred_at=d.get("occurred_at"),
                expected_state=d.get("expected_state") or None,
            )
        except ContactRefused as exc:
            return refusal_response(exc)
        return Response(ContactSerializer(attempt).data, status=status.HTTP_201_CREATED)


class PromiseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = PromiseSerializer
    filterset_fields = {"case": ["exact"], "status": ["exact"], "promised_date": ["gte", "lte", "exact"]}
    ordering_fields = ["id", "promised_date"]
    ordering = ["-id"]

    def get_queryset(self):
        return selectors.promise_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        data = PromiseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = _case_for(request.user, data.validated_data["case_id"])
        promise = services.promise_record(
            case=case,
            amount=data.validated_data["amount"],
            promised_date=data.validated_data["promised_date"],
            notes=data.validated_data.get("notes", ""),
            actor=request.user,
        )
        return Response(PromiseSerializer(promise).data, status=status.HTTP_201_CREATED)


PARAMS = ("new_term_months", "new_annual_rate", "extension_months", "waiver_amount", "settlement_amount", "first_due_date")


class ArrangementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Repayment arrangements. POST proposes (the preview is computed and stored); `preview` computes
    without saving; `approve` / `reject` are for a supervisor who did not propose it (four-eyes)."""

    serializer_class = ArrangementSerializer
    filterset_fields = {"case": ["exact"], "status": ["exact"], "kind": ["exact"]}
    ordering_fields = ["id", "proposed_at"]
    ordering = ["-id"]

    def get_queryset(self):
        return selectors.arrangement_list(user=self.request.user)

    def _validated(self, request, *, partial_reason=False):
        data = ArrangementSerializer(data=request.data)
        if partial_reason:
            data.fields["reason"].required = False
        data.is_valid(raise_exception=True)
        case = _case_for(request.user, data.validated_data["case_id"])
        return case, data.validated_data

    def create(self, request, *args, **kwargs):
        case, d = self._validated(request)
        arr = services.arrangement_propose(case=case, kind=d["kind"], reason=d["reason"], actor=request.user,
                                           **{k: d.get(k) for k in PARAMS})
        return Response(ArrangementSerializer(arr).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ArrangementSerializer, responses={200: OpenApiResponse(description="rows and summary")})
    @action(detail=False, methods=["post"])
    def preview(self, request):
        case, d = self._validated(request, partial_reason=True)
        if not selectors.case_list(user=request.user).filter(pk=case.pk).exists():
            raise Http404
        preview = services.arrangement_preview(loan=case.loan, kind=d["kind"], **{k: d.get(k) for k in PARAMS})
        return Response(preview.as_json())

    @extend_schema(request=DecisionSerializer, responses=ArrangementSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        arr = services.arrangement_approve(arrangement=self.get_object(), actor=request.user, note=data.validated_data["note"])
        return Response(ArrangementSerializer(arr).data)

    @extend_schema(request=DecisionSerializer, responses=ArrangementSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        arr = services.arrangement_reject(arrangement=self.get_object(), actor=request.user, note=data.validated_data["note"])
        return Response(ArrangementSerializer(arr).data)
