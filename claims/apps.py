from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims"

    def ready(self):
        from claims.roles import sync_roles_after_migrate

        post_migrate.connect(sync_roles_after_migrate, sender=self)
