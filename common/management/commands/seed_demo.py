"""Demo data: branches, staff of every role, and a realistic Chinese loan book.

    manage.py seed_demo --borrowers 200 --seed 42

Deterministic for a given --seed (and --today), idempotent: a second run finds the demo borrowers
already there (by their DEMO-… contract numbers) and only creates the missing ones. At the end every
installed app's optional `<app>.demo.seed(stdout, rng)` is called, in INSTALLED_APPS order, so other
apps add their own demo data (complaints, collection cases, …); those hooks must be idempotent too.
"""

import importlib
import random
import time
from datetime import date

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


def run_demo_hooks(stdout, rng: random.Random) -> list[str]:
    called = []
    for config in apps.get_app_configs():
        module_name = f"{config.name}.demo"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        seed = getattr(module, "seed", None)
        if callable(seed):
            seed(stdout, rng)
            called.append(config.label)
    return called


class Command(BaseCommand):
    help = "Load demo branches, staff (password demo-pass-2026) and a Chinese loan book. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--borrowers", type=int, default=200, help="how many demo borrowers in total")
        parser.add_argument("--seed", type=int, default=42, help="random seed (same seed, same data)")
        parser.add_argument("--today", type=date.fromisoformat, default=None,
                            help="pretend today is this date (YYYY-MM-DD); default: the real date")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, borrowers: int, seed: int, today: date | None, no_progress: bool, **options):
        from faker import Faker
        from tqdm import tqdm

        from accounts.demo_data import DEMO_PASSWORD, seed_branches, seed_staff
        from borrowers.demo_data import CITY, create_borrower, existing_demo_indexes, plan_borrower
        from borrowers.services import loans_refresh_delinquency

        if borrowers < 0:
            raise CommandError("--borrowers must be 0 or more")
        started = time.monotonic()
        today = today or timezone.localdate()
        branches = seed_branches()
        users, staff_created = seed_staff(branches)
        managers = {code: users.get(f"agent_{code.lower()}") for code in CITY}
        self.stdout.write(f"branches: {len(branches)}; staff: {len(users)} ({staff_created} new), password {DEMO_PASSWORD}")

        have = existing_demo_indexes()
        missing = [i for i in range(borrowers) if i not in have]
        faker = Faker("zh_CN")
        branch_codes = [code for code in CITY if code in branches]
        for index in tqdm(missing, desc="borrowers", unit="", disable=no_progress or not missing, file=self.stderr):
            plan = plan_borrower(seed=seed, index=index, today=today, faker=faker, branch_codes=branch_codes)
            create_borrower(plan, branches=branches, managers=managers, today=today)
        loans_refresh_delinquency(today=today)
        self.stdout.write(f"borrowers: {len(missing)} created, {len(have)} already there")

        hooks = run_demo_hooks(self.stdout, random.Random(seed))
        if hooks:
            self.stdout.write(f"app demo data: {', '.join(hooks)}")
        self.stdout.write(self.style.SUCCESS(f"demo data ready in {time.monotonic() - started:.1f}s"))
