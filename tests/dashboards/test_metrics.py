"""Every dashboard figure against the hand-worked book in conftest.py (HQ sees both branches, the SH
supervisor only SH)."""

from datetime import date
from decimal import Decimal

import pytest

from dashboards.selectors import collection, compliance, quality, records, sla
from tests.dashboards.conftest import make_scope

pytestmark = pytest.mark.django_db


# --- SLA -----------------------------------------------------------------------------------------------


def test_open_complaints_by_state_and_clock_status(book, hq_user, supervisor):
    hq = sla.open_breakdown(make_scope(hq_user))
    # open: c3 in progress, c4 intake, c5 waiting, c7 intake
    assert hq["total"] == 4
    assert hq["by_state"] == {"intake": 2, "classified": 0, "in_progress": 1, "waiting_on_borrower": 1}
    # service: c3 (resolution past due) and c7 (first response past due) breached, c4 at risk, c5 paused
    assert hq["service"] == {"breached": 2, "at_risk": 1, "paused": 1, "on_track": 0}
    # regulatory: c5 breached, c4 past its warning, c3 and c7 on track
    assert hq["regulatory"] == {"breached": 1, "at_risk": 1, "on_track": 2}

    sv = sla.open_breakdown(make_scope(supervisor))
    assert sv["total"] == 3
    assert sv["service"] == {"breached": 1, "at_risk": 1, "paused": 1, "on_track": 0}
    assert sv["regulatory"] == {"breached": 1, "at_risk": 1, "on_track": 1}


def test_hq_branch_filter_narrows_to_one_branch(book, hq_user, other_branch):
    bj = sla.open_breakdown(make_scope(hq_user, branch_id=other_branch.pk))
    assert bj["total"] == 1 and bj["service"]["breached"] == 1


def test_breached_and_at_risk_lists(book, hq_user, supervisor):
    breached = {c.tracking_code for c in sla.clock_list(make_scope(hq_user), "breached")}
    assert breached == {book.c3.tracking_code, book.c5.tracking_code, book.c7.tracking_code}
    at_risk = {c.tracking_code for c in sla.clock_list(make_scope(hq_user), "at_risk")}
    assert at_risk == {book.c4.tracking_code}
    assert book.c7.tracking_code not in {c.tracking_code for c in sla.clock_list(make_scope(supervisor), "breached")}


def test_within_sla_rates_and_percentiles(book, hq_user, supervisor):
    r = sla.sla_rates(make_scope(hq_user))
    # received in range: c1 c2 c3 c4 c5 c7 c8 (c6 is February)
    assert r["received"] == 7
    # first response: c1 30, c2 90 (breached), c3 60, c5 120, c8 300, and c7 unanswered past its deadline
    # (breached while running: counted before the sweep marks it) → 4 of 6 within
    assert (r["fr_within"], r["fr_total"]) == (4, 6)
    assert r["fr_p50"] == pytest.approx(90)
    assert r["fr_p90"] == pytest.approx(120 + 0.6 * (300 - 120))  # position 3.6
    # resolution: c1 600, c2 2000 (breached), c8 100, and c3 still open past its deadline → 2 of 4
    assert (r["res_within"], r["res_total"]) == (2, 4)
    assert r["res_p50"] == pytest.approx(600)
    assert r["res_p90"] == pytest.approx(600 + 0.8 * 1400)  # position 1.8

    s = sla.sla_rates(make_scope(supervisor))
    assert (s["fr_within"], s["fr_total"]) == (3, 4)
    assert s["fr_p50"] == pytest.approx(75)  # 30 60 | 90 120
    assert s["fr_p90"] == pytest.approx(90 + 0.7 * 30)
    assert (s["res_within"], s["res_total"]) == (2 - 1, 3)  # c1 within; c2 and c3 breached
    assert s["res_p50"] == pytest.approx(1300)


def test_escalations_by_level_unacknowledged_first(book, hq_user, supervisor):
    levels = {r["level"]: r for r in sla.escalations_by_level(make_scope(hq_user))}
    assert levels[1]["total"] == 2 and levels[1]["unacknowledged"] == 1
    assert levels[2]["total"] == 1 and levels[2]["unacknowledged"] == 1
    assert [e.pk for e in sla.escalation_list(make_scope(hq_user))] == [book.e3.pk, book.e1.pk, book.e2.pk]
    assert [e.pk for e in sla.escalation_list(make_scope(supervisor))] == [book.e1.pk, book.e2.pk]


# --- service quality -----------------------------------------------------------------------------


def test_csat_and_reopen_rate(book, hq_user, supervisor):
    o = quality.csat_overall_and_reopen(make_scope(hq_user))
    # rated and received in range: c1 5, c2 2, c8 4
    assert o["n"] == 3 and o["avg"] == pytest.approx(11 / 3)
    assert (o["c1"], o["c2"], o["c3"], o["c4"], o["c5"]) == (0, 1, 0, 1, 1)
    # resolved at least once: c1 c2 c8; reopened: c2
    assert (o["reopened"], o["resolved_ever"]) == (1, 3)
    s = quality.csat_overall_and_reopen(make_scope(supervisor))
    assert s["n"] == 2 and s["avg"] == pytest.approx(3.5)


def test_csat_by_agent_category_branch(book, hq_user, agent, other_agent, branch, other_branch):
    by_agent = {r["owner_id"]: r for r in quality.csat_by(make_scope(hq_user), "owner")}
    assert by_agent[agent.pk]["n"] == 2 and by_agent[agent.pk]["avg"] == pytest.approx(3.5)
    assert by_agent[agent.pk]["c5"] == 1 and by_agent[agent.pk]["c2"] == 1
    assert by_agent[other_agent.pk]["avg"] == pytest.approx(4)
    by_cat = {r["category"]: r["avg"] for r in quality.csat_by(make_scope(hq_user), "category")}
    assert by_cat == {"interest_fees": 5, "collection_conduct": 2, "other": 4}
    by_branch = {r["branch_id"]: (r["n"], r["avg"]) for r in quality.csat_by(make_scope(hq_user), "branch")}
    assert by_branch == {branch.pk: (2, 3.5), other_branch.pk: (1, 4)}


def test_weekly_trend_by_category_and_root_cause(book, hq_user):
    rows = quality.weekly_trend(make_scope(hq_user), by="category")
    per_week = {}
    for r in rows:
        key = r["week"].date() if hasattr(r["week"], "date") else r["week"]
        per_week[key] = per_week.get(key, 0) + r["n"]
    # weeks start on Monday: 03-02 (c1 c2 c5 c8), 03-09 (c3, c7 on Sunday 15th), 03-16 (c4)
    assert per_week == {date(2026, 3, 2): 4, date(2026, 3, 9): 2, date(2026, 3, 16): 1}
    rc = quality.weekly_trend(make_scope(hq_user), by="root_cause")
    assert {(r["week"].date(), r["root_cause"], r["n"]) for r in rc} == {
        (date(2026, 3, 2), "fee_or_interest_error", 1), (date(2026, 3, 2), "staff_conduct", 1),
        (date(2026, 3, 9), "collection_misconduct", 1),
    }


def test_root_causes_this_month_vs_last(book, hq_user):
    rows = {r["root_cause"]: (r["this_month"], r["last_month"]) for r in quality.root_causes_month_vs_last(make_scope(hq_user))}
    assert rows == {"fee_or_interest_error": (1, 1), "collection_misconduct": (1, 0), "staff_conduct": (1, 0)}


def test_agent_leaderboard_fastest_first(book, hq_user, agent, other_agent):
    board = quality.agent_leaderboard(make_scope(hq_user))
    assert [r["owner_id"] for r in board] == [agent.pk, book.agent2.pk, other_agent.pk]
    first = board[0]
    assert first["fr_avg"] == pytest.approx(60) and first["resolved"] == 2 and first["csat_avg"] == pytest.approx(3.5)
    assert first["fr_within"] == 1 and first["answered"] == 2
    assert board[1]["fr_avg"] == pytest.approx(90) and board[1]["resolved"] == 0


# --- collections ---------------------------------------------------------------------------------


def test_cases_and_amounts_by_bucket(book, hq_user, supervisor):
    rows = {r["bucket"]: (r["n"], r["amount"], r["on_hold"]) for r in collection.cases_by_bucket(make_scope(hq_user))}
    assert rows == {"M1": (2, Decimal("1500.00"), 0), "M2": (1, Decimal("2000.00"), 1)}
    sv = {r["bucket"]: r["n"] for r in collection.cases_by_bucket(make_scope(supervisor))}
    assert sv == {"M1": 1, "M2": 1}


def test_roll_matrix_month_on_month(book, hq_user, supervisor):
    roll = collection.roll_matrix(make_scope(hq_user))
    assert roll["from_month"] == date(2026, 2, 1) and roll["to_month"] == date(2026, 3, 1)
    assert roll["matrix"] == {"current": {"M1": 1}, "M1": {"M2": 1, "M1": 1, "current": 1}, "M3": {"exited": 1}}
    assert collection.roll_matrix(make_scope(supervisor))["matrix"] == {
        "current": {"M1": 1}, "M1": {"M2": 1, "M1": 1}, "M3": {"exited": 1},
    }


def test_cure_rate_and_contacts_per_case(book, hq_user, supervisor):
    o = collection.case_outcomes(make_scope(hq_user))
    # opened in range: k1 k2 k3 k5 (k4 opened in February); cured: k3
    assert (o["cured"], o["opened"], o["still_open"]) == (1, 4, 3)
    assert collection.case_outcomes(make_scope(supervisor))["opened"] == 3
    cpc = {r["bucket"]: (r["cases"], r["contacts"]) for r in collection.contacts_per_case(make_scope(hq_user))}
    assert cpc == {"M1": (3, 6), "M2": (1, 0)}


def test_promise_kept_rate(book, hq_user, supervisor, collector):
    p = collection.promises(make_scope(hq_user))
    assert (p["kept"], p["broken"], p["pending"], p["total"]) == (2, 1, 0, 3)
    s = collection.promises(make_scope(supervisor))
    assert (s["kept"], s["broken"]) == (1, 1)
    by = {r["created_by_id"]: (r["total"], r["kept"]) for r in collection.promises_by_collector(make_scope(hq_user))}
    assert by == {collector.pk: (2, 1), book.other_collector.pk: (1, 1)}


def test_amount_recovered_only_while_a_case_was_open(book, hq_user, supervisor):
    r = collection.recovered(make_scope(hq_user))
    assert r["amount"] == Decimal("1300.00") and r["payments"] == 4
    assert collection.recovered(make_scope(supervisor))["amount"] == Decimal("1100.00")


def test_cases_on_hold_and_why(book, hq_user):
    assert collection.holds(make_scope(hq_user)) == [{"hold_reason": "complaint", "n": 1, "amount": Decimal("2000.00")}]


# --- compliance ----------------------------------------------------------------------------------


def test_blocked_contacts_by_rule_and_collector(book, hq_user, supervisor, collector):
    rules = {r["rule"]: (r["n"], r["borrowers"]) for r in compliance.blocked_by_rule(make_scope(hq_user))}
    assert rules == {"quiet_hours": (3, 2), "weekly_calls": (1, 1)}
    sv = {r["rule"]: r["n"] for r in compliance.blocked_by_rule(make_scope(supervisor))}
    assert sv == {"quiet_hours": 2, "weekly_calls": 1}
    by = {r["actor_id"]: r["n"] for r in compliance.blocked_by_collector(make_scope(hq_user))}
    assert by == {collector.pk: 2, book.other_collector.pk: 1, None: 1}


def test_conduct_complaints_per_1000_cases(book, hq_user, supervisor, branch, other_branch):
    by_branch = {r["id"]: (r["complaints"], r["cases"], r["per_1000"]) for r in compliance.conduct_by_branch(make_scope(hq_user))}
    # SH: c2 over k1 k2 k3 k4 (k4 closed on 03-10, inside the range); BJ: c7 over k5
    assert by_branch == {branch.pk: (1, 4, 250.0), other_branch.pk: (1, 1, 1000.0)}
    by_agency = {r["id"]: (r["complaints"], r["cases"], r["per_1000"]) for r in compliance.conduct_by_agency(make_scope(hq_user))}
    assert by_agency == {None: (1, 4, 250.0), book.agency.pk: (1, 1, 1000.0)}
    assert {r["id"] for r in compliance.conduct_by_branch(make_scope(supervisor))} == {branch.pk}


# --- records behind the numbers ------------------------------------------------------------------


def test_drill_down_records_match_the_numbers(book, hq_user, supervisor):
    scope = make_scope(hq_user)
    qs = records.complaint_records(scope, {"state": "open", "svc": "breached", "range": "all"})
    assert {c.pk for c in qs} == {book.c3.pk, book.c7.pk}
    assert {c.pk for c in records.complaint_records(scope, {"fr": "within"})} == {book.c1.pk, book.c3.pk, book.c5.pk, book.c8.pk}
    assert {c.pk for c in records.complaint_records(scope, {"root_cause": "fee_or_interest_error", "month": "last"})} == {book.c6.pk}
    assert {c.pk for c in records.complaint_records(scope, {"category": "collection_conduct", "agency": str(book.agency.pk)})} == {book.c7.pk}
    assert {c.pk for c in records.complaint_records(make_scope(supervisor), {"state": "open", "range": "all"})} == {
        book.c3.pk, book.c4.pk, book.c5.pk,
    }
    assert {k.pk for k in records.case_records(scope, {"state": "on_hold", "hold_reason": "complaint", "range": "all"})} == {book.k2.pk}
    assert records.blocked_records(scope, {"rule": "quiet_hours"}).count() == 3
    assert records.blocked_records(scope, {"actor": "none"}).count() == 1


def test_roll_matrix_is_cached_per_scope(book, hq_user, supervisor, django_assert_num_queries):
    collection.roll_matrix(make_scope(hq_user))
    with django_assert_num_queries(0):
        assert collection.roll_matrix(make_scope(hq_user))["matrix"]["M1"] == {"M2": 1, "M1": 1, "current": 1}
    # another scope is not served from the HQ entry
    assert "current" not in collection.roll_matrix(make_scope(supervisor))["matrix"]["M1"]
