from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseState(models.TextChoices):
    OPEN = "open", _("新案件")
    CONTACTING = "contacting", _("催收中")
    PROMISED = "promised", _("已承诺还款")
    CURED = "cured", _("已结清逾期")
    ESCALATED = "escalated", _("外访")
    LEGAL = "legal", _("法务")
    REPOSSESSION = "repossession", _("收车")
    CLOSED = "closed", _("已结案")
    WRITTEN_OFF = "written_off", _("已核销")
    ON_HOLD = "on_hold", _("暂停催收")


# A loan has at most one case in one of these states (partial unique constraint).
OPEN_STATES = (
    CaseState.OPEN,
    CaseState.CONTACTING,
    CaseState.PROMISED,
    CaseState.ESCALATED,
    CaseState.LEGAL,
    CaseState.REPOSSESSION,
    CaseState.ON_HOLD,
)
# States a case can be put on hold from (and returned to on release).
HOLDABLE_STATES = tuple(s for s in OPEN_STATES if s != CaseState.ON_HOLD)
CLOSED_STATES = (CaseState.CURED, CaseState.CLOSED, CaseState.WRITTEN_OFF)


class HoldReason(models.TextChoices):
    COMPLAINT = "complaint", _("投诉")
    DISPUTE = "dispute", _("争议")
    HARDSHIP = "hardship", _("经济困难")


class ContactChannel(models.TextChoices):
    CALL = "call", _("电话")
    SMS = "sms", _("短信")
    EMAIL = "email", _("邮件")
    LETTER = "letter", _("信函")
    VISIT = "visit", _("上门外访")


# The borrower's opt-out list uses borrowers.choices.Channel values.
CHANNEL_TO_BORROWER_CHANNEL = {
    ContactChannel.CALL: "phone",
    ContactChannel.SMS: "sms",
    ContactChannel.EMAIL: "email",
    ContactChannel.LETTER: "letter",
    ContactChannel.VISIT: "visit",
}


class ContactTarget(models.TextChoices):
    BORROWER = "borrower", _("借款人")
    EMERGENCY_CONTACT = "emergency_contact", _("紧急联系人")


class ContactOutcome(models.TextChoices):
    NO_ANSWER = "no_answer", _("无人接听")
    WRONG_NUMBER = "wrong_number", _("号码错误/空号")
    PROMISE = "promise", _("承诺还款")
    REFUSED = "refused", _("拒绝还款")
    DISPUTE = "dispute", _("有异议")
    PAID = "paid", _("称已还款")
    HARDSHIP = "hardship", _("经济困难")
    SENT = "sent", _("已发送（无回应）")
    LOCATION = "location", _("第三方：已获取联系方式")


# A call with one of these outcomes did not reach anybody.
UNANSWERED_OUTCOMES = (ContactOutcome.NO_ANSWER, ContactOutcome.WRONG_NUMBER)
# A call with one of these outcomes was a conversation with the borrower (Regulation F's 7-day rule).
CONVERSATION_OUTCOMES = (
    ContactOutcome.PROMISE,
    ContactOutcome.REFUSED,
    ContactOutcome.DISPUTE,
    ContactOutcome.PAID,
    ContactOutcome.HARDSHIP,
)


class ContactPurpose(models.TextChoices):
    COLLECTION = "collection", _("催收")
    REMINDER = "reminder", _("还款提醒")


class PromiseStatus(models.TextChoices):
    PENDING = "pending", _("待兑现")
    KEPT = "kept", _("已兑现")
    BROKEN = "broken", _("已违约")
    CANCELLED = "cancelled", _("已取消")


class ArrangementKind(models.TextChoices):
    RESTRUCTURE = "restructure", _("重组")
    EXTENSION = "extension", _("展期")
    WAIVER = "waiver", _("罚息减免")
    SETTLEMENT = "settlement", _("和解结清")


class ArrangementStatus(models.TextChoices):
    PROPOSED = "proposed", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    CANCELLED = "cancelled", _("已撤回")


class OrganisationKind(models.TextChoices):
    INTERNAL = "internal", _("内部催收团队")
    AGENCY = "agency", _("委外催收机构")


class EnforcementStage(models.TextChoices):
    LEGAL = "legal", _("法务")
    REPOSSESSION = "repossession", _("收车")


# Timeline entries as people read them.
EVENT_LABELS = {
    "opened": _("立案"),
    "assigned": _("分配"),
    "contacting": _("开始催收"),
    "contact": _("联系"),
    "promise_recorded": _("记录还款承诺"),
    "promise_replaced": _("承诺被新承诺取代"),
    "promise_cancelled": _("取消承诺"),
    "promise_kept": _("承诺已兑现"),
    "promise_broken": _("承诺违约"),
    "held": _("暂停催收"),
    "hold_added": _("追加暂停原因"),
    "hold_partly_released": _("部分暂停已解除"),
    "released": _("恢复催收"),
    "escalated": _("转外访"),
    "legal_started": _("转法务"),
    "repossession_started": _("进入收车阶段"),
    "enforcement_recorded": _("法务/收车记录"),
    "closed": _("结案"),
    "written_off": _("核销"),
    "cured": _("逾期已结清"),
    "arrangement_proposed": _("提出还款安排"),
    "arrangement_approved": _("还款安排已批准"),
    "arrangement_rejected": _("还款安排被驳回"),
    "arrangement_cancelled": _("撤回还款安排"),
    "placed_with_agency": _("委外"),
    "recalled_from_agency": _("收回委外"),
    "callback_scheduled": _("设置回电提醒"),
    "callback_due": _("回电提醒到期"),
}
