from django_filters import rest_framework as filters
from rest_framework import viewsets

from notifications import selectors
from notifications.api.serializers import OutboundMessageSerializer
from notifications.choices import MessageChannel, MessageStatus
from notifications.models import OutboundMessage


class OutboundMessageFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=MessageStatus.choices)
    channel = filters.ChoiceFilter(choices=MessageChannel.choices)
    borrower = filters.NumberFilter(field_name="borrower_id")
    installment = filters.NumberFilter(field_name="installment_id")
    template = filters.CharFilter()
    step_key = filters.CharFilter()
    created_after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = OutboundMessage
        fields = ["status", "channel", "borrower", "installment", "template", "step_key"]


class OutboundMessageViewSet(viewsets.ReadOnlyModelViewSet):
    """Outbound messages (SMS, e-mail, in-app) to borrowers of the branches the caller can see."""

    serializer_class = OutboundMessageSerializer
    filterset_class = OutboundMessageFilter
    ordering_fields = ["id", "created_at", "scheduled_at"]
    ordering = ["-id"]

    def get_queryset(self):
        return selectors.message_list(user=self.request.user)
