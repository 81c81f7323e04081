"""Attachments uploaded by borrowers on the public form.

Checked by content, never by the name or the browser's Content-Type: the first bytes must be a JPEG,
PNG or PDF signature *and* the `filetype` sniffer must agree. Stored under MEDIA_ROOT (outside the
web root, no URL route) with a random name; the borrower's file name is kept, sanitised, for display
only. Files are streamed back only to staff by `complaints.public.views.attachment_download`.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# (mime, extension, signature at offset 0)
ALLOWED_TYPES: dict[str, tuple[str, bytes]] = {
    "image/jpeg": (".jpg", b"\xff\xd8\xff"),
    "image/png": (".png", b"\x89PNG\r\n\x1a\n"),
    "application/pdf": (".pdf", b"%PDF-"),
}
SNIFF_BYTES = 2048


def public_settings() -> dict:
    """The public form's limits, overridable through settings.CRM["PUBLIC_FORM"]."""
    crm = getattr(settings, "CRM", {})
    defaults = {
        "MAX_FILES": 5,
        # the complaints service enforces the same limit (COMPLAINT_ATTACHMENT_MAX_BYTES)
        "MAX_FILE_BYTES": crm.get("COMPLAINT_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024),
        "DUPLICATE_WINDOW_MINUTES": 10,
        # how long an identical submission waits for one already in flight before going ahead
        "DUPLICATE_LOCK_WAIT_SECONDS": 10,
        "TRACK_SESSION_MINUTES": 60,
        # "limit/seconds" per key; see complaints.public.ratelimit. Per-IP limits are generous because
        # mobile carriers put many people behind one address (CGNAT); per-mobile and per-code are tight.
        "RATE_SUBMIT_PER_IP": "20/3600",  # every POST of the form, valid or not
        "RATE_SUBMIT_PER_MOBILE": "5/86400",  # complaints actually filed (duplicates do not count)
        "RATE_TRACK_PER_IP": "60/3600",
        "RATE_TRACK_FAILURES_PER_CODE": "5/3600",
        "RATE_FEEDBACK_PER_IP": "20/3600",
        # branch code that receives complaints not matched to a loan (default: the HQ branch)
        "UNMATCHED_BRANCH_CODE": "",
    }
    defaults.update(crm.get("PUBLIC_FORM") or {})
    return defaults


def max_request_bytes() -> int:
    """Largest POST body accepted: every file at its limit plus room for the text fields."""
    cfg = public_settings()
    return cfg["MAX_FILES"] * cfg["MAX_FILE_BYTES"] + 1024 * 1024


@dataclass(frozen=True)
class CheckedUpload:
    file: object  # an UploadedFile, rewound
    original_name: str  # sanitised, for display
    mime: str
    extension: str
    size: int

    def storage_name(self) -> str:
        """A random, unguessable name with the extension of the *detected* type."""
        return f"{secrets.token_hex(16)}{self.extension}"


_UNSAFE = re.compile(r"[^\w.\- ()\[\]（）]", re.UNICODE)


def sanitize_filename(name: str, *, max_length: int = 100) -> str:
    """Keep a readable display name (Chinese included): no path, no control or shell characters."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip(" .")
    name = re.sub(r"_{2,}", "_", name)
    if len(name) > max_length:
        stem, ext = os.path.splitext(name)
        ext = ext[:10]
        name = stem[: max_length - len(ext)] + ext
    return name or "attachment"


def detect_type(head: bytes) -> str | None:
    """The mime type when both our signature table and `filetype` agree it is allowed; else None."""
    signature_mime = next((mime for mime, (_ext, magic) in ALLOWED_TYPES.items() if head.startswith(magic)), None)
    if signature_mime is None:
        return None
    sniffed = filetype.guess_mime(head)
    return signature_mime if sniffed == signature_mime else None


def check_upload(uploaded) -> CheckedUpload:
    """Validate one uploaded file; raises ValidationError with a message naming the file."""
    cfg = public_settings()
    display = sanitize_filename(getattr(uploaded, "name", ""))
    size = getattr(uploaded, "size", None) or 0
    if size > cfg["MAX_FILE_BYTES"]:
        raise ValidationError(
            _("“%(name)s”太大（%(size)s），每个文件不能超过 %(max)s。")
            % {"name": display, "size": filesizeformat(size), "max": filesizeformat(cfg["MAX_FILE_BYTES"])},
            code="file_too_large",
        )
    if size == 0:
        raise ValidationError(_("“%(name)s”是空文件。") % {"name": display}, code="file_empty")
    uploaded.seek(0)
    head = uploaded.read(SNIFF_BYTES)
    uploaded.seek(0)
    mime = detect_type(head)
    if mime is None:
        raise ValidationError(
            _("“%(name)s”不是 JPG、PNG 或 PDF 文件（按文件内容检查，而不是文件名）。") % {"name": display},
            code="file_type",
        )
    extension = ALLOWED_TYPES[mime][0]
    stem, _ext = os.path.splitext(display)
    return CheckedUpload(file=uploaded, original_name=f"{stem or 'attachment'}{extension}", mime=mime, extension=extension, size=size)


class OversizeUploadHandler(FileUploadHandler):
    """Stops reading a file as soon as it passes the per-file limit.

    Without it Django would spool a whole 20 MB file to disk before the form could refuse it; with it,
    at most MAX_FILE_BYTES is written and then discarded with the temporary file. The skipped
    file's (sanitised) name is remembered on the request so the form can say which file was too big.
    Must be installed before anything reads request.POST (see views.complaint_new).
    """

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = public_settings()["MAX_FILE_BYTES"]
        self.received = 0
        self.skipping = False
        if request is not None and not hasattr(request, "oversize_uploads"):
            request.oversize_uploads = []

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0
        self.skipping = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            if not self.skipping and self.request is not None:
                self.skipping = True
                self.request.oversize_uploads.append(sanitize_filename(self.file_name))
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None
