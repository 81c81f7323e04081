from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import ApiToken, Branch, User


class Command(BaseCommand):
    help = (
        "Issue an API token for an integration, acting as the given service user. Prints the key once. "
        "--branch (repeatable) narrows it to those branches; --rate sets its own throttle (e.g. 600/minute). "
        "--revoke PREFIX revokes a token instead; --list shows the tokens."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?")
        parser.add_argument("--name", help="integration name, e.g. core-banking")
        parser.add_argument("--branch", action="append", default=[], help="branch code (repeatable)")
        parser.add_argument("--rate", default="", help="throttle rate, e.g. 600/minute (default: API_TOKEN_THROTTLE_RATE)")
        parser.add_argument("--revoke", metavar="PREFIX", help="revoke the active token(s) with this key prefix")
        parser.add_argument("--list", action="store_true", help="list tokens")

    def handle(self, *args, username=None, name=None, branch=(), rate="", revoke=None, list=False, **options):
        if list:
            for t in ApiToken.objects.select_related("user").prefetch_related("branches").order_by("id"):
                scope = ",".join(b.code for b in t.branches.all()) or "-"
                state = "revoked" if t.revoked_at else "active"
                self.stdout.write(f"{t.prefix}\t{t.name}\t{t.user.username}\t{scope}\t{t.rate or '-'}\t{state}")
            return
        if revoke:
            count = ApiToken.objects.active().filter(prefix=revoke).update(revoked_at=timezone.now())
            if not count:
                raise CommandError(f"no active token with prefix {revoke!r}")
            self.stdout.write(f"revoked {count} token(s)")
            return
        if not username or not name:
            raise CommandError("username and --name are required")
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"no user {username!r}")
        if not user.is_active:
            raise CommandError(f"user {username!r} is inactive")
        branches = []
        for code in branch:
            try:
                branches.append(Branch.objects.get(code=code))
            except Branch.DoesNotExist:
                raise CommandError(f"no branch {code!r}")
        token = ApiToken(user=user, name=name, rate=rate, prefix="x", key_hash="x")
        try:
            token.full_clean(exclude=["prefix", "key_hash", "user"])
        except Exception as exc:  # noqa: BLE001 - shown to the operator
            raise CommandError(str(exc))
        token, key = ApiToken.issue(user=user, name=name, branches=branches, rate=rate)
        self.stdout.write(key)
