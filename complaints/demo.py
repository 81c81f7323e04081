"""Demo complaints (called by `manage.py seed_demo`; idempotent: skipped once demo complaints exist).

About forty complaints on demo borrowers, spread over the last three weeks and over every state of
the life cycle, written through the real services so clocks, timelines and outcomes are genuine:
new ones in intake (some already past their first-response clock, so the SLA sweep escalates them
as soon as beat runs), classified, in progress with replies, waiting on the borrower, resolved, and
closed with a rating. Everything from the seed articles' four pains: overdue disputes, interest and
fee disputes, unresponsive managers, and abusive collection.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

DEMO_SUBJECT_PREFIX = "【演示】"

STORIES = [
    ("overdue_repayment", "扣款失败被算逾期", "本月银行代扣失败，我当天就转账还款了，系统还是显示逾期并收了罚息，要求撤销逾期记录。", "撤销逾期记录和罚息"),
    ("interest_fees", "利率与合同不符", "签合同时说年化利率 6%，实际算下来超过 12%，还有一笔服务费从未告知。", "退还多收的利息和服务费"),
    ("service_experience", "客户经理一直不回电话", "我想办理提前还款，客户经理电话不接、微信不回，已经两个星期了。", "尽快安排专人办理提前还款"),
    ("collection_conduct", "催收电话打给我父母", "催收员多次打电话给我父母和单位同事，说我欠钱不还，严重影响我的生活。", "停止骚扰家人，书面道歉"),
    ("vehicle_mortgage", "结清后迟迟不给解押", "贷款已经全部结清一个月，解押材料一直没寄给我，车辆无法过户。", "一周内办好解押"),
    ("privacy_data", "个人信息被泄露", "最近接到很多贷款推销电话，对方知道我的车贷信息，怀疑你们泄露了我的资料。", "调查并说明信息泄露情况"),
    ("overdue_repayment", "申请延期还款", "因疫情期间收入下降，希望能延期三个月还款，申请提交后没人处理。", "同意延期还款方案"),
    ("interest_fees", "提前还款违约金过高", "提前还款要收剩余本金 5% 的违约金，合同里没有写得这么清楚。", "按合同降低违约金"),
    ("collection_conduct", "晚上十一点还打催收电话", "昨天晚上十一点多还在打催收电话，语气很凶，还说要上门。", "遵守催收时间，不要威胁"),
    ("service_experience", "客服态度差", "打客服热线问还款金额，客服很不耐烦，直接挂了电话。", "改进服务态度"),
    ("other", "APP 无法查询还款计划", "APP 里还款计划页面一直打不开，无法确认下期还款金额。", "修复 APP 并告知还款金额"),
]

ROOT_CAUSES = {
    "overdue_repayment": "payment_processing",
    "interest_fees": "contract_terms_unclear",
    "service_experience": "unresponsive_staff",
    "collection_conduct": "collection_misconduct",
    "vehicle_mortgage": "mortgage_release_delay",
    "privacy_data": "data_protection",
    "other": "system_error",
}

# how far each demo complaint gets: (stage, count)
PLAN = [("intake", 8), ("classified", 6), ("in_progress", 8), ("waiting", 3), ("resolved", 6), ("closed", 9)]


def seed(stdout, rng) -> None:
    from django.db import transaction

    with transaction.atomic():  # all demo complaints or none, so a rerun is never half-seeded
        _seed(stdout, rng)


def _seed(stdout, rng) -> None:
    from accounts.models import User
    from borrowers.models import Borrower
    from common.exceptions import DomainError
    from complaints import services
    from complaints.models import Complaint

    if Complaint.objects.filter(subject__startswith=DEMO_SUBJECT_PREFIX).exists():
        stdout.write("complaints demo: already there")
        return
    borrowers = list(
        Borrower.objects.filter(loans__contract_number__startswith="DEMO-")
        .select_related("branch")
        .prefetch_related("loans")
        .distinct()
        .order_by("pk")[:120]
    )
    agents = {u.branch_id: u for u in User.objects.filter(role="agent", is_active=True).order_by("pk")}
    if not borrowers or not agents:
        return
    now = timezone.now()
    created = 0
    index = 0
    for stage, count in PLAN:
        for _ in range(count):
            borrower = borrowers[rng.randrange(len(borrowers))]
            loan = next(iter(borrower.loans.all()), None)
            category, subject, description, outcome = STORIES[index % len(STORIES)]
            index += 1
            agent = agents.get(borrower.branch_id) or next(iter(agents.values()))
            received = now - timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 10), minutes=rng.randint(0, 59))
            if stage == "intake":
                received = now - timedelta(hours=rng.choice([1, 3, 30, 50]))
            try:
                complaint = services.complaint_create(
                    complainant_name=borrower.name,
                    complainant_mobile=borrower.mobile,
                    borrower=borrower,
                    loan=loan,
                    branch=borrower.branch,
                    channel=rng.choice(["web_form", "phone", "app", "sms", "walk_in"]),
                    category=category,
                    subject=f"{DEMO_SUBJECT_PREFIX}{subject}",
                    description=description,
                    desired_outcome=outcome,
                    received_at=received,
                    send_acknowledgement=False,
                )
                created += 1
                if stage == "intake":
                    continue
                priority = "high" if category in ("collection_conduct", "privacy_data") else rng.choice(["normal", "normal", "high", "low"])
                complaint = services.complaint_classify(
                    complaint=complaint, category=category, priority=priority, actor=agent, assignee=agent
                )
                if stage == "classified":
                    continue
                complaint = services.complaint_start(complaint=complaint, actor=agent)
                services.complaint_reply(
                    complaint=complaint,
                    body="您好，我们已收到您的投诉，正在核实情况，会在承诺时限内给您答复。",
                    channel="sms",
                    actor=agent,
                )
                services.complaint_add_note(
                    complaint=complaint, body="已调取通话记录和扣款流水，待财务部门确认。", actor=agent
                )
                complaint = Complaint.objects.get(pk=complaint.pk)
                if stage == "in_progress":
                    continue
                if stage == "waiting":
                    services.complaint_wait_on_borrower(
                        complaint=complaint, actor=agent, reason="请补充银行转账凭证截图。"
                    )
                    continue
                complaint = services.complaint_resolve(
                    complaint=complaint,
                    resolution_summary="经核实情况属实，已按您的诉求处理完毕，并对相关人员进行了培训。",
                    root_cause=ROOT_CAUSES[category],
                    actor=agent,
                    notify_borrower=False,
                )
                if stage == "closed":
                    services.complaint_record_feedback(
                        complaint=complaint, csat=rng.choice([5, 5, 4, 4, 3, 2]), comment="处理及时，谢谢。"
                    )
            except DomainError as exc:  # a demo story that a rule refuses is skipped, not fatal
                stdout.write(f"complaints demo: skipped one ({exc.message})")
    stdout.write(f"complaints demo: {created} complaints")
