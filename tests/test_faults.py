"""Faults survived: a process killed mid-write leaves the database exactly as before.

Each test runs the real command in a child process against its own database, kills it
with SIGKILL at a known point inside its transaction, then reads the database afresh.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from scripts.liveserver import manage

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


def child_env(database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return env | {"DATABASE_URL": database_url, "DEBUG": "1", "PYTHONUNBUFFERED": "1"}


@pytest.fixture(scope="module")
def fault_db(tmp_path_factory):
    """A migrated database of its own: an SQLite file, or a PostgreSQL database when the suite runs on one."""
    if settings.IS_POSTGRES:
        import psycopg

        base = settings.DATABASES["default"]
        name = f"faults_{uuid.uuid4().hex[:10]}"
        admin = f"postgres://{base['USER']}@{base['HOST']}:{base['PORT'] or 5432}"
        with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = f"{admin}/{name}"
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('faults') / 'faults.sqlite3'}"
    env = child_env(url)
    manage(env, "migrate", "--no-input", "-v0")
    yield env
    if settings.IS_POSTGRES:
        with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(env, code: str):
    """Run Python in a fresh Django process and return the JSON it prints last."""
    out = manage(env, "shell", "-c", code)
    return json.loads(out.strip().splitlines()[-1])


SNAPSHOT = """
import json
from sources.models import Source, SourceRevision, Passage
from claims.models import Actor
print(json.dumps({
    "sources": Source.objects.count(),
    "revisions": SourceRevision.objects.count(),
    "actors": Actor.objects.count(),
    "passages": sorted(
        Passage.objects.values_list("id", "start", "end", "exact", "revision", "anchor_status")
    ),
    "history": Source.history.count() + Passage.history.count(),
}))
"""


def many_sources(directory: Path, copies: int) -> None:
    manifest = json.loads((SEEDS / "manifest.json").read_text())
    entries = []
    for i in range(copies):
        entry = dict(manifest["sources"][i % 5])
        name = f"copy{i:03d}_{entry['file']}"
        shutil.copy(SEEDS / entry["file"], directory / name)
        entries.append(entry | {"file": name, "title": f"{entry['title']} ({i})"})
    (directory / "manifest.json").write_text(json.dumps({"sources": entries}))


def kill_when(process, pattern: str, stream, timeout: float = 120) -> str:
    """Read the child's output until pattern appears, then SIGKILL it."""
    seen, deadline = "", time.monotonic() + timeout
    fd = stream.fileno()
    os.set_blocking(fd, False)
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            chunk = b""
        if chunk:
            seen += chunk.decode(errors="replace")
            if re.search(pattern, seen):
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=30)
                return seen
        elif process.poll() is not None:
            break
        else:
            time.sleep(0.01)
    process.kill()
    raise AssertionError(f"never saw {pattern!r}; the child printed:\n{seen[-2000:]}")


def test_import_killed_midway_leaves_the_database_as_it_was(fault_db, tmp_path):
    before = query(fault_db, SNAPSHOT)
    many_sources(tmp_path, copies=120)
    child = subprocess.Popen(
        [sys.executable, "manage.py", "import_sources", str(tmp_path)],
        cwd=ROOT,
        env=fault_db,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    # Killed once a tenth of the sources have been written inside the import's transaction.
    progress = kill_when(child, r"\b(1[2-9]|[2-9]\d)/120\b", child.stderr)
    assert child.returncode == -signal.SIGKILL
    assert "/120" in progress
    assert query(fault_db, SNAPSHOT) == before


REANCHOR = """
import json, sys, time
from sources import anchoring, services
from tests import factories

text = " ".join(
    f"Sentence number {i} says the talks will likely fail by {2020 + i % 9}." for i in range(3000)
)
source = factories.make_source(text=text, title="Long source")
for i in range(0, 400):
    quote = f"Sentence number {i * 7} says"
    start = text.index(quote)
    services.passage_create(source=source, start=start, end=start + len(quote), exact=quote)
print("READY", flush=True)

real, calls = anchoring.reanchor, []
def slow_reanchor(*args, **kwargs):
    calls.append(1)
    if len(calls) == 200:
        print("MIDWAY", flush=True)
        time.sleep(60)
    return real(*args, **kwargs)
anchoring.reanchor = slow_reanchor
services.source_update(source=source, text="A new first line.\\n" + text.replace("will likely", "may", 5))
print("FINISHED", flush=True)
"""


def test_reanchoring_killed_midway_leaves_every_passage_and_the_text_as_they_were(fault_db):
    child = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", REANCHOR],
        cwd=ROOT,
        env=fault_db,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    output = kill_when(child, r"MIDWAY", child.stdout, timeout=240)
    assert "READY" in output and "FINISHED" not in output
    after = query(
        fault_db,
        SNAPSHOT.replace(
            "print(", "s = Source.objects.get(title='Long source'); extra = [s.revision, s.text[:17]]\nprint("
        ).replace('"history":', '"source": extra, "history":'),
    )
    assert after["source"] == [1, "Sentence number 0"]
    long_passages = [p for p in after["passages"] if p[3].startswith("Sentence number")]
    assert len(long_passages) == 400
    assert {(p[4], p[5]) for p in long_passages} == {(1, "anchored")}
