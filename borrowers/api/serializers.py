from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from borrowers.choices import PaymentChannel
from borrowers.models import Borrower, EmergencyContact, Installment, Loan, Payment
from common.api.validators import plausible_datetime
from common.masking import mask_email


class MaskedPiiMixin:
    """PII fields are always masked in API responses. A role that needs a value asks for it with the
    logged reveal action (`POST /api/borrowers/{id}/reveal/`, field + reason), never in bulk."""

    def _reveal(self) -> bool:
        return False


class RevealRequestSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=[(f, f) for f in ("national_id", "mobile", "alt_phone", "address", "email")])
    reason = serializers.CharField(max_length=200, help_text="why the value is needed (kept in the access log)")


class RevealResponseSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()


class BorrowerSerializer(MaskedPiiMixin, serializers.ModelSerializer):
    national_id = serializers.SerializerMethodField()
    mobile = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField()
    branch = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Borrower
        fields = [
            "id", "name", "national_id", "mobile", "email", "address", "preferred_channel", "opted_out_channels",
            "do_not_contact_until", "language", "is_vip", "branch", "created_at",
        ]

    def get_national_id(self, obj) -> str:
        return obj.national_id if self._reveal() else obj.national_id_masked

    def get_mobile(self, obj) -> str:
        return obj.mobile if self._reveal() else obj.mobile_masked

    def get_address(self, obj) -> str:
        return obj.address if self._reveal() else obj.address_masked

    def get_email(self, obj) -> str:
        return obj.email if self._reveal() else mask_email(obj.email)


class EmergencyContactSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(source="phone_masked")

    class Meta:
        model = EmergencyContact
        fields = ["id", "name", "relation", "phone"]


class InstallmentSerializer(serializers.ModelSerializer):
    total_due = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    total_paid = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Installment
        fields = [
            "seq", "due_date", "principal_due", "interest_due", "fee_due", "penalty_due", "penalty_waived",
            "principal_paid", "interest_paid", "fee_paid", "penalty_paid", "total_due", "total_paid", "settled",
            "settled_at",
        ]


class LoanSerializer(serializers.ModelSerializer):
    branch = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Loan
        fields = [
            "id", "contract_number", "borrower", "branch", "vin", "plate", "vehicle", "mortgage_status", "principal",
            "annual_rate", "fees", "term_months", "start_date", "status", "days_past_due", "bucket",
            "amount_overdue", "unapplied_amount",
        ]


class LoanDetailSerializer(LoanSerializer):
    schedule = serializers.SerializerMethodField()

    class Meta(LoanSerializer.Meta):
        fields = LoanSerializer.Meta.fields + ["schedule"]

    def get_schedule(self, obj) -> list[dict]:
        return InstallmentSerializer(obj.installments.current().order_by("seq"), many=True).data


class PaymentSerializer(serializers.ModelSerializer):
    contract_number = serializers.CharField(source="loan.contract_number", read_only=True)

    class Meta:
        model = Payment
        fields = ["id", "contract_number", "amount", "paid_at", "channel", "external_ref", "unapplied_amount", "created_at"]
        read_only_fields = fields


class PaymentIngestSerializer(serializers.Serializer):
    contract_number = serializers.CharField(max_length=40)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    paid_at = serializers.DateTimeField(validators=[plausible_datetime])
    channel = serializers.ChoiceField(choices=PaymentChannel.choices, default=PaymentChannel.BANK_DEBIT)
    external_ref = serializers.RegexField(
        r"^[A-Za-z0-9_.:\-]{1,64}$",
        max_length=64,
        error_messages={"invalid": _("流水号只能包含字母、数字和 _ . : -（最多 64 位）。")},
    )
