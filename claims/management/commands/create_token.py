"""python manage.py create_token USERNAME — prints a new API token on its last line."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from knox.models import AuthToken


def issue_token(user, *, days: int | None = None) -> str:
    """Create a token for the user; only its hash is stored, so the text is shown once."""
    days = settings.TOKEN_TTL_DAYS if days is None else days
    _, token = AuthToken.objects.create(user=user, expiry=dt.timedelta(days=days) if days else None)
    return token


class Command(BaseCommand):
    help = "Create an API token for a user. The token is printed once, on the last line."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"Days until the token expires (default {settings.TOKEN_TTL_DAYS}; 0 = never).",
        )

    def handle(self, *args, username, days, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as error:
            raise CommandError(
                f"No user named {username!r}. Create one in the admin or with createsuperuser."
            ) from error
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive; activate the account first.")
        token = issue_token(user, days=days)
        days = settings.TOKEN_TTL_DAYS if days is None else days
        expiry = f"expires in {days} days" if days else "never expires"
        self.stdout.write(f"Token for {username} ({expiry}); send it as 'Authorization: Token <token>':")
        self.stdout.write(token)
