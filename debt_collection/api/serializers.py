from decimal import Decimal

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from debt_collection.choices import ArrangementKind, ContactChannel, ContactOutcome, ContactTarget, HoldReason
from debt_collection.models import CollectionCase, ContactAttempt, PromiseToPay, RepaymentArrangement


class CaseSerializer(serializers.ModelSerializer):
    contract_number = serializers.CharField(source="loan.contract_number", read_only=True)
    borrower_name = serializers.CharField(source="borrower.name", read_only=True)
    assigned_to = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CollectionCase
        fields = [
            "id", "loan", "contract_number", "borrower", "borrower_name", "branch", "state", "hold_reason",
            "hold_return_state", "bucket", "days_past_due", "amount_due", "assigned_to", "agency", "opened_at",
            "closed_at", "last_contact_at", "next_promise_date",
        ]
        read_only_fields = fields


class ContactSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    visit_staff = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)
    has_recording = serializers.SerializerMethodField()

    class Meta:
        model = ContactAttempt
        fields = [
            "id", "case", "channel", "target", "emergency_contact", "outcome", "notes", "recording_ref", "has_recording",
            "visit_staff", "occurred_at", "created_by", "created_at",
        ]
        read_only_fields = fields

    def get_has_recording(self, obj) -> bool:
        return bool(obj.recording)


class ContactCreateSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=ContactChannel.choices)
    outcome = serializers.ChoiceField(choices=ContactOutcome.choices)
    target = serializers.ChoiceField(choices=ContactTarget.choices, default=ContactTarget.BORROWER)
    emergency_contact = serializers.IntegerField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    recording = serializers.FileField(required=False, allow_null=True)
    recording_ref = serializers.CharField(required=False, allow_blank=True, max_length=120, default="")
    visit_staff = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=get_user_model().objects.filter(is_active=True)
    )
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)
    expected_state = serializers.CharField(required=False, allow_blank=True, max_length=20)


class SmsSerializer(serializers.Serializer):
    template = serializers.CharField(max_length=40)
    emergency_contact = serializers.IntegerField(required=False, allow_null=True)


@extend_schema_serializer(component_name="CaseHold")
class HoldSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=[c for c in HoldReason.choices if c[0] != HoldReason.COMPLAINT])
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    expected_state = serializers.CharField(required=False, allow_blank=True, max_length=20)


@extend_schema_serializer(component_name="CaseNote")
class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    expected_state = serializers.CharField(required=False, allow_blank=True, max_length=20)


class EnforcementSerializer(serializers.Serializer):
    agency_name = serializers.CharField(max_length=100)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
    started_on = serializers.DateField(required=False, allow_null=True)
    mortgage_registration = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    expected_state = serializers.CharField(required=False, allow_blank=True, max_length=20)


class PromiseSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    case = serializers.IntegerField(source="case_id")

    class Meta:
        model = PromiseToPay
        fields = ["id", "case", "amount", "promised_date", "status", "amount_paid", "notes", "created_by", "created_at",
                  "resolved_at"]
        read_only_fields = ["id", "status", "amount_paid", "created_by", "created_at", "resolved_at"]
        extra_kwargs = {"amount": {"min_value": Decimal("0.01")}}


class ArrangementSerializer(serializers.ModelSerializer):
    case = serializers.IntegerField(source="case_id")
    kind = serializers.ChoiceField(choices=ArrangementKind.choices)
    proposed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = RepaymentArrangement
        fields = [
            "id", "case", "kind", "status", "new_term_months", "new_annual_rate", "extension_months", "waiver_amount",
            "settlement_amount", "first_due_date", "reason", "preview", "proposed_by", "proposed_at", "decided_by",
            "decided_at", "decision_note", "schedule_version",
        ]
        read_only_fields = ["id", "status", "preview", "proposed_by", "proposed_at", "decided_by", "decided_at",
                            "decision_note", "schedule_version"]
        extra_kwargs = {
            "new_term_months": {"min_value": 1, "max_value": 120},
            "extension_months": {"min_value": 1, "max_value": 120},
            "waiver_amount": {"min_value": Decimal("0.01")},
            "settlement_amount": {"min_value": Decimal("0.01")},
            "new_annual_rate": {"min_value": Decimal("0")},
        }


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
