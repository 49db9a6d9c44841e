"""python manage.py create_demo_accounts — one local login per role, for trying the app."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from claims import roles

DEMO_PASSWORD = "claimledger-demo"
DEMO_ACCOUNTS = [
    ("admin", None, "superuser: everything"),
    ("annotator", roles.ANNOTATOR, "tags passages, writes claims and forecasts"),
    ("factchecker", roles.FACT_CHECKER, "records verdicts on due forecasts"),
    ("editor", roles.EDITOR, "reviews and publishes, manages sources, actors and topics"),
]


class Command(BaseCommand):
    help = "Create demo accounts (admin, annotator, factchecker, editor). Refused unless DEBUG is on."

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Refusing to create demo accounts with a known password: DEBUG is off, so this "
                "looks like a real deployment. Create real accounts with createsuperuser instead."
            )
        users = get_user_model()
        roles.roles_sync()
        for username, role, _ in DEMO_ACCOUNTS:
            user, _created = users.objects.get_or_create(username=username)
            user.is_staff = True
            user.is_superuser = role is None
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.groups.set([Group.objects.get(name=role)] if role else [])
        self.stdout.write("Demo accounts (local only), password for each: " + DEMO_PASSWORD)
        for username, role, what in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<12} {role or 'superuser':<13} {what}")
