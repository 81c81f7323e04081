import smtplib

from django.conf import settings
from django.core.mail import EmailMessage

from notifications.backends import BaseBackend, PermanentSendError, TransientSendError


class DjangoEmailBackend(BaseBackend):
    """E-mail through Django's configured backend (console by default, SMTP from EMAIL_URL).

    SMTP has no idempotency key, so after a crash between hand-over and our status update the outcome
    is unknown and the message is NOT re-sent (at-most-once; see docs/notifications.md)."""

    idempotent = False

    def send(self, message) -> str:
        email = EmailMessage(
            subject=message.title or "AutoLoan CRM",
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
            headers={
                "X-CRM-Message-Id": str(message.pk),
                "Message-ID": f"<crm-message-{message.pk}@autoloan-crm>",
            },
        )
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentSendError(f"recipient refused: {exc}") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentSendError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
            raise TransientSendError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        except (OSError, smtplib.SMTPException) as exc:  # connection problems, timeouts
            raise TransientSendError(str(exc)) from exc
        return f"email-{message.pk}"
