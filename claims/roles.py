"""The three roles as Django groups, each with exactly the permissions it needs."""

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, transaction

ANNOTATOR = "annotator"
FACT_CHECKER = "fact-checker"
EDITOR = "editor"

_VIEW_ALL = [
    "sources.view_source",
    "sources.view_sourcerevision",
    "sources.view_passage",
    "claims.view_actor",
    "claims.view_topic",
    "claims.view_claim",
    "claims.view_forecast",
    "claims.view_verification",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    ANNOTATOR: [
        *_VIEW_ALL,
        "sources.add_passage",
        "sources.change_passage",
        "claims.add_claim",
        "claims.change_claim",
        "claims.add_forecast",
        "claims.change_forecast",
    ],
    FACT_CHECKER: [
        *_VIEW_ALL,
        "claims.add_verification",
    ],
    EDITOR: [
        *_VIEW_ALL,
        "sources.add_source",
        "sources.change_source",
        "sources.add_passage",
        "sources.change_passage",
        "claims.add_actor",
        "claims.change_actor",
        "claims.delete_actor",
        "claims.add_topic",
        "claims.change_topic",
        "claims.delete_topic",
        "claims.add_claim",
        "claims.change_claim",
        "claims.review_claim",
        "claims.add_forecast",
        "claims.change_forecast",
        "knox.view_authtoken",
        "knox.delete_authtoken",
    ],
}


@transaction.atomic
def roles_sync(apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create the role groups and set their permissions to exactly ROLE_PERMISSIONS (idempotent)."""
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.using(using).get_or_create(name=role)
        wanted = []
        for name in names:
            app_label, codename = name.split(".")
            permission = (
                permission_model.objects.using(using)
                .filter(content_type__app_label=app_label, codename=codename)
                .first()
            )
            if permission is None:
                raise LookupError(f"Permission {name} does not exist; run migrations first.")
            wanted.append(permission)
        group.permissions.set(wanted)


def sync_roles_after_migrate(sender, apps=global_apps, using=DEFAULT_DB_ALIAS, **kwargs):
    """post_migrate: make sure every app's permissions exist, then sync the groups."""
    from django.contrib.auth.management import create_permissions

    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using, apps=global_apps)
    roles_sync(using=using)
