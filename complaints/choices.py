from django.db import models
from django.utils.translation import gettext_lazy as _


class ComplaintChannel(models.TextChoices):
    """How the complaint reached us."""

    WEB_FORM = "web_form", _("网页表单")
    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")
    EMAIL = "email", _("邮件")
    APP = "app", _("App")
    WALK_IN = "walk_in", _("到店")
    REGULATOR = "regulator", _("监管转办")
    SOCIAL_MEDIA = "social_media", _("社交媒体")


class Category(models.TextChoices):
    """The seven complaint categories of the design (from the seed articles)."""

    OVERDUE_REPAYMENT = "overdue_repayment", _("逾期与还款")
    INTEREST_FEES = "interest_fees", _("利息费用争议")
    SERVICE_EXPERIENCE = "service_experience", _("服务体验（含客户经理失联）")
    COLLECTION_CONDUCT = "collection_conduct", _("催收行为")
    PRIVACY_DATA = "privacy_data", _("隐私与个人信息")
    VEHICLE_MORTGAGE = "vehicle_mortgage", _("车辆与抵押解押")
    OTHER = "other", _("其他")


class Priority(models.TextChoices):
    URGENT = "urgent", _("紧急")
    HIGH = "high", _("高")
    NORMAL = "normal", _("普通")
    LOW = "low", _("低")


class State(models.TextChoices):
    INTAKE = "intake", _("待受理")
    CLASSIFIED = "classified", _("已分类")
    IN_PROGRESS = "in_progress", _("处理中")
    WAITING_ON_BORROWER = "waiting_on_borrower", _("等待客户回复")
    RESOLVED = "resolved", _("已解决")
    CLOSED = "closed", _("已关闭")
    REJECTED = "rejected", _("不予受理")
    MERGED = "merged", _("已合并")


# Being handled: escalations can happen, the regulatory clock runs.
OPEN_STATES = (State.INTAKE, State.CLASSIFIED, State.IN_PROGRESS, State.WAITING_ON_BORROWER)
# The service SLA clocks run (they are paused while waiting on the borrower).
SLA_RUNNING_STATES = (State.INTAKE, State.CLASSIFIED, State.IN_PROGRESS)
# No further work: the complaint is finished one way or another.
FINAL_STATES = (State.CLOSED, State.REJECTED, State.MERGED)


class ContactChannel(models.TextChoices):
    """How the complainant wants to be answered."""

    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")
    EMAIL = "email", _("邮件")


class ReplyChannel(models.TextChoices):
    """How a reply reaches the borrower. `phone` records a call made (no message is sent)."""

    SMS = "sms", _("短信")
    EMAIL = "email", _("邮件")
    PHONE = "phone", _("电话（已致电）")


class ContactTime(models.TextChoices):
    ANY = "any", _("任何时间")
    MORNING = "morning", _("上午 (9:00–12:00)")
    AFTERNOON = "afternoon", _("下午 (12:00–18:00)")
    EVENING = "evening", _("晚上 (18:00–21:00)")


class RootCause(models.TextChoices):
    """Why the complaint happened — what HQ and compliance review."""

    STAFF_CONDUCT = "staff_conduct", _("员工服务态度/行为")
    UNRESPONSIVE_STAFF = "unresponsive_staff", _("客户经理失联/响应慢")
    COLLECTION_MISCONDUCT = "collection_misconduct", _("催收不当")
    FEE_OR_INTEREST_ERROR = "fee_or_interest_error", _("利息/费用计算或披露问题")
    CONTRACT_TERMS_UNCLEAR = "contract_terms_unclear", _("合同条款说明不清")
    PAYMENT_PROCESSING = "payment_processing", _("扣款/入账问题")
    SYSTEM_ERROR = "system_error", _("系统故障")
    MORTGAGE_RELEASE_DELAY = "mortgage_release_delay", _("解押办理延误")
    DATA_PROTECTION = "data_protection", _("个人信息保护问题")
    THIRD_PARTY = "third_party", _("第三方（经销商/合作机构）")
    POLICY = "policy", _("公司政策")
    BORROWER_MISUNDERSTANDING = "borrower_misunderstanding", _("客户误解（已解释）")
    NO_FAULT_FOUND = "no_fault_found", _("经核查无过错")
    OTHER = "other", _("其他")


class RejectReason(models.TextChoices):
    SPAM = "spam", _("垃圾信息/骚扰")
    DUPLICATE = "duplicate", _("重复投诉")
    OUT_OF_SCOPE = "out_of_scope", _("非本公司业务")
    OTHER = "other", _("其他")


class Clock(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("首次响应")
    RESOLUTION = "resolution", _("解决时限")
    REGULATORY = "regulatory", _("监管时限")


class EscalationTrigger(models.TextChoices):
    BREACH = "breach", _("超时")
    UNACKNOWLEDGED = "unacknowledged", _("升级未确认")
    MANUAL = "manual", _("手动升级")


class EscalationLevel(models.IntegerChoices):
    BRANCH_SUPERVISOR = 1, _("一级：分公司主管")
    HQ_MANAGER = 2, _("二级：总部投诉经理")
    COMPLIANCE = 3, _("三级：合规")


MAX_ESCALATION_LEVEL = 3


class HoldReason(models.TextChoices):
    CATEGORY = "category", _("催收行为投诉")
    SUPERVISOR = "supervisor", _("主管决定")


class EventKind(models.TextChoices):
    CREATED = "created", _("受理")
    ACKNOWLEDGED = "acknowledgement_sent", _("发送受理回执")
    CLASSIFIED = "classified", _("分类")
    STARTED = "started", _("开始处理")
    WAITING = "waiting_on_borrower", _("等待客户回复")
    RESUMED = "resumed", _("恢复处理")
    RESOLVED = "resolved", _("已解决")
    FEEDBACK = "feedback", _("客户评价")
    AUTO_CLOSED = "auto_closed", _("自动关闭")
    REOPENED = "reopened", _("重新打开")
    REJECTED = "rejected", _("不予受理")
    MERGED = "merged", _("合并至主投诉")
    DUPLICATE_MERGED = "duplicate_merged", _("合并重复投诉")
    ASSIGNED = "assigned", _("分派")
    NOTE = "note", _("内部备注")
    REPLY = "reply", _("答复客户")
    EXTENDED = "deadline_extended", _("延长监管时限")
    SLA_WARNING = "sla_warning", _("时限预警")
    SLA_BREACHED = "sla_breached", _("超时")
    ESCALATED = "escalated", _("升级")
    ESCALATION_ACKNOWLEDGED = "escalation_acknowledged", _("确认升级")
    HOLD_REQUESTED = "collection_hold_requested", _("暂停催收")
    HOLD_RELEASED = "collection_hold_released", _("解除催收暂停")
    ATTACHMENT_ADDED = "attachment_added", _("上传附件")


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("节假日（休息）")
    MAKEUP_WORKDAY = "makeup_workday", _("调休上班")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("星期一")
    TUESDAY = 1, _("星期二")
    WEDNESDAY = 2, _("星期三")
    THURSDAY = 3, _("星期四")
    FRIDAY = 4, _("星期五")
    SATURDAY = 5, _("星期六")
    SUNDAY = 6, _("星期日")
