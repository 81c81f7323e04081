from rest_framework import serializers

from notifications.models import OutboundMessage


class OutboundMessageSerializer(serializers.ModelSerializer):
    """Read-only. The recipient's address is masked; staff reveal it on the borrower page."""

    to = serializers.CharField(source="to_masked", read_only=True)

    class Meta:
        model = OutboundMessage
        fields = [
            "id", "channel", "to", "borrower", "installment", "template", "step_key", "language", "title", "body",
            "status", "status_reason", "scheduled_at", "sent_at", "delivered_at", "attempts", "last_error",
            "provider_id", "created_at",
        ]  # fmt: skip
        read_only_fields = fields
