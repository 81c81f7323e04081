"""Default message templates (zh-hans, en) and the default reminder cadence T-3 … T+7.

Wording follows the seeds' advice on collection conduct: state the facts (contract, amount, date),
give the branch's phone number, never threaten or shame, and always offer the opt-out."""

from django.db import migrations

B = "borrower"
S = "staff"

# code: {channel: {language: (subject, body)}}, audience
TEMPLATES = {
    "reminder_before_3": (B, {
        "sms": {
            "zh-hans": ("", "【{branch_name}】{name}您好，您的车贷合同{contract_number}本期应还{amount}元，将于{due_date}到期（还有{days_to_due}天），请提前存入还款账户。如有疑问请致电{branch_phone}。{opt_out}"),
            "en": ("", "[{branch_name}] Dear {name}, your car-loan instalment of CNY {amount} (contract {contract_number}) is due on {due_date}, in {days_to_due} days. Questions: {branch_phone}. {opt_out}"),
        },
        "email": {
            "zh-hans": ("还款提醒：{due_date} 到期", "{name}您好：\n\n您的车贷合同 {contract_number} 本期应还 {amount} 元，将于 {due_date} 到期（还有 {days_to_due} 天）。请在到期日前将款项存入还款账户。\n\n如已还款请忽略本邮件。如有疑问请致电 {branch_phone}。\n\n{branch_name}\n\n{opt_out}"),
            "en": ("Payment reminder: due {due_date}", "Dear {name},\n\nYour car-loan instalment of CNY {amount} (contract {contract_number}) is due on {due_date}, in {days_to_due} days. Please make sure the amount is in your repayment account by then.\n\nIf you have already paid, please ignore this e-mail. Questions: {branch_phone}.\n\n{branch_name}\n\n{opt_out}"),
        },
    }),
    "reminder_before_1": (B, {
        "sms": {
            "zh-hans": ("", "【{branch_name}】{name}您好，您的车贷合同{contract_number}本期应还{amount}元将于明天（{due_date}）到期，请确保还款账户余额充足。咨询{branch_phone}。{opt_out}"),
            "en": ("", "[{branch_name}] Dear {name}, CNY {amount} on contract {contract_number} is due tomorrow ({due_date}). Please make sure your repayment account is funded. Questions: {branch_phone}. {opt_out}"),
        },
    }),
    "reminder_due": (B, {
        "sms": {
            "zh-hans": ("", "【{branch_name}】{name}您好，您的车贷合同{contract_number}本期应还{amount}元今天（{due_date}）到期。如已还款请忽略。咨询{branch_phone}。{opt_out}"),
            "en": ("", "[{branch_name}] Dear {name}, CNY {amount} on contract {contract_number} is due today ({due_date}). If you have paid, please ignore this message. Questions: {branch_phone}. {opt_out}"),
        },
    }),
    "reminder_overdue_1": (B, {
        "sms": {
            "zh-hans": ("", "【{branch_name}】{name}您好，您的车贷合同{contract_number}于{due_date}到期的{amount}元尚未结清，已逾期{days_overdue}天。请尽快还款以免产生罚息；如有困难请致电{branch_phone}协商。{opt_out}"),
            "en": ("", "[{branch_name}] Dear {name}, CNY {amount} on contract {contract_number}, due {due_date}, is {days_overdue} day(s) overdue. Please pay soon to avoid penalty interest; if you are in difficulty, call {branch_phone} to discuss. {opt_out}"),
        },
        "email": {
            "zh-hans": ("逾期提醒：合同 {contract_number}", "{name}您好：\n\n您的车贷合同 {contract_number} 于 {due_date} 到期的 {amount} 元尚未结清，已逾期 {days_overdue} 天。逾期将按合同产生罚息，请尽快还款。\n\n如您遇到还款困难，请致电 {branch_phone}，我们可以与您协商还款安排。如已还款请忽略本邮件。\n\n{branch_name}\n\n{opt_out}"),
            "en": ("Overdue notice: contract {contract_number}", "Dear {name},\n\nCNY {amount} on contract {contract_number}, due {due_date}, is {days_overdue} day(s) overdue. Penalty interest accrues under the contract, so please pay as soon as you can.\n\nIf you are having difficulty paying, call {branch_phone} and we can discuss a repayment arrangement. If you have already paid, please ignore this e-mail.\n\n{branch_name}\n\n{opt_out}"),
        },
    }),
    "reminder_overdue_3": (B, {
        "sms": {
            "zh-hans": ("", "【{branch_name}】{name}您好，您的车贷合同{contract_number}已逾期{days_overdue}天，待还{amount}元。请尽快还款，如需协商还款安排请致电{branch_phone}。{opt_out}"),
            "en": ("", "[{branch_name}] Dear {name}, contract {contract_number} is {days_overdue} days overdue with CNY {amount} outstanding. Please pay soon, or call {branch_phone} to arrange a repayment plan. {opt_out}"),
        },
    }),
    "reminder_overdue_7": (B, {
        "sms": {
            "zh-hans": ("", "【{branch_name}】{name}您好，您的车贷合同{contract_number}已逾期{days_overdue}天，待还{amount}元。持续逾期可能影响您的个人征信记录。请尽快还款或致电{branch_phone}协商。{opt_out}"),
            "en": ("", "[{branch_name}] Dear {name}, contract {contract_number} is {days_overdue} days overdue with CNY {amount} outstanding. Continued arrears may be reported to the credit bureau. Please pay or call {branch_phone} to discuss. {opt_out}"),
        },
    }),
    "complaint_ack": (B, {
        "sms": {
            "zh-hans": ("", "【{branch_name}】您的投诉已受理，查询码{tracking_code}。我们将在规定时限内答复，可凭查询码和手机尾号查询进度。{opt_out}"),
            "en": ("", "[{branch_name}] We have received your complaint. Tracking code {tracking_code}; check its progress with the code and your phone's last digits. We will reply within the required time. {opt_out}"),
        },
        "email": {
            "zh-hans": ("投诉已受理（查询码 {tracking_code}）", "{name}您好：\n\n您的投诉“{complaint_title}”已受理，查询码为 {tracking_code}。我们将在规定时限内答复您，您可凭查询码和手机号后四位查询处理进度。\n\n{link}\n\n{branch_name} {branch_phone}\n\n{opt_out}"),
            "en": ("Complaint received (tracking code {tracking_code})", "Dear {name},\n\nWe have received your complaint \"{complaint_title}\". Your tracking code is {tracking_code}; you can check its progress with the code and the last four digits of your phone number. We will reply within the required time.\n\n{link}\n\n{branch_name} {branch_phone}\n\n{opt_out}"),
        },
    }),
    "complaint_reply": (B, {
        "sms": {
            "zh-hans": ("", "【{branch_name}】您的投诉（查询码{tracking_code}）有新的答复：{reply} 如有疑问请致电{branch_phone}。{opt_out}"),
            "en": ("", "[{branch_name}] There is a reply to your complaint ({tracking_code}): {reply} Questions: {branch_phone}. {opt_out}"),
        },
        "email": {
            "zh-hans": ("投诉答复（查询码 {tracking_code}）", "{name}您好：\n\n关于您的投诉“{complaint_title}”（查询码 {tracking_code}），答复如下：\n\n{reply}\n\n如您对处理结果有异议，可在查询页面提出，或致电 {branch_phone}。\n\n{link}\n\n{branch_name}\n\n{opt_out}"),
            "en": ("Reply to your complaint ({tracking_code})", "Dear {name},\n\nAbout your complaint \"{complaint_title}\" (tracking code {tracking_code}):\n\n{reply}\n\nIf you disagree with the outcome, say so on the tracking page or call {branch_phone}.\n\n{link}\n\n{branch_name}\n\n{opt_out}"),
        },
    }),
    "escalation_notice": (S, {
        "email": {
            "zh-hans": ("投诉升级至第{escalation_level}级：{complaint_title}", "投诉“{complaint_title}”（{tracking_code}）已升级至第 {escalation_level} 级，请尽快确认并处理。\n\n{link}"),
            "en": ("Complaint escalated to level {escalation_level}: {complaint_title}", "Complaint \"{complaint_title}\" ({tracking_code}) has been escalated to level {escalation_level}. Please acknowledge and act on it.\n\n{link}"),
        },
        "inapp": {
            "zh-hans": ("投诉升级至第{escalation_level}级", "“{complaint_title}”（{tracking_code}）需要您确认。"),
            "en": ("Complaint escalated to level {escalation_level}", "\"{complaint_title}\" ({tracking_code}) needs your acknowledgement."),
        },
    }),
}

# offset_days, channel, template
CADENCE = [
    (-3, "sms", "reminder_before_3"),
    (-3, "email", "reminder_before_3"),
    (-1, "sms", "reminder_before_1"),
    (0, "sms", "reminder_due"),
    (1, "sms", "reminder_overdue_1"),
    (1, "email", "reminder_overdue_1"),
    (3, "sms", "reminder_overdue_3"),
    (7, "sms", "reminder_overdue_7"),
]


def seed(apps, schema_editor):
    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    ReminderStep = apps.get_model("notifications", "ReminderStep")
    for code, (audience, channels) in TEMPLATES.items():
        for channel, languages in channels.items():
            for language, (subject, body) in languages.items():
                MessageTemplate.objects.get_or_create(
                    code=code,
                    language=language,
                    channel=channel,
                    defaults={"subject": subject, "body": body, "audience": audience},
                )
    for offset, channel, template in CADENCE:
        ReminderStep.objects.get_or_create(
            branch=None, offset_days=offset, channel=channel, defaults={"template_code": template}
        )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_reminders_templates")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
