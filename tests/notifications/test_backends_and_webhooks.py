"""The generic HTTP SMS provider, delivery receipts and inbound opt-outs."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from notifications.backends import PermanentSendError, Recovery, TransientSendError, get_backend
from notifications.backends.sms import HttpSmsBackend, sign
from notifications.models import OutboundMessage
from notifications.services import message_queue, message_send

SECRET = "s3cret"


class FakeProvider(BaseHTTPRequestHandler):
    requests: list = []
    answers: list = []  # (status, body) popped per request; default 200 {"id": "p-1"}

    def _answer(self):
        status, body = self.answers.pop(0) if self.answers else (200, {"id": "p-1"})
        if status == "hang":
            threading.Event().wait(2)
            status, body = 200, {"id": "late"}
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def do_POST(self):  # noqa: N802
        length = int(self.headers["Content-Length"])
        self.requests.append(("POST", self.path, dict(self.headers), self.rfile.read(length)))
        self._answer()

    def do_GET(self):  # noqa: N802
        self.requests.append(("GET", self.path, dict(self.headers), b""))
        self._answer()

    def log_message(self, *args):
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):  # the client timed out on purpose
        pass


@pytest.fixture
def http_provider(settings):
    FakeProvider.requests, FakeProvider.answers = [], []
    server = QuietServer(("127.0.0.1", 0), FakeProvider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    settings.NOTIFICATION_BACKENDS = {}
    settings.CRM = {
        **settings.CRM,
        "SMS_PROVIDER_URL": f"{url}/send",
        "SMS_PROVIDER_STATUS_URL": f"{url}/status",
        "SMS_PROVIDER_KEY": "key-1",
        "SMS_PROVIDER_SECRET": SECRET,
        "SMS_PROVIDER_TIMEOUT": 0.5,
    }
    yield FakeProvider
    server.shutdown()
    server.server_close()


@pytest.fixture
def sms(borrower):
    return message_queue(channel="sms", to="13800001111", body="提醒", borrower=borrower)


@pytest.mark.django_db
def test_http_provider_is_chosen_by_configuration_and_signs_each_request(http_provider, sms):
    assert isinstance(get_backend("sms"), HttpSmsBackend)
    assert message_send(message_id=sms.pk) == "sent"
    method, path, headers, body = http_provider.requests[0]
    assert (method, path) == ("POST", "/send")
    payload = json.loads(body)
    assert payload == {
        "to": "13800001111",
        "body": "提醒 回复TD退订",
        "client_ref": str(sms.pk),
        "sender": "",
    }
    assert headers["Authorization"] == "Bearer key-1"
    assert headers["Idempotency-Key"] == f"msg-{sms.pk}"
    assert headers["X-Signature"] == f"sha256={sign(SECRET, body)}"
    assert OutboundMessage.objects.get(pk=sms.pk).provider_id == "p-1"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ((503, {}), TransientSendError),
        ((429, {}), TransientSendError),
        ((400, {"error": "invalid number"}), PermanentSendError),
    ],
)
def test_http_errors_are_classified(http_provider, sms, answer, error):
    http_provider.answers = [answer]
    with pytest.raises(error):
        HttpSmsBackend().send(sms)


@pytest.mark.django_db
def test_timeout_is_transient_and_the_message_goes_back_to_queued(http_provider, sms):
    http_provider.answers = [("hang", None)]
    assert message_send(message_id=sms.pk) == "retry"
    sms.refresh_from_db()
    assert sms.status == "queued" and "unreachable" in sms.last_error


@pytest.mark.django_db
def test_unreachable_provider_is_transient(settings, sms):
    settings.NOTIFICATION_BACKENDS = {}
    settings.CRM = {
        **settings.CRM,
        "SMS_PROVIDER_URL": "http://127.0.0.1:9/send",
        "SMS_PROVIDER_TIMEOUT": 0.5,
    }
    with pytest.raises(TransientSendError):
        HttpSmsBackend().send(sms)


@pytest.mark.django_db
def test_lookup_by_client_ref(http_provider, sms):
    http_provider.answers = [(200, {"id": "p-9"}), (404, {})]
    assert HttpSmsBackend().lookup(sms) == (Recovery.ACCEPTED, "p-9")
    assert HttpSmsBackend().lookup(sms) == (Recovery.NOT_ACCEPTED, "")
    assert http_provider.requests[0][1] == f"/status?client_ref={sms.pk}"


def _post(client, name, payload, secret=SECRET):
    body = json.dumps(payload).encode()
    return client.post(
        reverse(name),
        data=body,
        content_type="application/json",
        HTTP_X_SIGNATURE=f"sha256={sign(secret, body)}",
    )


@pytest.fixture
def secret(settings):
    settings.CRM = {**settings.CRM, "SMS_PROVIDER_SECRET": SECRET}


@pytest.mark.django_db
def test_delivery_callback_marks_delivered_and_is_idempotent(client, secret, sms):
    OutboundMessage.objects.filter(pk=sms.pk).update(status="sent", provider_id="p-77")
    response = _post(
        client, "notifications:delivery_callback", {"provider_id": "p-77", "status": "delivered"}
    )
    assert response.status_code == 200 and response.json()["updated"] == 1
    sms.refresh_from_db()
    assert sms.status == "delivered" and sms.delivered_at is not None

    again = _post(client, "notifications:delivery_callback", {"provider_id": "p-77", "status": "failed"})
    assert again.status_code == 200 and again.json()["updated"] == 0
    assert OutboundMessage.objects.get(pk=sms.pk).status == "delivered"


@pytest.mark.django_db
def test_delivery_callback_by_client_ref_and_failure(client, secret, sms):
    OutboundMessage.objects.filter(pk=sms.pk).update(status="sent")
    response = _post(
        client,
        "notifications:delivery_callback",
        {
            "events": [
                {
                    "client_ref": str(sms.pk),
                    "id": "p-5",
                    "status": "undelivered",
                    "error": "absent subscriber",
                }
            ]
        },
    )
    assert response.json()["updated"] == 1
    sms.refresh_from_db()
    assert (sms.status, sms.provider_id, sms.last_error) == ("failed", "p-5", "absent subscriber")


@pytest.mark.django_db
def test_delivery_callback_rejects_a_bad_signature_and_bad_input(client, secret, sms):
    OutboundMessage.objects.filter(pk=sms.pk).update(status="sent", provider_id="p-1")
    forged = _post(
        client, "notifications:delivery_callback", {"provider_id": "p-1", "status": "delivered"}, secret="x"
    )
    assert forged.status_code == 403
    assert OutboundMessage.objects.get(pk=sms.pk).status == "sent"
    bad = _post(client, "notifications:delivery_callback", {"provider_id": "p-1", "status": "exploded"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    not_json = client.post(
        reverse("notifications:delivery_callback"), data=b"{", content_type="application/json",
        HTTP_X_SIGNATURE=f"sha256={sign(SECRET, b'{')}",
    )  # fmt: skip
    assert not_json.status_code == 400


@pytest.mark.django_db
def test_callbacks_refuse_everything_when_no_secret_is_configured(client, settings):
    settings.CRM = {**settings.CRM, "SMS_PROVIDER_SECRET": ""}
    response = _post(
        client, "notifications:delivery_callback", {"provider_id": "p", "status": "delivered"}, secret=""
    )
    assert response.status_code == 503


@pytest.mark.django_db
def test_inbound_td_opts_the_borrower_out_and_skips_pending_sms(client, secret, borrower):
    pending = message_queue(channel="sms", to=borrower.mobile, body="x", borrower=borrower)
    email = message_queue(channel="email", to=borrower.email, body="x", borrower=borrower)
    response = _post(client, "notifications:inbound_sms", {"from": f"+86{borrower.mobile}", "text": "TD"})
    assert response.json() == {"opted_out": 1}
    borrower.refresh_from_db()
    assert borrower.opted_out_channels == ["sms"]
    assert borrower.events.filter(kind="channel_opted_out", payload__channel="sms").count() == 1
    assert OutboundMessage.objects.get(pk=pending.pk).status == "skipped"
    assert OutboundMessage.objects.get(pk=email.pk).status == "queued"

    # again: nothing changes; an ordinary reply is not an opt-out
    assert _post(client, "notifications:inbound_sms", {"from": borrower.mobile, "text": "stop"}).json() == {
        "opted_out": 0
    }
    assert _post(
        client, "notifications:inbound_sms", {"from": borrower.mobile, "text": "我明天还款"}
    ).json() == {"opted_out": 0}
    assert borrower.events.filter(kind="channel_opted_out").count() == 1
    missing = _post(client, "notifications:inbound_sms", {"text": "TD"})
    assert missing.status_code == 400 and "from" in missing.json()["errors"]
