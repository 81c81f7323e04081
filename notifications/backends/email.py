from django.conf import settings
from django.core.mail import EmailMessage

from notifications.backends import TransientSendError


class DjangoEmailBackend:
    """E-mail through Django's configured backend (console by default, SMTP from EMAIL_URL)."""

    def send(self, message) -> str:
        email = EmailMessage(
            subject=message.title or "AutoLoan CRM",
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
            headers={"X-CRM-Message-Id": str(message.pk)},
        )
        try:
            email.send(fail_silently=False)
        except OSError as exc:  # SMTP connection problems
            raise TransientSendError(str(exc)) from exc
        return f"email-{message.pk}"
