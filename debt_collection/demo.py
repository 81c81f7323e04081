"""Demo data for collections (called by `manage.py seed_demo`; idempotent).

Internal collection teams per branch, an external agency in Shanghai with its own collector
(`agency_sh`, password demo-pass-2026), then the daily refresh opens and assigns cases for the demo
loan book; a few cases get a call history, a promise and an arrangement awaiting approval.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

AGENCY_NAME = "上海信诚资产管理有限公司（委外）"


def seed(stdout, rng) -> None:
    from accounts.models import Branch, User
    from common.exceptions import DomainError
    from debt_collection import services
    from debt_collection.models import CollectionCase, CollectorOrganisation, CollectorProfile, ContactAttempt

    branches = {b.code: b for b in Branch.objects.filter(code__in=["SH", "BJ", "GZ"])}
    if not branches:
        return
    for code, branch in branches.items():
        team, _ = CollectorOrganisation.objects.get_or_create(
            name=f"{branch.name}催收组", branch=branch, defaults={"kind": "internal"}
        )
        user = User.objects.filter(username=f"collector_{code.lower()}").first()
        if user is not None:
            CollectorProfile.objects.get_or_create(user=user, defaults={"organisation": team})
    agency_user = None
    if "SH" in branches:
        agency, _ = CollectorOrganisation.objects.get_or_create(
            name=AGENCY_NAME, branch=branches["SH"],
            defaults={"kind": "agency", "contact_phone": "021-5555-0100", "contract_number": "WW-2026-001"},
        )
        agency_user = User.objects.filter(username="agency_sh").first()
        if agency_user is None:
            template = User.objects.filter(username="collector_sh").first()
            agency_user = User(username="agency_sh", role="collector", branch=branches["SH"], display_name="钱涛（委外催收）",
                               email="agency_sh@autoloan-crm.local", password=template.password if template else "!")
            agency_user.save()
        CollectorProfile.objects.get_or_create(user=agency_user, defaults={"organisation": agency, "buckets": ["M3", "M4+"]})

    # seed_demo has just refreshed the loans' delinquency (possibly for --today): keep it
    stats = services.cases_refresh(assign=True, refresh_loans=False)
    stdout.write(f"collections: {stats['opened']} cases opened, {stats['assigned']} assigned")

    supervisor = User.objects.filter(username="supervisor_sh").first()
    if agency_user is not None and supervisor is not None:
        agency = agency_user.collector_profile.organisation
        if not CollectionCase.objects.filter(agency=agency).exists():
            for case in CollectionCase.objects.filter(branch=branches["SH"], bucket__in=["M3", "M4+"], state="open")[:3]:
                services.case_place_with_agency(case=case, agency=agency, actor=supervisor)

    collector = User.objects.filter(username="collector_sh").first()
    if collector is None or ContactAttempt.objects.filter(created_by=collector).exists():
        return  # the demo history is there already
    mine = list(CollectionCase.objects.filter(assigned_to=collector, state="open").order_by("id")[:4])
    tz = branches["SH"].tzinfo
    yesterday = timezone.localdate(timezone=tz) - timedelta(days=1)
    for n, case in enumerate(mine):
        if ContactAttempt.objects.filter(case=case).exists():
            continue
        try:
            with transaction.atomic():
                for k in range(1 + n % 3):
                    services.contact_log(
                        case=case, channel="call", outcome="no_answer", actor=collector,
                        occurred_at=datetime.combine(yesterday, time(10 + k, 15), tzinfo=tz), notes="无人接听",
                    )
                if n == 0:
                    services.contact_log(
                        case=case, channel="call", outcome="promise", actor=collector, recording_ref=f"CC-DEMO-{case.pk}",
                        occurred_at=datetime.combine(yesterday, time(15, 30), tzinfo=tz), notes="借款人承诺月底前还款",
                    )
                    services.promise_record(case=case, amount=min(case.amount_due, Decimal("3000.00")) or Decimal("500.00"),
                                            promised_date=timezone.localdate(timezone=tz) + timedelta(days=3), actor=collector)
                if n == 1:
                    services.arrangement_propose(case=case, kind="extension", extension_months=3, actor=collector,
                                                 reason="借款人失业三个月，已提供离职证明，申请展期三个月。")
        except DomainError as exc:  # demo data must never break seeding
            stdout.write(f"collections demo: case {case.pk} skipped ({exc.message})")
