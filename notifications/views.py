"""Provider webhooks (delivery receipts, inbound replies) and the borrower-messages partial.

Webhooks are authenticated by an HMAC-SHA256 of the raw body with SMS_PROVIDER_SECRET, sent as
`X-Signature: sha256=<hex>`; no session, no CSRF token (the provider cannot have one)."""

import json
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from borrowers import selectors as borrower_selectors
from notifications import selectors, services
from notifications.backends.sms import signature_valid
from notifications.templatetags.notifications_tags import TIMELINE_LIMIT

logger = logging.getLogger(__name__)
MAX_EVENTS = 500


def _verified_json(request):
    secret = settings.CRM.get("SMS_PROVIDER_SECRET", "")
    if not secret:
        return None, JsonResponse(
            {"code": "not_configured", "message": "SMS_PROVIDER_SECRET is not set"}, status=503
        )
    if not signature_valid(secret, request.body, request.headers.get("X-Signature", "")):
        return None, JsonResponse({"code": "bad_signature", "message": "signature mismatch"}, status=403)
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None, JsonResponse({"code": "invalid", "message": "body is not JSON"}, status=400)
    return data, None


@csrf_exempt
@require_POST
def delivery_callback(request):
    """{"provider_id": "...", "client_ref": "<message id>", "status": "delivered|failed", "error": "..."}
    or {"events": [ … ]}. Idempotent; answers 200 with how many messages changed."""
    data, error = _verified_json(request)
    if error:
        return error
    events = data.get("events") if isinstance(data, dict) and "events" in data else [data]
    if not isinstance(events, list) or len(events) > MAX_EVENTS:
        return JsonResponse({"code": "invalid", "message": "events must be a list"}, status=400)
    updated, errors = 0, []
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            errors.append({"index": index, "message": "not an object"})
            continue
        ref = str(event.get("client_ref") or event.get("message_id") or "")
        try:
            updated += services.message_delivery_update(
                status=str(event.get("status", "")),
                provider_id=str(event.get("provider_id") or event.get("id") or "")[:128],
                message_id=int(ref) if ref.isdigit() else None,
                error=str(event.get("error", ""))[:2000],
            )
        except ValueError as exc:
            errors.append({"index": index, "message": str(exc)})
    if errors and not updated and len(errors) == len(events):
        return JsonResponse({"code": "invalid", "message": "no valid event", "errors": errors}, status=400)
    return JsonResponse({"updated": updated, "errors": errors})


@csrf_exempt
@require_POST
def inbound_sms(request):
    """{"from": "+8613800000000", "text": "TD"}: a borrower's reply; opt-out keywords opt them out."""
    data, error = _verified_json(request)
    if error:
        return error
    if not isinstance(data, dict) or not data.get("from"):
        return JsonResponse(
            {"code": "invalid", "message": "from is required", "errors": {"from": ["required"]}}, status=400
        )
    changed = services.inbound_message_receive(
        channel="sms", sender=str(data["from"])[:40], text=str(data.get("text", ""))[:500]
    )
    return JsonResponse({"opted_out": changed})


@login_required
def borrower_messages(request, borrower_id: int):
    """The timeline partial on its own (htmx refresh of the borrower page)."""
    borrower = borrower_selectors.borrower_get(user=request.user, pk=borrower_id)
    messages = selectors.message_list_for_borrower(user=request.user, borrower=borrower)[:TIMELINE_LIMIT]
    return render(
        request,
        "notifications/partials/borrower_messages.html",
        {"borrower": borrower, "outbound_messages": list(messages)},
    )
