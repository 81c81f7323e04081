import os

import pytest

from tests.factories import DEMO_PASSWORD, BorrowerFactory, BranchFactory, UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@pytest.fixture(autouse=True)
def _no_axes_and_fresh_cache(settings):
    """Login lockout stays on in production; tests that exercise it turn it back on."""
    settings.AXES_ENABLED = False
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def hq_branch(db):
    return BranchFactory(code="HQ", name="总部", is_hq=True)


@pytest.fixture
def branch(db, hq_branch):
    return BranchFactory(code="SH", name="上海分公司", parent=hq_branch)


@pytest.fixture
def other_branch(db, hq_branch):
    return BranchFactory(code="BJ", name="北京分公司", parent=hq_branch, time_zone="Asia/Shanghai")


def _user(username, role, branch):
    return UserFactory(username=username, role=role, branch=branch)


@pytest.fixture
def agent(branch):
    return _user("agent_a", "agent", branch)


@pytest.fixture
def other_agent(other_branch):
    return _user("agent_b", "agent", other_branch)


@pytest.fixture
def collector(branch):
    return _user("collector_a", "collector", branch)


@pytest.fixture
def supervisor(branch):
    return _user("supervisor_a", "supervisor", branch)


@pytest.fixture
def hq_user(hq_branch):
    return _user("hq_a", "hq", hq_branch)


@pytest.fixture
def compliance_user(hq_branch):
    return _user("compliance_a", "compliance", hq_branch)


@pytest.fixture
def admin_user(hq_branch):
    user = _user("admin_a", "admin", hq_branch)
    user.is_staff = True
    user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def borrower(branch):
    return BorrowerFactory(branch=branch)


@pytest.fixture
def password():
    return DEMO_PASSWORD


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


# --- a real Celery worker -----------------------------------------------------------------------


class CeleryWorkerProcess:
    """A `celery worker` subprocess on the configured broker and the *test* database.

    Tests using it must commit their data (`transactional_db`), since the worker is another process.
    """

    def __init__(self, *, env: dict, concurrency: int = 2, queues: str | None = None, log_path=None):
        self.env = env
        self.concurrency = concurrency
        self.queues = queues
        self.proc = None
        self.log_path = log_path

    def start(self):
        import subprocess
        import sys

        cmd = [
            sys.executable, "-m", "celery", "-A", "autoloan_crm", "worker", "--loglevel", "INFO",
            "--concurrency", str(self.concurrency), "--pool", "prefork", "--without-heartbeat",
            "--without-gossip", "--without-mingle",
        ]
        if self.queues:
            cmd += ["-Q", self.queues]
        self._log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def kill(self, sig=None):
        """SIGKILL the whole process group (the parent and its prefork children), as a crash would."""
        import os
        import signal

        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig or signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self):
        import signal

        if self.proc and self.proc.poll() is None:
            import os

            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except Exception:  # noqa: BLE001
                self.kill()
        if self._log not in (None,) and hasattr(self._log, "close"):
            self._log.close()

    @staticmethod
    def wait_for(predicate, timeout: float = 60, interval: float = 0.25):
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(interval)
        return predicate()


@pytest.fixture
def celery_worker_proc(transactional_db, settings, tmp_path):
    """Start (and finally stop) real Celery workers against PostgreSQL + Redis.

    Usage: `worker = celery_worker_proc()` starts one; `worker.kill()` crashes it; call again to
    start another. Skips unless the suite runs on PostgreSQL with a Redis broker (CI does).
    """
    import os

    from django.db import connection

    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("needs PostgreSQL (DATABASE_URL) and a Redis broker (CELERY_BROKER_URL)")
    from autoloan_crm.celery import app

    app.control.purge()
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "DJANGO_SETTINGS_MODULE": "autoloan_crm.settings",
        }
    )
    env.pop("TEST_DATABASE_NAME", None)
    extra = getattr(settings, "TEST_WORKER_ENV", {})
    env.update(extra)
    workers = []

    def start(**kwargs):
        worker = CeleryWorkerProcess(env=env, log_path=tmp_path / f"worker{len(workers)}.log", **kwargs).start()
        workers.append(worker)
        return worker

    start.wait_for = CeleryWorkerProcess.wait_for
    start.log_dir = tmp_path
    yield start
    for worker in workers:
        worker.stop()
    app.control.purge()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 at production strength costs ~0.5 s per user on a busy machine; tests only need a hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
