"""`migrate` alone leaves a deployment ready to serve: roles exist and the cache table is there."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_migrate_alone_creates_the_cache_table_and_the_api_answers(tmp_path):
    database = tmp_path / "fresh.sqlite3"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"} | {
        "DATABASE_URL": f"sqlite:///{database}",
        "DEBUG": "1",
        "ALLOWED_HOSTS": "testserver",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True
    )
    code = (
        "from django.test import Client; from django.contrib.auth.models import Group;"
        "r = Client().get('/api/v1/claims/');"
        "print(r.status_code, sorted(Group.objects.values_list('name', flat=True)))"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.stdout.strip().splitlines()[-1] == "200 ['annotator', 'editor', 'fact-checker']", out.stderr
