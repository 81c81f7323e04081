from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Branch, User
from accounts.scoping import scope_to_user
from borrowers.api.serializers import MaskedPiiMixin
from borrowers.models import Borrower, Loan
from common.api.validators import plausible_datetime
from common.masking import mask_email, mask_phone
from complaints.choices import (
    Category,
    Clock,
    ComplaintChannel,
    ContactChannel,
    ContactTime,
    Priority,
    RejectReason,
    ReplyChannel,
    RootCause,
)
from complaints.models import Complaint, ComplaintEvent, Escalation


class ComplaintSerializer(MaskedPiiMixin, serializers.ModelSerializer):
    """Read representation. Every state and clock field is read-only: they change through actions."""

    branch = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner = serializers.StringRelatedField(allow_null=True)
    assignee = serializers.StringRelatedField(allow_null=True)
    # read-only choice fields lose allow_blank in ModelSerializer; declared so the schema admits ""
    root_cause = serializers.ChoiceField(choices=RootCause.choices, allow_blank=True, read_only=True)
    reject_reason = serializers.ChoiceField(choices=RejectReason.choices, allow_blank=True, read_only=True)
    complainant_mobile = serializers.SerializerMethodField()
    complainant_email = serializers.SerializerMethodField()
    loan_contract_number = serializers.CharField(source="loan.contract_number", default=None, read_only=True, allow_null=True)
    merged_into = serializers.SlugRelatedField(slug_field="tracking_code", read_only=True, allow_null=True)
    # the clock ran past its deadline: stored outcome, or still running and marked by the SLA sweep
    first_response_breached = serializers.BooleanField(source="first_response_is_breached", read_only=True)
    resolution_breached = serializers.BooleanField(source="resolution_is_breached", read_only=True)
    regulatory_breached = serializers.BooleanField(source="regulatory_is_breached", read_only=True)
    escalation_level = serializers.IntegerField(read_only=True, min_value=0, max_value=3)
    escalated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Complaint
        fields = [
            "id", "tracking_code", "version", "state", "channel", "category", "priority", "branch",
            "borrower", "loan", "loan_contract_number", "complainant_name", "complainant_mobile",
            "complainant_email", "preferred_channel", "preferred_contact_time", "subject", "description",
            "desired_outcome", "owner", "owner_id", "assignee", "assignee_id", "resolution_summary", "root_cause",
            "reject_reason", "csat", "feedback_comment", "reopen_count", "merged_into", "received_at",
            "first_responded_at", "resolved_at", "closed_at", "first_response_due_at", "resolution_due_at",
            "regulatory_due_at", "sla_paused_at", "extended_days", "extension_reason",
            "minutes_to_first_response", "minutes_to_resolution", "first_response_breached",
            "resolution_breached", "regulatory_breached", "escalation_level", "escalated_at", "collection_hold",
            "updated_at",
        ]
        read_only_fields = fields

    def get_complainant_mobile(self, obj) -> str:
        return obj.complainant_mobile if self._reveal() else mask_phone(obj.complainant_mobile)

    def get_complainant_email(self, obj) -> str:
        return obj.complainant_email if self._reveal() else mask_email(obj.complainant_email)


class ComplaintCreateSerializer(serializers.Serializer):
    """A complaint recorded by staff or an integration (phone, walk-in, regulator referral …)."""

    branch = serializers.SlugRelatedField(slug_field="code", queryset=Branch.objects.all(), required=False)
    borrower = serializers.PrimaryKeyRelatedField(queryset=Borrower.objects.all(), required=False, allow_null=True)
    loan = serializers.PrimaryKeyRelatedField(queryset=Loan.objects.all(), required=False, allow_null=True)
    channel = serializers.ChoiceField(choices=ComplaintChannel.choices, default=ComplaintChannel.PHONE)
    category = serializers.ChoiceField(choices=Category.choices, default=Category.OTHER)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    complainant_name = serializers.CharField(max_length=50)
    complainant_mobile = serializers.RegexField(r"^\+?[0-9\- ]{5,20}$", max_length=20, required=False, allow_blank=True)
    complainant_email = serializers.EmailField(required=False, allow_blank=True)
    preferred_channel = serializers.ChoiceField(choices=ContactChannel.choices, default=ContactChannel.PHONE)
    preferred_contact_time = serializers.ChoiceField(choices=ContactTime.choices, default=ContactTime.ANY)
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(max_length=10000)
    desired_outcome = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    received_at = serializers.DateTimeField(required=False, validators=[plausible_datetime])

    def _scoped(self, qs, field="branch"):
        return scope_to_user(qs, self.context["request"].user, field=field)

    def validate_branch(self, value):
        if value is not None and not self._scoped(Branch.objects.filter(pk=value.pk), field="pk").exists():
            raise serializers.ValidationError(_("无权为该分支机构登记投诉。"))
        return value

    def validate_borrower(self, value):
        if value is not None and not self._scoped(Borrower.objects.filter(pk=value.pk)).exists():
            raise serializers.ValidationError(_("借款人不存在。"))
        return value

    def validate_loan(self, value):
        if value is not None and not self._scoped(Loan.objects.filter(pk=value.pk)).exists():
            raise serializers.ValidationError(_("贷款不存在。"))
        return value

    def validate_received_at(self, value):
        if value > timezone.now():
            raise serializers.ValidationError(_("收到时间不能晚于现在。"))
        return value

    def validate(self, attrs):
        user = self.context["request"].user
        if not any(attrs.get(k) for k in ("branch", "borrower", "loan")):
            if user.branch_id is None:
                raise serializers.ValidationError({"branch": [_("请选择分支机构。")]})
            attrs["branch"] = user.branch
        return attrs


class VersionedSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=0, help_text="expected version; 409 if it changed")


class ClassifySerializer(VersionedSerializer):
    category = serializers.ChoiceField(choices=Category.choices)
    priority = serializers.ChoiceField(choices=Priority.choices)
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), required=False, allow_null=True)


class WaitSerializer(VersionedSerializer):
    reason = serializers.CharField(max_length=2000)
    message = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    channel = serializers.ChoiceField(choices=ReplyChannel.choices, required=False)


class NoteOptionalSerializer(VersionedSerializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ResolveSerializer(VersionedSerializer):
    resolution_summary = serializers.CharField(max_length=5000)
    root_cause = serializers.ChoiceField(choices=RootCause.choices)


class FeedbackSerializer(VersionedSerializer):
    csat = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ReasonSerializer(VersionedSerializer):
    reason = serializers.CharField(max_length=2000)


class RejectSerializer(VersionedSerializer):
    reason = serializers.ChoiceField(choices=RejectReason.choices)
    note = serializers.CharField(max_length=2000)


class MergeSerializer(VersionedSerializer):
    into = serializers.CharField(max_length=20, help_text="the primary complaint's id or tracking code")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class AssignSerializer(VersionedSerializer):
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class NoteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=5000)


class ReplySerializer(VersionedSerializer):
    body = serializers.CharField(max_length=2000)
    channel = serializers.ChoiceField(choices=ReplyChannel.choices)


class ExtendSerializer(VersionedSerializer):
    days = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=2000)


class HoldSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class EscalateSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class ComplaintEventSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField(allow_null=True)

    class Meta:
        model = ComplaintEvent
        fields = ["id", "kind", "actor", "from_state", "to_state", "body", "payload", "visible_to_borrower", "created_at"]
        read_only_fields = fields


class EscalationSerializer(serializers.ModelSerializer):
    complaint_tracking_code = serializers.CharField(source="complaint.tracking_code", read_only=True)
    acknowledged_by = serializers.StringRelatedField(allow_null=True)
    clock = serializers.ChoiceField(choices=Clock.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Escalation
        fields = [
            "id", "complaint", "complaint_tracking_code", "level", "trigger", "clock", "recipients", "note",
            "created_at", "ack_due_at", "acknowledged_by", "acknowledged_at",
        ]
        read_only_fields = fields


class AcknowledgeSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
