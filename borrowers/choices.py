from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """Contact channels a borrower may prefer or opt out of."""

    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")
    EMAIL = "email", _("邮件")
    WECHAT = "wechat", _("微信")
    LETTER = "letter", _("信函")
    VISIT = "visit", _("上门")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("简体中文")
    EN = "en", _("English")


class Relation(models.TextChoices):
    SPOUSE = "spouse", _("配偶")
    PARENT = "parent", _("父母")
    CHILD = "child", _("子女")
    SIBLING = "sibling", _("兄弟姐妹")
    RELATIVE = "relative", _("其他亲属")
    FRIEND = "friend", _("朋友")
    COLLEAGUE = "colleague", _("同事")


class MortgageStatus(models.TextChoices):
    PENDING = "pending", _("待抵押登记")
    REGISTERED = "registered", _("已抵押登记")
    RELEASE_REQUESTED = "release_requested", _("已申请解押")
    RELEASED = "released", _("已解押")


class LoanStatus(models.TextChoices):
    ACTIVE = "active", _("还款中")
    PAID_OFF = "paid_off", _("已结清")
    WRITTEN_OFF = "written_off", _("已核销")
    CLOSED = "closed", _("已关闭")


class Bucket(models.TextChoices):
    """Delinquency buckets by days past due."""

    CURRENT = "current", _("正常")
    M1 = "M1", _("M1 (1–30天)")
    M2 = "M2", _("M2 (31–60天)")
    M3 = "M3", _("M3 (61–90天)")
    M4_PLUS = "M4+", _("M4+ (91天以上)")


# (bucket, lowest dpd, highest dpd or None)
BUCKET_BOUNDS = [
    (Bucket.CURRENT, 0, 0),
    (Bucket.M1, 1, 30),
    (Bucket.M2, 31, 60),
    (Bucket.M3, 61, 90),
    (Bucket.M4_PLUS, 91, None),
]


def bucket_for(days_past_due: int) -> str:
    for bucket, low, high in BUCKET_BOUNDS:
        if days_past_due >= low and (high is None or days_past_due <= high):
            return bucket
    return Bucket.CURRENT


class PaymentChannel(models.TextChoices):
    BANK_DEBIT = "bank_debit", _("银行代扣")
    BANK_TRANSFER = "bank_transfer", _("银行转账")
    ALIPAY = "alipay", _("支付宝")
    WECHAT_PAY = "wechat_pay", _("微信支付")
    CASH = "cash", _("现金")
    OTHER = "other", _("其他")


class Component(models.TextChoices):
    """What a payment pays, in allocation order: penalty -> fee -> interest -> principal."""

    PENALTY = "penalty", _("罚息")
    FEE = "fee", _("费用")
    INTEREST = "interest", _("利息")
    PRINCIPAL = "principal", _("本金")


ALLOCATION_ORDER = [Component.PENALTY, Component.FEE, Component.INTEREST, Component.PRINCIPAL]


# Labels of LoanEvent kinds on the borrower page; other apps may add theirs (unknown kinds show as is).
EVENT_LABELS = {
    "loan_created": _("放款建档"),
    "payment_recorded": _("收到还款"),
    "loan_rescheduled": _("重排还款计划"),
    "loan_updated_by_import": _("导入更新贷款"),
    "borrower_updated_by_import": _("导入更新借款人信息"),
    "pii_revealed": _("查看个人信息"),
}
PII_FIELD_LABELS = {
    "national_id": _("身份证号"),
    "mobile": _("手机号"),
    "alt_phone": _("备用电话"),
    "address": _("地址"),
    "email": _("邮箱"),
}
