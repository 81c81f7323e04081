"""Public complaint pages (no login) and the staff-only attachment download.

Views stay thin: parse, rate-limit, call one service or selector, render. Everything the borrower
typed is rendered with autoescaping (never `|safe`).
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.exceptions import DomainError
from common.masking import mask_phone
from complaints.public import ratelimit, selectors, services
from complaints.public.forms import FeedbackForm, PublicComplaintForm, ReopenForm, TrackForm
from complaints.public.uploads import OversizeUploadHandler, max_request_bytes, public_settings

logger = logging.getLogger(__name__)

SESSION_ACK = "public_complaint_ack"  # id of the complaint just filed (acknowledgement page)
SESSION_TRACKED = "public_complaint_tracked"  # {tracking_code: [complaint id, verified at (epoch s)]}
SESSION_FLASH = "public_complaint_flash"
MAX_TRACKED_IN_SESSION = 10


def _limited(request, message: str):
    return render(request, "complaints/public/limited.html", {"message": message, "pub_section": ""}, status=429)


# --- filing a complaint ---------------------------------------------------------------------------


@csrf_exempt  # CSRF is checked by _complaint_new, after the upload handler is installed
@never_cache
@require_http_methods(["GET", "POST"])
def complaint_new(request):
    if request.method == "POST":
        if int(request.META.get("CONTENT_LENGTH") or 0) > max_request_bytes():
            # Refuse before reading the body: nothing is parsed, nothing is stored.
            form = PublicComplaintForm()
            form.fail_whole_request(
                _("上传的文件总大小超出限制。请最多上传 %(count)d 个文件，每个不超过 %(size)s。")
                % {"count": public_settings()["MAX_FILES"], "size": filesizeformat(public_settings()["MAX_FILE_BYTES"])}
            )
            return _render_new(request, form, status=413)
        request.upload_handlers.insert(0, OversizeUploadHandler(request))
    return _complaint_new(request)


def _render_new(request, form, *, status=200):
    cfg = public_settings()
    context = {
        "form": form,
        "pub_section": "new",
        "max_files": cfg["MAX_FILES"],
        "max_file_bytes": cfg["MAX_FILE_BYTES"],
    }
    return render(request, "complaints/public/new.html", context, status=status)


@csrf_protect
def _complaint_new(request):
    if request.method != "POST":
        return _render_new(request, PublicComplaintForm())

    ip = ratelimit.client_ip(request)
    if not ratelimit.hit("submit-ip", ip, public_settings()["RATE_SUBMIT_PER_IP"]):
        return _limited(request, _("您提交得太频繁了，请稍后再试。"))

    form = PublicComplaintForm(request.POST, request.FILES)
    if form.is_bot():
        # Look like a success to the bot; store nothing.
        logger.info("public complaint honeypot tripped from %s", ip)
        return render(request, "complaints/public/honeypot.html", {"pub_section": "new"})
    valid = form.is_valid()
    if getattr(request, "oversize_uploads", None):
        form.add_oversize_errors(request.oversize_uploads)
        valid = False
    if not valid:
        return _render_new(request, form, status=400)

    submission = services.PublicSubmission.from_form(form.cleaned_data, language=get_language() or "zh-hans")
    try:
        result = services.public_complaint_submit(submission=submission, uploads=form.uploads, ip=ip)
    except services.SubmissionRateLimited:
        return _limited(request, _("这个手机号码今天提交的投诉已经很多了。我们正在处理，请耐心等待，或用受理编号查看进度。"))
    except DomainError as exc:
        # A rule of the complaints service refused it (nothing was stored): show it on the form.
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, exc.message or _("提交未成功，请检查后重试。"))
        return _render_new(request, form, status=400)
    request.session[SESSION_ACK] = result.complaint.pk
    return redirect("public_complaints:submitted")


@never_cache
@require_GET
def complaint_submitted(request):
    complaint_id = request.session.get(SESSION_ACK)
    complaint = selectors.public_complaint_for_ack(complaint_id=complaint_id) if complaint_id else None
    if complaint is None:
        return redirect("public_complaints:new")
    tz = complaint.branch.tzinfo
    context = {
        "complaint": complaint,
        "received_at": timezone.localtime(complaint.received_at, tz),
        "due_date": timezone.localtime(complaint.regulatory_due_at, tz).date() if complaint.regulatory_due_at else None,
        "mobile_masked": mask_phone(complaint.complainant_mobile),
        "pub_section": "new",
    }
    return render(request, "complaints/public/submitted.html", context)


# --- tracking -------------------------------------------------------------------------------------


def _remember_verified(request, complaint) -> None:
    tracked = dict(request.session.get(SESSION_TRACKED) or {})
    tracked[complaint.tracking_code] = [complaint.pk, int(time.time())]
    if len(tracked) > MAX_TRACKED_IN_SESSION:
        tracked = dict(sorted(tracked.items(), key=lambda item: item[1][1])[-MAX_TRACKED_IN_SESSION:])
    request.session[SESSION_TRACKED] = tracked
    request.session.cycle_key()  # a proven identity gets a fresh session id


def _verified_complaint(request, code: str):
    """The complaint this session proved it may see (tracking code + last 4 digits), else None."""
    entry = (request.session.get(SESSION_TRACKED) or {}).get(code)
    if not entry:
        return None
    complaint_id, verified_at = entry
    if time.time() - verified_at > public_settings()["TRACK_SESSION_MINUTES"] * 60:
        return None
    return selectors.public_complaint_get(complaint_id=complaint_id, tracking_code=code)


@never_cache
@require_http_methods(["GET", "POST"])
def track(request):
    cfg = public_settings()
    if request.method != "POST":
        form = TrackForm(initial={"tracking_code": request.GET.get("code", "")[:32]})
        return render(request, "complaints/public/track.html", {"form": form, "pub_section": "track"})

    ip = ratelimit.client_ip(request)
    if not ratelimit.hit("track-ip", ip, cfg["RATE_TRACK_PER_IP"]):
        return _limited(request, _("查询次数过多，请一小时后再试。"))
    form = TrackForm(request.POST)
    if not form.is_valid():
        return render(request, "complaints/public/track.html", {"form": form, "pub_section": "track"}, status=400)
    code = form.cleaned_data["tracking_code"]
    # Failures are counted per tracking code too, so guessing the 4 digits from many IPs fails as well.
    if ratelimit.is_blocked("track-fail-code", code, cfg["RATE_TRACK_FAILURES_PER_CODE"]):
        return _limited(request, _("查询次数过多，请一小时后再试。"))
    complaint = selectors.public_complaint_lookup(tracking_code=code, mobile_last4=form.cleaned_data["mobile_last4"])
    if complaint is None:
        ratelimit.hit("track-fail-code", code, cfg["RATE_TRACK_FAILURES_PER_CODE"])
        context = {
            "form": form,
            "pub_section": "track",
            # one message for every failure: an unknown code and a wrong number look the same
            "lookup_error": _("受理编号或手机号后 4 位不正确，请核对后重试。"),
        }
        return render(request, "complaints/public/track.html", context, status=404)
    _remember_verified(request, complaint)
    return redirect("public_complaints:status", code=complaint.tracking_code)


def _status_context(request, complaint, *, feedback_form=None, reopen_form=None):
    tz = complaint.branch.tzinfo
    replies = list(selectors.public_replies(complaint=complaint))
    for reply in replies:
        reply.local_time = timezone.localtime(reply.created_at, tz)
        reply.public_label = selectors.public_event_label(reply.kind)
    return {
        "complaint": complaint,
        "status": selectors.public_status(complaint),
        "category_label": selectors.public_category_label(complaint.category),
        "received_at": timezone.localtime(complaint.received_at, tz),
        "due_date": timezone.localtime(complaint.regulatory_due_at, tz).date() if complaint.regulatory_due_at else None,
        "replies": replies,
        "feedback_form": feedback_form or FeedbackForm(),
        "reopen_form": reopen_form or ReopenForm(),
        "can_reopen": services.public_can_reopen(complaint=complaint),
        "reopen_days": services.reopen_window_days(),
        "flash": request.session.pop(SESSION_FLASH, ""),
        "pub_section": "track",
    }


@never_cache
@require_GET
def status(request, code: str):
    complaint = _verified_complaint(request, code)
    if complaint is None:
        return redirect(f"{reverse('public_complaints:track')}?{urlencode({'code': code[:32]})}")
    return render(request, "complaints/public/status.html", _status_context(request, complaint))


def _feedback_action(request, code: str, form_class, action):
    complaint = _verified_complaint(request, code)
    if complaint is None:
        return redirect(f"{reverse('public_complaints:track')}?{urlencode({'code': code[:32]})}")
    if not ratelimit.hit("feedback-ip", ratelimit.client_ip(request), public_settings()["RATE_FEEDBACK_PER_IP"]):
        return _limited(request, _("操作过于频繁，请稍后再试。"))
    form = form_class(request.POST)
    action_error = ""
    if form.is_valid():
        try:
            message = action(complaint, form.cleaned_data)
        except DomainError as exc:
            # e.g. the complaint is no longer resolved, or the reopen window has passed
            action_error = exc.message or _("当前状态下无法执行此操作，请刷新页面。")
        else:
            request.session[SESSION_FLASH] = message
            return redirect("public_complaints:status", code=complaint.tracking_code)
    complaint = selectors.public_complaint_get(complaint_id=complaint.pk, tracking_code=code)
    kwargs = {"feedback_form": form} if form_class is FeedbackForm else {"reopen_form": form}
    context = _status_context(request, complaint, **kwargs)
    context["action_error"] = action_error
    return render(request, "complaints/public/status.html", context, status=409 if action_error else 400)


@never_cache
@require_POST
def feedback(request, code: str):
    def action(complaint, data):
        services.public_complaint_feedback(complaint=complaint, score=data["score"], comment=data["comment"])
        return _("谢谢您的评价！")

    return _feedback_action(request, code, FeedbackForm, action)


@never_cache
@require_POST
def reopen(request, code: str):
    def action(complaint, data):
        services.public_complaint_reopen(complaint=complaint, reason=data["reason"])
        return _("已收到您的申请，我们会重新处理并尽快联系您。")

    return _feedback_action(request, code, ReopenForm, action)


# --- staff: attachment download -------------------------------------------------------------------


@login_required
@require_GET
def attachment_download(request, pk: int):
    """Streams one attachment to staff who may see its complaint (branch-scoped), never inline."""
    from complaints.permissions import can_view_attachments

    attachment = get_object_or_404(selectors.attachment_list(user=request.user), pk=pk)
    if not can_view_attachments(request.user, attachment.complaint):
        return HttpResponseForbidden()
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        logger.error("attachment %s: file %s missing from storage", attachment.pk, attachment.file.name)
        raise Http404
    logger.info(
        "attachment %s of complaint %s downloaded by user %s", attachment.pk, attachment.complaint_id, request.user.pk
    )
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
