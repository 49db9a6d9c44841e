"""`make bench`: the 1M-claim benchmark — the API against the raw-SQL floor and against Datasette.

Steps (each skipped when its result is already there, unless --regenerate):
 1. a PostgreSQL database with `generate_corpus --claims N` (timed);
 2. the API under gunicorn on PostgreSQL, driven by wrk on 127.0.0.1: req/s, p50, p99, and SQL
    queries per request (counted in-process by bench/django_side.py with the same settings);
 3. the floor (bench/floor.py: psycopg + orjson, no framework) under the same gunicorn and load,
    each read endpoint right after the API's, in --rounds rounds (the round with the median
    API/floor ratio is reported, with every round's ratio);
 4. the corpus exported to SQLite (bench/sqlite_export.py), served by Datasette (from PyPI, in
    its own virtualenv) and by the API, compared on a filtered list, a search and a keyset page;
 5. BENCHMARKS.md written with the machine's description and the tables.

Everything listens on 127.0.0.1 only and every load run is bounded by --duration.

PostgreSQL's memory: before the load runs, the benchmark database's tables and indexes (TOAST
included) are read into shared buffers with pg_prewarm, and the Machine section reports
shared_buffers, effective_cache_size, work_mem and the database's size. Where the OS page
cache does not keep the database (some containers), every page not in shared buffers is read
from disk: the search page took 637 ms with the default shared_buffers=128MB and 36 ms with
4GB and prewarmed tables. The run warns when shared_buffers is smaller than the database;
raise it (it needs a restart, which this script does not do):

    psql postgres://postgres@127.0.0.1:5432/postgres -c "ALTER SYSTEM SET shared_buffers = '4GB'"
    # then restart PostgreSQL, e.g. pg_ctlcluster <version> main restart
"""

import argparse
import base64
import contextlib
import datetime as dt
import functools
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PY = sys.executable
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
DEFAULT_DB = "cl_perf_bench"
SEARCH_TERMS = "nord stream"
WRITE = "create claim (token)"
CPUS = os.cpu_count() or 2
WORKERS = 2 * CPUS + 1  # gunicorn's own advice for sync workers
# Throttle counters need a cache every worker shares: Redis when the machine has it (as the README
# advises for production), else the database cache (several SQL statements and a commit per request).
REDIS_PORT = 6390 if shutil.which("redis-server") else None


def log(message: str) -> None:
    print(f"[bench {dt.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# Processes -----------------------------------------------------------------------------------


def manage(env, *args, capture=False):
    return subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, text=True, capture_output=capture
    )


def wait_until_up(url: str, process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server for {url} exited with {process.returncode}")
        try:
            if url.startswith("tcp://"):
                socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=2).close()
                return
            urllib.request.urlopen(url, timeout=2).read()
            return
        except urllib.error.HTTPError:
            return  # up, answering (even 4xx)
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server for {url} did not come up in {timeout}s")


class Server:
    """A server process on 127.0.0.1, stopped (its whole process group) on exit."""

    def __init__(self, name, command, env, port, probe):
        self.name, self.command, self.env, self.port, self.probe = name, command, env, port, probe

    def __enter__(self):
        log(f"starting {self.name}: {' '.join(self.command)}")
        self.log = open(BENCH / f".{self.name}.log", "w")
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if self.probe is None:
            probe = f"tcp://127.0.0.1:{self.port}"
        else:
            probe = f"http://127.0.0.1:{self.port}{self.probe}"
        try:
            wait_until_up(probe, self.process)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.log.close()


def gunicorn(name, app, env, port, probe, workers):
    command = [
        str(Path(PY).parent / "gunicorn"),
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--backlog",
        "256",
        "--log-level",
        "warning",
        "--timeout",
        "60",
    ]
    return Server(name, command, env, port, probe)


# Load ----------------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * _UNITS[unit]


def wrk(url, *, duration, connections, threads=2, script=None, warmup=2) -> dict:
    """Run wrk and parse requests/s, p50, p99 and the count of non-2xx answers."""
    base = ["wrk", f"-t{threads}", f"-c{connections}", "--latency", "--timeout", "10s"]
    if script:
        base += ["-s", str(script)]
    if warmup:
        subprocess.run([*base, f"-d{warmup}s", url], capture_output=True, text=True, check=True)
    busy_before, processes_before, wrk_before = busy_cpu_ms(), process_cpu_ms(), children_cpu_ms()
    out = subprocess.run([*base, f"-d{duration}s", url], capture_output=True, text=True, check=True).stdout
    busy = busy_cpu_ms() - busy_before
    split = {group: spent - processes_before[group] for group, spent in process_cpu_ms().items()}
    split["wrk"] = children_cpu_ms() - wrk_before
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+(?:us|ms|s|m))\s*$", out, re.MULTILINE))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return {
        "rps": rps,
        # The whole machine's: the server, PostgreSQL, Redis and wrk itself.
        "cpu_ms": busy / total if total else None,
        # Of that, by process: the server's, PostgreSQL's, Redis's and wrk's (ms per request).
        "cpu_split": {group: spent / total for group, spent in split.items()} if total else None,
        "p50": _ms(latency["50"]),
        "p99": _ms(latency["99"]),
        "requests": total,
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1).strip() if socket_errors else "",
    }


def busy_cpu_ms() -> float:
    """CPU time this machine has spent busy since boot, all cores, in ms: user, nice, system and
    interrupts (idle, I/O wait, and time the hypervisor gave to other machines left out)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    user, nice, system, _idle, _iowait, irq, softirq = fields
    return (user + nice + system + irq + softirq) * 1000 / os.sysconf("SC_CLK_TCK")


def children_cpu_ms() -> float:
    """CPU time spent by this process's finished children (each wrk run), in ms."""
    times = os.times()
    return (times.children_user + times.children_system) * 1000


SERVER_COMMANDS = (b"gunicorn", b"datasette")


def process_cpu_ms() -> dict[str, float]:
    """CPU time (user and system) spent so far by the processes a run measures, in ms, by kind:
    the server's (gunicorn or Datasette, master and workers), PostgreSQL's and Redis's. A process
    that ended in between is not counted: the servers and their database connections live
    through a run."""
    spent = dict.fromkeys(("server", "postgres", "redis"), 0.0)
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:  # ended meanwhile
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()  # from the third field of proc_pid_stat(5)
        ticks = int(fields[11]) + int(fields[12])  # utime, stime
        if name == "postgres":
            spent["postgres"] += ticks * tick_ms
        elif name.startswith("redis-server"):
            spent["redis"] += ticks * tick_ms
        elif any(word in command for word in SERVER_COMMANDS):
            spent["server"] += ticks * tick_ms
    return spent


def fetch(url, *, data=None, headers=None) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def post_script(path: Path, body: dict, headers: dict) -> Path:
    lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(json.dumps(body))}"]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


# Steps ---------------------------------------------------------------------------------------


def database_url(name: str) -> str:
    return f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"


def psql(sql: str, db: str = "postgres") -> str:
    return subprocess.run(
        ["psql", database_url(db), "-tAc", sql], capture_output=True, text=True, check=True
    ).stdout.strip()


def ensure_corpus(args, env) -> float | None:
    """Create and fill the benchmark database unless it already holds the corpus."""
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{args.database}'") == "1"
    if exists and not args.regenerate:
        held = psql("SELECT count(*) FROM claims_claim", args.database) if exists else "0"
        if int(held or 0) >= args.claims:
            log(f"{args.database} already holds {held} claims; reusing it (--regenerate to rebuild)")
            return None
    psql(f"DROP DATABASE IF EXISTS {args.database}")
    psql(f"CREATE DATABASE {args.database}")
    manage(env, "migrate", "--no-input", "-v0")
    log(f"generating {args.claims:,} claims")
    started = time.monotonic()
    manage(env, "generate_corpus", "--claims", str(args.claims))
    return time.monotonic() - started


def postgres_memory(database: str) -> dict:
    """The memory settings the server runs with, and the benchmark database's size."""
    sizes = psql(
        "SELECT (SELECT setting::bigint * pg_size_bytes(unit) FROM pg_settings "
        f"WHERE name = 'shared_buffers'), pg_database_size('{database}')"
    )
    shared_bytes, database_bytes = (int(value) for value in sizes.split("|"))
    return {
        "shared_buffers": psql("SHOW shared_buffers"),
        "effective_cache_size": psql("SHOW effective_cache_size"),
        "work_mem": psql("SHOW work_mem"),
        "shared_buffers_bytes": shared_bytes,
        "database_bytes": database_bytes,
    }


def memory_warning(memory: dict) -> str | None:
    if memory["shared_buffers_bytes"] >= memory["database_bytes"]:
        return None
    return (
        f"shared_buffers ({memory['shared_buffers']}) is smaller than the database "
        f"({memory['database_bytes'] / 1024**2:,.0f} MB): pages that do not fit are read from disk "
        "whenever the OS page cache does not keep them, and the numbers measure the disk. "
        "Raise it: ALTER SYSTEM SET shared_buffers = '4GB', then restart PostgreSQL (see bench/run.py)."
    )


def prewarm(database: str) -> float:
    """Read the database's tables, indexes and TOAST tables into shared buffers; the seconds it took."""
    started = time.monotonic()
    psql("CREATE EXTENSION IF NOT EXISTS pg_prewarm", database)
    blocks = psql(
        "SELECT sum(pg_prewarm(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 'i', 't', 'm')",
        database,
    )
    seconds = time.monotonic() - started
    log(f"prewarmed {int(blocks or 0) * 8 / 1024:,.0f} MB of {database} with pg_prewarm in {seconds:.1f} s")
    return seconds


WRITE_STATEMENT = "Sanctions will likely be extended by 2030."  # the write runs' claim


def remove_bench_writes(database: str) -> None:
    """Delete the draft claims the write runs created (and their history), so reruns measure
    the same corpus: a run adds ~25,000 of them, newer than every generated claim. Then vacuum
    and checkpoint, so the reads that come next do not share the cores with the writes' cleanup
    (the floor's reads run right after the API's write run)."""
    removed = psql(
        "WITH gone AS (DELETE FROM claims_claim WHERE statement = $$"
        + WRITE_STATEMENT
        + "$$ AND review_state = 'draft' RETURNING id), "
        "history AS (DELETE FROM claims_historicalclaim WHERE id IN (SELECT id FROM gone)) "
        "SELECT count(*) FROM gone",
        database,
    )
    log(f"removed {int(removed or 0):,} claims written by the benchmark")
    psql("VACUUM ANALYZE claims_claim", database)
    psql("VACUUM ANALYZE claims_historicalclaim", database)
    psql("CHECKPOINT", database)


def machine() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // 1024**2
    versions = subprocess.run(
        [PY, "-c", "import django, rest_framework, gunicorn, psycopg; print(django.__version__, "
         "rest_framework.__version__, gunicorn.__version__, psycopg.__version__)"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return {
        "cpu": cpu,
        "cores": CPUS,
        "memory_gb": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "postgres": psql("SHOW server_version"),
        "django": versions[0],
        "drf": versions[1],
        "gunicorn": versions[2],
        "psycopg": versions[3],
        "wrk": wrk_version.strip(),
    }


def cursor_token(after_id: int) -> str:
    raw = json.dumps({"o": "id", "v": [after_id]}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def app_env(database: str, extra=None) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database,
            "SECRET_KEY": "bench-only-not-a-secret",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_COOKIES": "0",
            "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback, as behind a TLS-terminating proxy
            # The load comes from one address; production rates would answer 429 within a second.
            "THROTTLE_ANON": "100000000/min",
            "THROTTLE_USER": "100000000/min",
            "THROTTLE_WRITE": "100000000/min",
            "LOG_LEVEL": "ERROR",
        }
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if REDIS_PORT:
        env["REDIS_URL"] = f"redis://127.0.0.1:{REDIS_PORT}/0"
    env.update(extra or {})
    return env


_server_factory = None


@contextlib.contextmanager
def fresh_server_per_run(factory):
    """Each load run gets a freshly started server: requests a slow endpoint left queued behind it
    (sync workers finish what they accepted, even after wrk has gone) cannot slow the next one."""
    global _server_factory
    _server_factory = factory
    try:
        yield
    finally:
        _server_factory = None


def run_load(
    name, url, args, results, *, script=None, check_data=None, check_headers=None, single=True, label=""
):
    """Load one endpoint at args.connections; with single, then time it with one connection too
    (p50_single: a request's own latency, without waiting behind 15 others on two cores)."""
    with _server_factory() if _server_factory else contextlib.nullcontext():
        status, body, headers = fetch(url, data=check_data, headers=check_headers)
        if status >= 300:
            raise SystemExit(f"{name}: {url} answered {status}: {body[:300]!r}")
        result = wrk(url, duration=args.duration, connections=args.connections, script=script)
        if single:
            time.sleep(1)  # let the workers finish what the loaded run left queued
            alone = wrk(url, duration=max(3, args.duration // 2), connections=1, threads=1, warmup=0)
            result["p50_single"] = alone["p50"] if alone["requests"] else None
    result["bytes"] = len(body)
    result["x_queries"] = headers.get("X-Queries")
    results[name] = result
    log(f"{label}{name}: {result['rps']:.0f} req/s, p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms"
        + (f", {result['non_2xx']} non-2xx" if result["non_2xx"] else "")
        + (f", socket errors {result['socket_errors']}" if result["socket_errors"] else ""))  # fmt: skip
    return result


def api_side(args, params, port=8801) -> dict:
    """The API under gunicorn: its read URLs, its write, and its SQL statements per request
    (counted in process by bench/django_side.py with the same settings)."""
    db = database_url(args.database)
    env = app_env(db)
    base = f"http://127.0.0.1:{port}/api/v1"
    topic, claimant, deep = params["topic"], params["claimant"], params["deep_id"]
    endpoints = {
        "claims by topic+state": f"{base}/claims/?topic={topic}&review_state=published",
        "forecasts by claimant+status": f"{base}/forecasts/?claimant={claimant}&status=due",
        "search": f"{base}/claims/?search={quote(SEARCH_TERMS)}",
        "cursor page (deep)": f"{base}/claims/?pagination=cursor&cursor={cursor_token(deep)}",
        "source detail": f"{base}/sources/{params['source']}/",
        "track record (top claimant)": f"{base}/actors/{claimant}/track-record/",
    }
    write_body = {
        "passage": params["passage"],
        "statement": WRITE_STATEMENT,
        "kind": "assertion",
        "claimant": claimant,
        "topics": [],
    }
    write_headers = {"Authorization": f"Token {params['token']}", "Content-Type": "application/json"}
    counts_spec = [
        {"name": n, "url": u.replace(f"http://127.0.0.1:{port}", "")} for n, u in endpoints.items()
    ]
    counts_spec.append(
        {"name": WRITE, "method": "POST", "url": "/api/v1/claims/", "body": write_body,
         "token": params["token"]}
    )  # fmt: skip
    counts = json.loads(
        subprocess.run(
            [PY, str(BENCH / "django_side.py"), "count"],
            input=json.dumps(counts_spec),
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    return {
        "label": "API ",
        "server": lambda: gunicorn(
            "api-postgres", "config.wsgi:application", env, port, "/api/v1/topics/", args.workers
        ),
        "reads": endpoints,
        "write": (f"{base}/claims/", write_body, write_headers, BENCH / ".post_claim.lua"),
        "queries": {name: count["queries"] for name, count in counts.items()},
    }


WRITE_HEADERS = {"Content-Type": "application/json"}


def floor_side(args, params, port=8802) -> dict:
    """The floor (bench/floor.py) under the same gunicorn: the same reads and write. It reports
    its own statements per request in an X-Queries header."""
    env = dict(os.environ, FLOOR_DATABASE_URL=database_url(args.database))
    base = f"http://127.0.0.1:{port}/floor"
    topic, claimant, deep = params["topic"], params["claimant"], params["deep_id"]
    endpoints = {
        "claims by topic+state": f"{base}/claims?topic={topic}&review_state=published",
        "forecasts by claimant+status": f"{base}/forecasts?claimant={claimant}&status=due",
        "search": f"{base}/search?search={quote(SEARCH_TERMS)}",
        "cursor page (deep)": f"{base}/cursor?after={deep}",
        "source detail": f"{base}/source?id={params['source']}",
        "track record (top claimant)": f"{base}/track-record?actor={claimant}",
    }
    write_body = {"passage": params["passage"], "statement": WRITE_STATEMENT,
                  "kind": "assertion", "claimant": claimant, "topics": []}  # fmt: skip
    return {
        "label": "floor ",
        "server": lambda: gunicorn(
            "floor", "bench.floor:app", env, port, f"/floor/source?id={params['source']}", args.workers
        ),
        "reads": endpoints,
        "write": (f"{base}/claims", write_body, WRITE_HEADERS, BENCH / ".post_floor.lua"),
        "queries": None,
    }


def bench_reads(args, api: dict, floor: dict) -> tuple[dict, dict]:
    """Each read endpoint in args.rounds rounds, the API's run and the floor's back to back in
    each, so both see the machine at the same speed: on a shared machine it moves by a third
    within minutes, and a ratio from runs minutes apart moved with it. Reported for each
    endpoint: the round whose API/floor ratio is the median, with every round's ratio."""
    rounds = []
    for number in range(1, args.rounds + 1):
        log(f"round {number} of {args.rounds}")
        api_round, floor_round = {}, {}
        for name in api["reads"]:
            for side, results in ((api, api_round), (floor, floor_round)):
                with fresh_server_per_run(side["server"]):
                    run_load(name, side["reads"][name], args, results, label=side["label"])
        rounds.append((api_round, floor_round))
    api_results, floor_results = {}, {}
    for name in api["reads"]:
        ratios = [a[name]["rps"] / f[name]["rps"] if f[name]["rps"] else 0.0 for a, f in rounds]
        middle = sorted(range(len(rounds)), key=ratios.__getitem__)[(len(rounds) - 1) // 2]
        api_results[name] = {**rounds[middle][0][name], "round_ratios": ratios}
        floor_results[name] = rounds[middle][1][name]
    return api_results, floor_results


def bench_write(args, side: dict, results: dict) -> None:
    """The side's write (a claim created per request) under the same load, on a fresh server."""
    url, body, headers, lua = side["write"]
    script = post_script(lua, body, headers)
    with fresh_server_per_run(side["server"]):
        run_load(WRITE, url, args, results, script=script, check_data=json.dumps(body).encode(),
                 check_headers=headers, single=False, label=side["label"])  # fmt: skip


def with_queries(results: dict, side: dict) -> dict:
    for name, result in results.items():
        if side["queries"] is not None:
            result["queries"] = side["queries"][name]
        else:
            result["queries"] = int(result["x_queries"]) if result["x_queries"] else None
    return results


STACK_FLOOR = "the floor: psycopg and orjson, its SQL on each request"
STACK_API = "the API: DRF, its SQL, ETag and throttle on each request"


def bench_stack(args, params, api: dict, floor: dict, port=8805) -> dict:
    """What the stack costs before any work, and what a path around DRF would gain: the source
    detail answered by the floor, by a plain Django view and a DRF view that keep its JSON in
    memory (each with and without the throttle's counter), by a plain Django view doing the
    detail's work (throttle counter, SQL, ETag), and by the API (bench/stack_urls.py), back to
    back under the same gunicorn and load."""
    env = app_env(database_url(args.database), {"DJANGO_SETTINGS_MODULE": "bench.stack_settings"})
    base = f"http://127.0.0.1:{port}/_stack"
    source = params["source"]
    stack_server = functools.partial(
        gunicorn, "stack", "config.wsgi:application", env, port, "/api/v1/topics/", args.workers
    )
    runs = [
        (STACK_FLOOR, floor["server"], floor["reads"]["source detail"]),
        ("a Django view, the JSON in memory, no SQL", stack_server, f"{base}/django/{source}/"),
        (
            "a Django view, the JSON in memory, the throttle counter",
            stack_server,
            f"{base}/django-throttled/{source}/",
        ),
        ("a DRF view, the JSON in memory, no throttle", stack_server, f"{base}/drf-unthrottled/{source}/"),
        ("a DRF view, the JSON in memory, its throttles", stack_server, f"{base}/drf/{source}/"),
        (
            "a Django view doing the detail's work without DRF: throttle counter, SQL, ETag",
            stack_server,
            f"{base}/lean/{source}/",
        ),
        (STACK_API, api["server"], api["reads"]["source detail"]),
    ]
    results = {}
    for name, server, url in runs:
        with fresh_server_per_run(server):
            run_load(name, url, args, results)
    return results


def datasette_bin() -> Path:
    venv = BENCH / ".venv-datasette"
    binary = venv / "bin" / "datasette"
    if not binary.exists():
        log("installing Datasette from PyPI into bench/.venv-datasette")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "datasette>=0.65"], check=True)
    return binary


def bench_peer(args, params) -> dict:
    sqlite_path = Path(args.sqlite).resolve()
    if args.regenerate or not sqlite_path.exists():
        log(f"exporting the corpus to {sqlite_path}")
        started = time.monotonic()
        subprocess.run(
            [PY, str(BENCH / "sqlite_export.py"), database_url(args.database), str(sqlite_path)], cwd=ROOT,
            check=True, env=app_env(f"sqlite:///{sqlite_path}"),
        )  # fmt: skip
        log(f"exported in {time.monotonic() - started:.0f}s")
    claimant, deep = params["claimant"], params["deep_id"]
    api_port, ds_port = 8803, 8804
    api = f"http://127.0.0.1:{api_port}/api/v1/claims/"
    db_name = sqlite_path.stem
    ds = f"http://127.0.0.1:{ds_port}/{db_name}/claims_claim.json"
    pairs = {
        "filtered list": (
            f"{api}?claimant={claimant}&review_state=published&ordering=id",
            f"{ds}?claimant_id={claimant}&review_state=published&_size=50",
        ),
        "search": (
            f"{api}?search={quote(SEARCH_TERMS)}",
            f"{ds}?_search={quote(SEARCH_TERMS)}&review_state=published&_size=50",
        ),
        "keyset page (deep)": (
            f"{api}?pagination=cursor&cursor={cursor_token(deep)}",
            f"{ds}?review_state=published&_next={deep}&_size=50",
        ),
    }
    results = {}
    env = app_env(f"sqlite:///{sqlite_path}")
    with fresh_server_per_run(
        lambda: gunicorn(
            "api-sqlite", "config.wsgi:application", env, api_port, "/api/v1/topics/", args.workers
        )
    ):
        for name, (url, _) in pairs.items():
            run_load(f"api {name}", url, args, results, single=False)
    command = [
        str(datasette_bin()), "serve", "--immutable", str(sqlite_path), "--host", "127.0.0.1",
        "--port", str(ds_port), "--setting", "sql_time_limit_ms", "10000",
    ]  # fmt: skip
    with fresh_server_per_run(
        lambda: Server("datasette", command, dict(os.environ), ds_port, f"/{db_name}.json")
    ):
        for name, (_, url) in pairs.items():
            run_load(f"datasette {name}", url, args, results, single=False)
    return results


# Report --------------------------------------------------------------------------------------


def fmt_row(cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def rps(result) -> str:
    return f"{result['rps']:.0f}" if result.get("requests") else "0 (all > 10 s)"


def ms(result, key) -> str:
    return f"{result[key]:.1f}" if result.get("requests") else "> 10000"


def single(result) -> str:
    value = result.get("p50_single")
    return "–" if value is None else f"{value:.1f}"


def cpu(result) -> str:
    value = result.get("cpu_ms")
    return "–" if value is None else f"{value:.2f}"


def ratio(a, b, style="percent") -> str:
    if not b.get("requests"):
        return "–"
    value = a["rps"] / b["rps"]
    return f"{value:.0%}" if style == "percent" else f"{value:.2f}×"


def round_ratios(result) -> str:
    """Every round's API/floor ratio, in the order they ran ('–' for a write, run once)."""
    ratios = result.get("round_ratios") or []
    return ", ".join(f"{value:.0%}" for value in ratios) if len(ratios) > 1 else "–"


# The CPU split's groups (as process_cpu_ms and wrk() name them) and their column headings.
CPU_GROUPS = {"server": "server", "postgres": "PostgreSQL", "redis": "Redis", "wrk": "wrk"}


def cpu_split_lines(api: dict, floor: dict) -> list[str]:
    """Where each endpoint's machine CPU went, API and floor, in the runs of the table above
    (absent from runs before it was kept)."""
    if not any(result.get("cpu_split") for result in api.values()):
        return []

    def cells(result) -> list[str]:
        split = (result or {}).get("cpu_split")
        return [f"{split[group]:.2f}" for group in CPU_GROUPS] if split else ["–"] * len(CPU_GROUPS)

    names = CPU_GROUPS.values()
    lines = [
        "",
        "### Where the CPU went",
        "",
        "The CPU ms/req above, by process, in the same runs: the server's (gunicorn's master and "
        "workers: Django and DRF for the API, psycopg and orjson for the floor), PostgreSQL's, "
        "Redis's (the API's throttle counter) and wrk's. What is left of CPU ms/req is the kernel's "
        "work on no process's account (interrupts, network) and other processes.",
        "",
        fmt_row(["endpoint", *(f"API {n}" for n in names), *(f"floor {n}" for n in names)]),
        fmt_row(["---"] * (1 + 2 * len(names))),
    ]
    for name, result in api.items():
        lines.append(fmt_row([name, *cells(result), *cells(floor.get(name))]))
    return lines


def stack_lines(stack) -> list[str]:
    """The stack's own cost, each row against the floor's source detail run just before it."""
    base = stack[STACK_FLOOR]
    lines = [
        "",
        "## What the stack costs before any work",
        "",
        "The source detail (the same bytes), answered back to back under the same gunicorn and load by "
        "the floor, by a plain Django view and a DRF view that keep its JSON in memory (the project's "
        "settings, middleware, authentication and renderer; no SQL), each with and without the "
        "anonymous throttle's counter (one Redis command), by a plain Django view "
        "that does the detail's work without DRF (the anonymous throttle's Redis counter, the prepared "
        "statement, the ETag; bench/stack_urls.py), and by the API.",
        "",
        fmt_row(["answered by", "req/s", "p50 ms", "p99 ms", "p50 ms, 1 conn", "CPU ms/req", "of the floor"]),
        fmt_row(["---"] * 7),
    ]
    for name, result in stack.items():
        cells = [name, rps(result), ms(result, "p50"), ms(result, "p99"), single(result), cpu(result)]
        lines.append(fmt_row([*cells, ratio(result, base)]))
    return lines


def postgres_lines(info: dict) -> list[str]:
    """The Machine section's lines on PostgreSQL's memory (absent from runs before they were kept)."""
    memory = info.get("postgres_memory")
    if memory is None:
        return []
    prewarmed = info.get("prewarm_seconds")
    lines = [
        f"- PostgreSQL memory: shared_buffers {memory['shared_buffers']}, effective_cache_size "
        f"{memory['effective_cache_size']}, work_mem {memory['work_mem']}; database "
        f"{memory['database_bytes'] / 1024**2:,.0f} MB"
        + (
            f", its tables and indexes read into shared buffers with pg_prewarm in {prewarmed:.0f} s "
            "before the load"
            if prewarmed is not None
            else ""
        )
        + "."
    ]
    warning = memory_warning(memory)
    if warning:
        lines.append(f"- **Warning: {warning}**")
    return lines


def finished_now() -> str:
    return f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}"


def rounds_of(api: dict) -> int:
    return max((len(result.get("round_ratios") or [None]) for result in api.values()), default=1)


def report(args, info, params, generated, api, floor, peer, stack) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `make bench` (bench/run.py) on {info.get('finished') or finished_now()} UTC. "
        "Rerun it to refresh.",
        "",
        "## Machine",
        "",
        f"- CPU: {info['cpu']}, {info['cores']} cores (the load generator runs on the same cores); "
        f"{info['memory_gb']} GB RAM; {info['os']}",
        f"- Python {info['python']}, Django {info['django']}, DRF {info['drf']}, gunicorn {info['gunicorn']} "
        f"({args.workers} sync workers), psycopg {info['psycopg']}, PostgreSQL {info['postgres']}, "
        f"{info['wrk']}",
        "- Throttle cache: "
        + ("Redis (REDIS_URL, a local redis-server)" if REDIS_PORT else "the database cache")
        + "; throttle rates raised so the load is not answered with 429.",
        f"- Load: wrk, 2 threads, {args.connections} connections, {args.duration} s per endpoint after a 2 s "
        f"warm-up, on 127.0.0.1. Each read endpoint runs in {rounds_of(api)} rounds with the floor's run "
        "right after the API's; the table shows the round whose API/floor ratio is the median, and "
        "every round's ratio.",
        *postgres_lines(info),
        f"- Corpus: {params['claims']:,} claims (`generate_corpus --claims {args.claims}`)"
        + (f", generated in {generated:.0f} s" if generated else "")
        + ". Generated rows have no history (django-simple-history) rows: they were never edited.",
        f"- Parameters: topic `{params['topic']}`, the most prolific claimant (id {params['claimant']}), "
        f"search `{SEARCH_TERMS}`, cursor after claim id {params['deep_id']:,}, source {params['source']}.",
        "",
        "## The API against the floor (PostgreSQL)",
        "",
        "The floor is bench/floor.py: the same JSON from hand-written SQL with psycopg and orjson, under the "
        "same gunicorn. Queries: SQL statements per request (API counted in-process with the same settings, "
        'throttle cache included). "1 conn": the median with a single client, after the loaded run: a '
        f"request's own time, where at {args.connections} connections on these cores most of the p50 is "
        "waiting for a worker. CPU ms/req: the whole machine's busy CPU time during the loaded run "
        "(server, PostgreSQL, Redis and wrk) divided by the requests answered.",
        "",
        fmt_row(
            [
                "endpoint",
                "req/s",
                "p50 ms",
                "p99 ms",
                "p50 ms, 1 conn",
                "CPU ms/req",
                "queries",
                "floor req/s",
                "floor p50 ms",
                "floor p99 ms",
                "floor p50 ms, 1 conn",
                "floor CPU ms/req",
                "floor queries",
                "API/floor",
                "API/floor, each round",
            ]
        ),
        fmt_row(["---"] * 15),
    ]
    for name, result in api.items():
        base = floor.get(name, {})
        flag = f" ({result['non_2xx']} non-2xx!)" if result["non_2xx"] else ""
        lines.append(
            fmt_row(
                [
                    name + flag,
                    rps(result),
                    ms(result, "p50"),
                    ms(result, "p99"),
                    single(result),
                    cpu(result),
                    result.get("queries", "–"),
                    rps(base) if base else "–",
                    ms(base, "p50") if base else "–",
                    ms(base, "p99") if base else "–",
                    single(base),
                    cpu(base),
                    base.get("queries", "–"),
                    ratio(result, base),
                    round_ratios(result),
                ]
            )
        )
    lines += cpu_split_lines(api, floor)
    if STACK_FLOOR in stack:
        lines += stack_lines(stack)
    if peer:
        lines += [
            "",
            "## The API against Datasette (the same SQLite file)",
            "",
            "bench/sqlite_export.py copies the PostgreSQL corpus into SQLite (with an FTS5 index on claim "
            "statements for Datasette's `_search`). Datasette runs with its defaults (one process), except "
            "sql_time_limit_ms raised to 10 s so slow queries are timed rather than cut off.",
            "",
            fmt_row(
                [
                    "endpoint",
                    "API req/s",
                    "API p50 ms",
                    "API p99 ms",
                    "Datasette req/s",
                    "Datasette p50 ms",
                    "Datasette p99 ms",
                    "API/Datasette",
                ]
            ),
            fmt_row(["---"] * 8),
        ]
        for name in ("filtered list", "search", "keyset page (deep)"):
            a, d = peer[f"api {name}"], peer[f"datasette {name}"]
            lines.append(
                fmt_row(
                    [
                        name,
                        rps(a),
                        ms(a, "p50"),
                        ms(a, "p99"),
                        rps(d),
                        ms(d, "p50"),
                        ms(d, "p99"),
                        ratio(a, d, "times") if d.get("requests") else "API ahead (Datasette timed out)",
                    ]
                )
            )
    findings = BENCH / "findings.md"
    if findings.exists():
        lines += ["", findings.read_text().rstrip()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--database", default=DEFAULT_DB, help="PostgreSQL database to fill and serve.")
    parser.add_argument("--sqlite", default=str(BENCH / ".data" / "claimledger_bench.sqlite3"))
    parser.add_argument("--duration", type=int, default=10, help="Seconds of load per endpoint.")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--rounds", type=int, default=3, help="Rounds of the read endpoints, API and floor back to back."
    )
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--regenerate", action="store_true", help="Rebuild the corpus and the SQLite copy.")
    parser.add_argument("--skip-peer", action="store_true", help="Skip the Datasette comparison.")
    parser.add_argument("--report-only", action="store_true", help="Rewrite BENCHMARKS.md from the last run.")
    parser.add_argument(
        "--peer-only",
        action="store_true",
        help="Rerun only the Datasette comparison (API/floor from the last run).",
    )
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument(
        "--database-cache",
        action="store_true",
        help="Throttle on the database cache even where Redis is installed.",
    )
    args = parser.parse_args()
    if args.report_only:
        rewrite_report(args)
        return
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    Path(args.sqlite).parent.mkdir(parents=True, exist_ok=True)

    with contextlib.ExitStack() as stack:
        if REDIS_PORT and not args.database_cache:
            stack.enter_context(
                Server(
                    "redis",
                    ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", ""],
                    dict(os.environ),
                    REDIS_PORT,
                    None,
                )
            )
        elif args.database_cache:
            globals()["REDIS_PORT"] = None
        run(args)


def rewrite_report(args) -> None:
    """BENCHMARKS.md again from the last run's numbers (e.g. after editing bench/findings.md)."""
    last = json.loads((BENCH / ".data" / "last_run.json").read_text())
    text = report(
        args, last["machine"], last["params"], last.get("generated"), last["api"], last["floor"],
        last["peer"], last.get("stack", {}),
    )  # fmt: skip
    Path(args.output).write_text(text)
    print(text)


def run(args) -> None:
    env = app_env(database_url(args.database), {"DEBUG": "1"})
    generated = ensure_corpus(args, env)
    params = json.loads(
        subprocess.run(
            [PY, str(BENCH / "django_side.py"), "prepare"],
            env=app_env(database_url(args.database)),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    info = machine()
    info["postgres_memory"] = memory = postgres_memory(args.database)
    warning = memory_warning(memory)
    if warning:
        log(f"WARNING: {warning}")
    last_run = BENCH / ".data" / "last_run.json"
    if args.peer_only and last_run.exists():
        previous = json.loads(last_run.read_text())
        api, floor, stack = previous["api"], previous["floor"], previous.get("stack", {})
    else:
        info["prewarm_seconds"] = prewarm(args.database)
        api_spec, floor_spec = api_side(args, params), floor_side(args, params)
        try:
            api, floor = bench_reads(args, api_spec, floor_spec)
            bench_write(args, api_spec, api)
            remove_bench_writes(args.database)
            bench_write(args, floor_spec, floor)
        finally:
            remove_bench_writes(args.database)
        api, floor = with_queries(api, api_spec), with_queries(floor, floor_spec)
        stack = bench_stack(args, params, api_spec, floor_spec)
        (BENCH / ".data").mkdir(exist_ok=True)
        last_run.write_text(json.dumps({"api": api, "floor": floor, "stack": stack}, indent=2))
    peer = {} if args.skip_peer else bench_peer(args, params)
    info["finished"] = finished_now()  # kept, so --report-only does not restamp the run
    text = report(args, info, params, generated, api, floor, peer, stack)
    Path(args.output).write_text(text)
    (BENCH / ".data").mkdir(exist_ok=True)
    (BENCH / ".data" / "last_run.json").write_text(
        json.dumps(
            {
                "params": {k: v for k, v in params.items() if k != "token"},
                "api": api,
                "floor": floor,
                "stack": stack,
                "peer": peer,
                "machine": info,
                "generated": generated,
            },
            indent=2,
        )
    )
    print(text)


if __name__ == "__main__":
    main()
