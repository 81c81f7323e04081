"""Shared plumbing for the benchmark scripts: the PostgreSQL server they build their own database on,
and memory figures. Not a benchmark itself (run_all.py skips files starting with "_")."""

import os
import resource
from urllib.parse import urlsplit, urlunsplit


def server_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    if not url.startswith("postgres"):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    return url


def with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def admin(sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(with_db(server_url(), "postgres"))
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(sql)
    conn.close()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def current_rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


_SLA_RUNNING = "c.state IN ('intake', 'classified', 'in_progress')"
_OPEN = "c.state IN ('intake', 'classified', 'in_progress', 'waiting_on_borrower')"
TIMER_DEADLINES = {
    "first_response_due_at": f"CASE WHEN {_SLA_RUNNING} AND c.first_responded_at IS NULL THEN c.first_response_due_at END",
    "first_response_warn_at": f"CASE WHEN {_SLA_RUNNING} AND c.first_responded_at IS NULL THEN c.first_response_warn_at END",
    "resolution_due_at": f"CASE WHEN {_SLA_RUNNING} THEN c.resolution_due_at END",
    "resolution_warn_at": f"CASE WHEN {_SLA_RUNNING} THEN c.resolution_warn_at END",
    "regulatory_due_at": f"CASE WHEN {_OPEN} THEN c.regulatory_due_at END",
    "regulatory_warn_at": f"CASE WHEN {_OPEN} THEN c.regulatory_warn_at END",
}


def fill_complaint_timers(cursor, overrides: dict[str, str] | None = None) -> None:
    """The ComplaintTimers row of every complaint a benchmark inserted by raw SQL (the app creates it
    with the complaint): the running clocks' deadlines armed as the services arm them, every mark
    false, unless `overrides` gives an SQL expression over the complaint `c` for a column."""
    columns = {
        **TIMER_DEADLINES,
        **{f"{clock}_{mark}": "false" for clock in ("first_response", "resolution", "regulatory") for mark in ("warned", "breached")},
        "escalation_level": "0",
        **(overrides or {}),
    }
    cursor.execute(
        f"INSERT INTO complaints_complainttimers (complaint_id, {', '.join(columns)}) "  # noqa: S608 - our SQL
        f"SELECT c.id, {', '.join(columns.values())} FROM complaints_complaint c"
    )
