import contextlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from borrowers.importing import COLUMNS, header_problems, loans_import, read_csv


class Command(BaseCommand):
    help = (
        "Import or update the loan book from a CSV file (upsert by contract_number; see docs/import_loans.md). "
        "Exits non-zero if any row failed; the other rows are imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--actor", help="username recorded as the importer on the loans' timeline")
        parser.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, file: Path, actor: str | None, dry_run: bool, no_progress: bool, **options):
        from tqdm import tqdm

        try:
            raw = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}")
        user = None
        if actor:
            user = User.objects.filter(username=actor).first()
            if user is None:
                raise CommandError(f"no user {actor!r}")
        header, rows = read_csv(raw)
        problems = header_problems(header)
        if problems:
            raise CommandError("; ".join(problems) + f" (expected columns: {', '.join(COLUMNS)})")
        total = max(raw.count(b"\n") - 1, 0) or None
        # Each row commits on its own (see loans_import); a dry run wraps them all and rolls back.
        outer = transaction.atomic() if dry_run else contextlib.nullcontext()
        with tqdm(total=total, unit=" rows", disable=no_progress, file=self.stderr) as bar, outer:
            result = loans_import(rows=rows, actor=user, on_row=bar.update)
            if dry_run:
                transaction.set_rollback(True)

        for line, reason in result.errors:
            self.stderr.write(f"line {line}: {reason}")
        summary = (f"{'[dry run] ' if dry_run else ''}{result.total} rows: {result.created} created, "
                   f"{result.updated} updated, {result.unchanged} unchanged, {result.failed} failed")
        if result.failed:
            self.stdout.write(self.style.WARNING(summary))
            raise CommandError(f"{result.failed} row(s) failed; see the lines above", returncode=2)
        self.stdout.write(self.style.SUCCESS(summary))
