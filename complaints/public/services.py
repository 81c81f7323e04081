"""Writes for the public pages. Each one calls the complaints app's own services (the state machine,
clocks, timeline and acknowledgement live there); this module adds what only the public channel needs:
matching the borrower, folding duplicates into one complaint, per-mobile limits, and storing the
already-checked attachments all-or-nothing.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.models import Branch
from common.exceptions import DomainError
from complaints.choices import ComplaintChannel, State
from complaints.models import Complaint
from complaints.public import ratelimit
from complaints.public.selectors import public_match_loan
from complaints.public.uploads import CheckedUpload, public_settings

logger = logging.getLogger(__name__)

DUPLICATE_PREFIX = "crm:public-dup"


class SubmissionRateLimited(DomainError):
    code = "rate_limited"
    http_status = 429


@dataclass(frozen=True)
class PublicSubmission:
    name: str
    mobile: str
    email: str
    reference: str
    category: str
    description: str
    desired_outcome: str
    preferred_channel: str
    preferred_time: str
    language: str

    @classmethod
    def from_form(cls, data: dict, *, language: str) -> PublicSubmission:
        return cls(
            name=data["name"],
            mobile=data["mobile"],
            email=data.get("email") or "",
            reference=data.get("reference") or "",
            category=data["category"],
            description=data["description"],
            desired_outcome=data.get("desired_outcome") or "",
            preferred_channel=data["preferred_channel"],
            preferred_time=data["preferred_time"],
            language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
        )

    def fingerprint(self) -> str:
        """Same mobile + same description (whitespace and case aside) = the same complaint."""
        text = re.sub(r"\s+", " ", self.description).strip().casefold()
        return hashlib.sha256(f"{self.mobile}\n{text}".encode()).hexdigest()


@dataclass(frozen=True)
class SubmitResult:
    complaint: Complaint
    duplicate: bool


def _fingerprint_of(complaint: Complaint) -> str:
    text = re.sub(r"\s+", " ", complaint.description).strip().casefold()
    return hashlib.sha256(f"{complaint.complainant_mobile}\n{text}".encode()).hexdigest()


def _find_duplicate(submission: PublicSubmission, window: timedelta) -> Complaint | None:
    """The complaint this same submission already created within the window, if any.

    The cache answers at once; the database is the fallback (cache flushed, or the first request is
    served by another process with its own local cache). The mobile's recent web complaints are few:
    the per-mobile rate limit caps them.
    """
    fingerprint = submission.fingerprint()
    cached_id = cache.get(f"{DUPLICATE_PREFIX}:{fingerprint}")
    since = timezone.now() - window
    recent = Complaint.objects.filter(
        channel=ComplaintChannel.WEB_FORM, complainant_mobile=submission.mobile, received_at__gte=since
    )
    if cached_id:
        found = recent.filter(pk=cached_id).first()
        if found:
            return found
    for complaint in recent.order_by("received_at", "id")[:50]:
        if _fingerprint_of(complaint) == fingerprint:
            return complaint
    return None


def _unmatched_branch() -> Branch:
    code = public_settings()["UNMATCHED_BRANCH_CODE"]
    branch = None
    if code:
        branch = Branch.objects.filter(code=code, is_active=True).first()
    branch = branch or Branch.objects.filter(is_hq=True, is_active=True).order_by("id").first()
    branch = branch or Branch.objects.filter(is_active=True).order_by("id").first()
    if branch is None:
        raise DomainError("No branch is configured to receive web complaints.", code="no_branch")
    return branch


def public_complaint_submit(*, submission: PublicSubmission, uploads: list[CheckedUpload], ip: str) -> SubmitResult:
    """File a web-form complaint (state intake) with its attachments, or return the one it duplicates.

    Matching to a borrower and loan happens here and is never reported back: the borrower sees the
    same acknowledgement either way. The complaint and its attachments are stored all-or-nothing;
    files written before a failure are removed.
    """
    cfg = public_settings()
    window = timedelta(minutes=cfg["DUPLICATE_WINDOW_MINUTES"])
    fingerprint = submission.fingerprint()

    existing = _find_duplicate(submission, window)
    if existing is not None:
        return SubmitResult(complaint=existing, duplicate=True)

    # Two identical requests at the same instant (double tap, retry): only one creates, the other
    # waits for it and returns the same complaint.
    lock_key = f"{DUPLICATE_PREFIX}:lock:{fingerprint}"
    have_lock = cache.add(lock_key, "1", timeout=60)
    if not have_lock:
        for _i in range(int(cfg["DUPLICATE_LOCK_WAIT_SECONDS"] * 4)):
            time.sleep(0.25)
            existing = _find_duplicate(submission, window)
            if existing is not None:
                return SubmitResult(complaint=existing, duplicate=True)
    try:
        if not ratelimit.hit("submit-mobile", submission.mobile, cfg["RATE_SUBMIT_PER_MOBILE"]):
            raise SubmissionRateLimited("too many complaints from this mobile number")
        complaint = _create(submission=submission, uploads=uploads)
    finally:
        if have_lock:
            cache.delete(lock_key)
    cache.set(f"{DUPLICATE_PREFIX}:{fingerprint}", complaint.pk, timeout=int(window.total_seconds()))
    return SubmitResult(complaint=complaint, duplicate=False)


def _create(*, submission: PublicSubmission, uploads: list[CheckedUpload]) -> Complaint:
    from complaints.services import complaint_add_attachment, complaint_create

    match = public_match_loan(mobile=submission.mobile, reference=submission.reference)
    branch = match.borrower.branch if match.matched else _unmatched_branch()
    stored_files: list[str] = []
    try:
        with transaction.atomic():
            complaint = complaint_create(
                complainant_name=submission.name,
                complainant_mobile=submission.mobile,
                complainant_email=submission.email,
                description=submission.description,
                desired_outcome=submission.desired_outcome,
                category=submission.category,
                channel=ComplaintChannel.WEB_FORM,
                branch=branch,
                borrower=match.borrower,
                loan=match.loan,
                preferred_channel=submission.preferred_channel,
                preferred_contact_time=submission.preferred_time,
                subject=_subject(submission),
                language=submission.language,
                send_acknowledgement=True,
                actor=None,
            )
            for upload in uploads:
                upload.file.name = upload.original_name  # the sanitised display name
                upload.file.seek(0)
                attachment = complaint_add_attachment(complaint=complaint, uploaded_file=upload.file, actor=None)
                stored_files.append(attachment.file.name)
                if attachment.content_type != upload.mime:  # both checks must agree
                    raise DomainError("attachment type changed between checks", code="file_type")
    except Exception:
        _remove_files(stored_files)
        raise
    logger.info(
        "web complaint %s filed (matched=%s, attachments=%d)", complaint.pk, match.matched, len(uploads)
    )
    return complaint


def _remove_files(names: list[str]) -> None:
    from complaints.models import ComplaintAttachment

    storage = ComplaintAttachment._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # pragma: no cover - best effort: a leftover file is never served
            logger.warning("could not remove orphaned upload %s", name)


def _subject(submission: PublicSubmission) -> str:
    first_line = submission.description.strip().splitlines()[0] if submission.description.strip() else ""
    return first_line[:60]


def reopen_window_days() -> int:
    return int(settings.CRM["REOPEN_WINDOW_DAYS"])


def public_can_reopen(*, complaint: Complaint) -> bool:
    if complaint.state not in (State.RESOLVED, State.CLOSED) or complaint.resolved_at is None:
        return False
    return timezone.now() <= complaint.resolved_at + timedelta(days=reopen_window_days())


def public_complaint_feedback(*, complaint: Complaint, score: int, comment: str) -> Complaint:
    """The borrower's rating closes the complaint (resolved → closed) through the complaint's own service."""
    from complaints.services import complaint_record_feedback

    return complaint_record_feedback(complaint=complaint, csat=score, comment=comment, actor=None)


def public_complaint_reopen(*, complaint: Complaint, reason: str) -> Complaint:
    """The borrower disagrees (within the reopen window): resolved/closed → in progress."""
    from complaints.services import complaint_reopen

    return complaint_reopen(complaint=complaint, reason=reason, actor=None)
