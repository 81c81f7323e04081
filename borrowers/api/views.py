from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from borrowers import selectors, services
from borrowers.api.serializers import (
    BorrowerSerializer,
    LoanDetailSerializer,
    LoanSerializer,
    PaymentIngestSerializer,
    PaymentSerializer,
    RevealRequestSerializer,
    RevealResponseSerializer,
)
from borrowers.choices import Bucket, LoanStatus
from borrowers.models import Loan
from borrowers.permissions import can_record_payment


class BorrowerFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="name prefix, mobile, national ID, contract number or plate")

    def search(self, queryset, name, value):
        return queryset  # applied by the selector in get_queryset


class BorrowerViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = BorrowerSerializer
    filterset_class = BorrowerFilter
    ordering_fields = ["id", "name", "created_at"]
    ordering = ["-id"]

    def get_queryset(self):
        return selectors.borrower_list(user=self.request.user, query=self.request.query_params.get("q", "")[:60])

    def get_object(self):
        return selectors.borrower_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        request=RevealRequestSerializer,
        responses={200: RevealResponseSerializer},
        examples=[OpenApiExample("reveal the mobile", value={"field": "mobile", "reason": "回拨借款人 / call back"}, request_only=True)],
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """One unmasked value, logged with who, when and why (PiiAccessLog + the borrower's timeline)."""
        borrower = self.get_object()
        data = RevealRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        value = services.borrower_reveal_pii(
            borrower=borrower, field=data.validated_data["field"], reason=data.validated_data["reason"],
            actor=request.user, ip=request.META.get("REMOTE_ADDR"),
        )
        return Response({"field": data.validated_data["field"], "value": value})


class LoanFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=LoanStatus.choices)
    bucket = filters.ChoiceFilter(choices=Bucket.choices)
    borrower = filters.NumberFilter(field_name="borrower_id", min_value=1, max_value=2**63 - 1)
    min_dpd = filters.NumberFilter(field_name="days_past_due", lookup_expr="gte", min_value=0, max_value=100000)
    contract_number = filters.CharFilter()

    class Meta:
        model = Loan
        fields = ["status", "bucket", "borrower", "contract_number"]


class LoanViewSet(viewsets.ReadOnlyModelViewSet):
    filterset_class = LoanFilter
    ordering_fields = ["id", "days_past_due", "amount_overdue", "start_date"]
    ordering = ["-id"]

    def get_queryset(self):
        return selectors.loan_list(user=self.request.user)

    def get_serializer_class(self):
        return LoanDetailSerializer if self.action == "retrieve" else LoanSerializer


class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Payments. POST is an idempotent ingest keyed by `external_ref`: replaying a payment returns
    200 with the original record and changes nothing; a new one returns 201."""

    serializer_class = PaymentSerializer
    filterset_fields = {"loan": ["exact"], "external_ref": ["exact"], "paid_at": ["gte", "lte"]}
    ordering_fields = ["id", "paid_at"]
    ordering = ["-id"]

    def get_queryset(self):
        return selectors.payment_list(user=self.request.user)

    @extend_schema(
        request=PaymentIngestSerializer,
        responses={201: PaymentSerializer, 200: OpenApiResponse(PaymentSerializer, description="already recorded (replay)")},
        examples=[
            OpenApiExample(
                "a bank debit",
                value={
                    "contract_number": "HT2026000123", "amount": "3580.00", "paid_at": "2026-11-20T10:15:00+08:00",
                    "channel": "bank_debit", "external_ref": "CB-20261120-000981",
                },
                request_only=True,
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        if not can_record_payment(request.user):
            raise PermissionDenied()
        data = PaymentIngestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            loan = selectors.loan_get(user=request.user, contract_number=data.validated_data["contract_number"])
        except Http404:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"contract_number": ["未找到该合同 / contract not found"]})
        payment, created = services.payment_record(
            loan=loan,
            amount=data.validated_data["amount"],
            paid_at=data.validated_data["paid_at"],
            channel=data.validated_data["channel"],
            external_ref=data.validated_data["external_ref"],
            actor=request.user,
        )
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
