"""The unread-count endpoint under concurrent load: django-eyt-notify against django-notifications-community.

    python benchmarks/notify_center/run.py                    # 1,000,000 notifications over 100,000 users
    python benchmarks/notify_center/run.py --reuse --duration 8
    python benchmarks/notify_center/run.py --duration 5 --users 10000 --notifications 100000

Both apps get the same rows (one ``INSERT ... SELECT generate_series`` each, a third of them unread) and are served
by the same server process, with the same settings, sessions and cache: gunicorn (2 sync workers, one connection per
request) and uvicorn (2 worker processes, keep-alive), one after the other. Sessions are read from the cache for both
sides (``cached_db`` by default: Redis, the database only on a miss). wrk loads each endpoint at 2 and 16
connections, each request as one of ``--sessions`` logged-in users, and every response is checked: a run with any
answer that is not a 200 with ``{"unread_count": <n>}`` (or with socket errors) aborts the benchmark instead of
printing a figure. Before the load, one request per side and user through the server must answer that user's count
in the database. Queries per request are counted in-process on warm caches. Ours is served as the README documents,
behind ``UnreadCountFastPath`` (``eyt_notify.wsgi`` under gunicorn, ``eyt_notify.asgi`` under uvicorn; each wrk
request carries the hint cookie a browser holds after its first answer; in-process, the WSGI one must answer 20 warm
requests without handing one to Django), and the same view is also loaded at a path the wrapper does not take. A
second server of the same kind with Django's default database sessions serves community's count as installed out
of the box (3 queries a request, the setup of the 288 requests/s that FIELD_NOTES reports), for one more ratio. For
scale, the same load on a view that answers a constant (same server, settings and middleware, no session, cache or
query) gives the ceiling of any Django view on the machine measured: no count endpoint inside Django can exceed its
ratio; and a function that answers a constant before Django, the ceiling of anything the server serves. The database named by
BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/eyt_bench_notify_center) is dropped and created
(kept with ``--reuse``); only this benchmark's keys are removed from Redis (REDIS_URL).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/eyt_bench_notify_center")
OURS, THEIRS, CEILING = "django-eyt-notify", "notifications-community", "ceiling: a constant view"
OURS_VIEW = "django-eyt-notify, Django view only"
BARE = "ceiling: a constant function before Django"
ENDPOINTS = {
    OURS: "/notifications/unread-count/",
    THEIRS: "/inbox/notifications/api/unread_count/",
}
#: What each server loads: ours as the README documents it, UnreadCountFastPath (eyt_notify.wsgi under gunicorn,
#: eyt_notify.asgi under uvicorn) in front of Django, next to the same view reached without it. With database
#: sessions (which the fast path refuses) ours is the view alone.
LOADED = {
    **ENDPOINTS,
    OURS_VIEW: "/bench/eyt-view/unread-count/",
    CEILING: "/ceiling/",
    BARE: "/bench/bare/",
}
FAST_LABEL = "django-eyt-notify, UnreadCountFastPath"
#: Community as installed with Django's default sessions (a query each), the setup of the issue's 288 requests/s:
#: served by a second server of the same kind with ``SESSION_ENGINE`` ``db`` (the cached_db sessions are in the
#: database too).
THEIRS_DEFAULT = "notifications-community, database sessions (Django's default)"
#: The unread rows each side's endpoint counts, for the check of the answers.
EXPECTED_SQL = {
    OURS: "SELECT count(*) FROM eyt_notify_notification WHERE recipient_id = %s AND read_at IS NULL"
    " AND (expires_at IS NULL OR expires_at > now())",
    THEIRS: "SELECT count(*) FROM notifications_notification WHERE recipient_id = %s AND unread",
}
SESSION_ENGINES = {
    "cached_db": "django.contrib.sessions.backends.cached_db",
    "cache": "django.contrib.sessions.backends.cache",
    "db": "django.contrib.sessions.backends.db",  # the baseline: a session query per request
}
SERVERS = ("gunicorn", "uvicorn")


class BenchmarkError(RuntimeError):
    """A run that did not measure what it claims (failed requests, wrong answers): no figure is printed."""


def recreate_database() -> None:
    import psycopg

    parts = urlsplit(URL)
    name = parts.path.lstrip("/")
    admin = f"host={parts.hostname} port={parts.port or 5432} user={parts.username} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    os.environ["BENCH_DATABASE_URL"] = URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")
    sys.path.insert(0, str(HERE))
    import django

    django.setup()


def clear_cache() -> None:
    """Remove this benchmark's keys (its KEY_PREFIX) only: ``cache.clear()`` would empty a Redis others share."""
    from django.conf import settings
    from django.core.cache import cache

    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    keys = list(client.scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}:*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])


def generate(users: int, notifications: int) -> None:
    """Users, then the same notifications for both apps, each with one INSERT ... SELECT generate_series."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    user_type = ContentType.objects.get(app_label="auth", model="user").pk
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff,"
            " is_active, date_joined) SELECT '!bench', false, 'user' || g, '', '', '', false, true, now()"
            " FROM generate_series(1, %s) g",
            [users],
        )
        cursor.execute(
            "INSERT INTO eyt_notify_notification (recipient_id, notification_type, category, title, message,"
            " priority, action_url, data, context, target_object_id, created_at, read_at)"
            " SELECT (g %% %s) + 1, 'match.starting', 'matches', 'Match ' || g, '', 'normal', '', '{}', '{}', '',"
            " now() - g * interval '1 second', CASE WHEN g %% 3 = 0 THEN NULL ELSE now() END"
            " FROM generate_series(1, %s) g",
            [users, notifications],
        )
        cursor.execute(
            "INSERT INTO notifications_notification (level, recipient_id, unread, actor_content_type_id,"
            " actor_object_id, verb, timestamp, public, deleted, emailed)"
            " SELECT 'info', (g %% %s) + 1, g %% 3 = 0, %s, '1', 'Match ' || g, now() - g * interval '1 second',"
            " true, false, false FROM generate_series(1, %s) g",
            [users, user_type, notifications],
        )
        cursor.execute("ANALYZE")


def make_sessions(count: int, users: int, path: Path) -> dict[str, int]:
    """Logged-in sessions of ``count`` users spread over the table (session key: user id), one Cookie header a line
    for wrk: the session and the hint cookie the Django view sets behind UnreadCountFastPath (as a browser sends them
    after its first request).

    Made with the session engine of the settings, the one the server reads them with.
    """
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

    store = import_module(settings.SESSION_ENGINE).SessionStore
    step = max(1, users // count)
    sessions = {}
    for user in get_user_model().objects.filter(pk__in=range(1, users + 1, step)).order_by("pk")[:count]:
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        sessions[session.session_key] = user.pk
    if not sessions:
        raise BenchmarkError("no users to log in: run without --reuse to build the data")
    path.write_text("\n".join(cookie(key, user_id) for key, user_id in sessions.items()) + "\n")
    return sessions


def cookie(session_key: str, user_id: int) -> str:
    from eyt_notify.wsgi import HINT_COOKIE

    return f"sessionid={session_key}; {HINT_COOKIE}={user_id}"


def expected_count(side: str, user_id: int) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(EXPECTED_SQL[side], [user_id])
        return int(cursor.fetchone()[0])


def expected_counts(sessions: dict[str, int]) -> dict[str, set[int]]:
    """The counts each side may answer to the load: those of the logged-in users, none of them 0."""
    result = {side: {expected_count(side, user_id) for user_id in sessions.values()} for side in ENDPOINTS}
    for side, counts in result.items():
        if 0 in counts:
            raise BenchmarkError(
                f"{side}: a logged-in user has no unread notification, and 0 is what notifications-community answers"
                " to a request that is not logged in: use more notifications per user"
            )
    return {**result, OURS_VIEW: result[OURS], CEILING: {1}, BARE: {1}}


def warm(session_keys: list[str]) -> None:
    """One request per session and side, so the measured runs see warm caches (sessions, logins, counts)."""
    from django.test import Client

    for key in session_keys:
        client = Client()
        client.cookies["sessionid"] = key
        for side, path in ENDPOINTS.items():
            response = client.get(path)
            if response.status_code != 200:
                raise BenchmarkError(f"{side}: {path} answered {response.status_code} in-process: {response.content!r}")


def queries_per_request(sessions: dict[str, int]) -> dict[str, float]:
    """Statements per request on warm caches, counted in-process with the same settings."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    result = {OURS: fast_path_queries(sessions)} if fast_path_deployed() else {}
    sample = list(sessions)[:20]
    for side, path in {
        OURS_VIEW: ENDPOINTS[OURS],
        THEIRS: ENDPOINTS[THEIRS],
        THEIRS_DEFAULT: ENDPOINTS[THEIRS],
    }.items():
        if side == THEIRS_DEFAULT and not fast_path_deployed():
            continue
        engine = SESSION_ENGINES["db"] if side == THEIRS_DEFAULT else os.environ["BENCH_SESSION_ENGINE"]
        total = 0
        for key in sample:
            client = Client()
            client.cookies["sessionid"] = key
            with override_settings(SESSION_ENGINE=engine):
                client.get(path)  # warms the caches
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(path)
            if response.status_code != 200:
                raise BenchmarkError(f"{side}: {path} answered {response.status_code} in-process")
            total += len(captured.captured_queries)
        result[side] = total / len(sample)
    return result


def fast_path_deployed() -> bool:
    """Whether bench_wsgi and bench_asgi serve ours behind UnreadCountFastPath: with every session engine but ``db``."""
    return os.environ["BENCH_SESSION_ENGINE"] != SESSION_ENGINES["db"]


def fast_path_queries(sessions: dict[str, int]) -> float:
    """Statements per warm request through UnreadCountFastPath in-process; it must answer every one of them itself
    (a request it hands to Django would be the view's figure, not its own)."""
    from wsgiref.util import setup_testing_defaults

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from eyt_notify.wsgi import UnreadCountFastPath

    handed = []
    django_app = WSGIHandler()
    fast_path = UnreadCountFastPath(lambda environ, start: handed.append(1) or django_app(environ, start))
    sample = list(sessions.items())[:20]
    with CaptureQueriesContext(connection) as captured:
        for key, user_id in sample:
            environ = {"PATH_INFO": ENDPOINTS[OURS], "HTTP_HOST": "127.0.0.1", "HTTP_COOKIE": cookie(key, user_id)}
            setup_testing_defaults(environ)
            body = b"".join(fast_path(environ, lambda status, headers: None))
            if not body.startswith(b'{"unread_count": '):
                raise BenchmarkError(f"UnreadCountFastPath answered {body[:200]!r} in-process")
    if handed:
        raise BenchmarkError(f"UnreadCountFastPath handed {len(handed)} of {len(sample)} warm requests to Django")
    return len(captured.captured_queries) / len(sample)


def get(port: int, path: str, cookies: str, connection: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Cookie": cookies})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        if own:
            connection.close()


def check_answers(port: int, server: str, sessions: dict[str, int], users: int = 3) -> None:
    """Through the server: each side answers 200 and the user's own count in the database, for a few users."""
    for key, user_id in list(sessions.items())[:users]:
        for side, path in loaded(server).items():
            if side in (CEILING, BARE):
                continue
            status, body = get(port, path, cookie(key, user_id))
            expected = {"unread_count": expected_count(THEIRS if side == THEIRS else OURS, user_id)}
            if status != 200 or json.loads(body) != expected:
                raise BenchmarkError(f"{side}: {path} as user {user_id} answered {status} {body!r}, not {expected}")


def check_keep_alive(port: int, cookies: str) -> None:
    """Requests on one keep-alive connection must not stall on Nagle + delayed ACK (~40 ms each on Linux)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        times = []
        for _ in range(10):
            started = time.perf_counter()
            status, _body = get(port, ENDPOINTS[OURS], cookies, connection)
            times.append(time.perf_counter() - started)
            if status != 200:
                raise BenchmarkError(f"the keep-alive check answered {status}")
    finally:
        connection.close()
    if min(times[1:]) > 0.030:
        raise BenchmarkError(
            f"every keep-alive request takes {min(times[1:]) * 1000:.0f} ms or more: TCP_NODELAY is off on the server"
        )


def loaded(server: str) -> dict[str, str]:
    return LOADED if fast_path_deployed() else {side: path for side, path in LOADED.items() if side != OURS_VIEW}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_command(server: str, port: int, workers: int) -> list[str]:
    if server == "gunicorn":
        # Sync workers: one request per connection (gunicorn sets TCP_NODELAY on its listener).
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "bench_wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ]
    # bench_uvicorn: uvicorn with TCP_NODELAY on the listener, which ``uvicorn --workers`` leaves off.
    return [
        sys.executable,
        "bench_uvicorn.py",
        "bench_asgi:application",
        "--workers",
        str(workers),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]


def start_server(
    server: str, port: int, workers: int, cookies: str, session_engine: str | None = None
) -> subprocess.Popen[bytes]:
    """Start the server and wait until it answers a logged-in request with a 200."""
    env = {**os.environ, "PYTHONPATH": str(HERE), "DJANGO_SETTINGS_MODULE": "bench_settings"}
    if session_engine is not None:
        env["BENCH_SESSION_ENGINE"] = session_engine
    process = subprocess.Popen(server_command(server, port, workers), cwd=HERE, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchmarkError(f"{server} exited with {process.returncode}")
        try:
            status, body = get(port, ENDPOINTS[OURS], cookies)
        except OSError:
            time.sleep(0.1)
            continue
        if status == 200:
            return process
        stop_server(process)
        raise BenchmarkError(f"{server} answered a logged-in request with {status}: {body[:200]!r}")
    stop_server(process)
    raise BenchmarkError(f"{server} did not start")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wrk(url: str, connections: int, duration: int, sessions_file: Path, expected: set[int]) -> dict[str, float]:
    """Requests/s, p50 and p99 (ms), timeouts and requests of one wrk run; any failed or wrong answer raises."""
    done = subprocess.run(
        [
            "wrk",
            "-t",
            str(min(2, connections)),
            "-c",
            str(connections),
            "-d",
            f"{duration}s",
            "--latency",
            "-s",
            str(HERE / "sessions.lua"),
            url,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "SESSIONS": str(sessions_file), "EXPECTED": ",".join(map(str, sorted(expected)))},
    )
    out = done.stdout
    checked = re.search(r"checked: (\d+) good, (\d+) bad of (\d+) responses", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    requests = re.search(r"(\d+) requests in", out)
    problems = []
    if done.returncode != 0 or checked is None or requests is None:
        problems.append(f"wrk exited with {done.returncode}")
    else:
        good, bad, total = map(int, checked.groups())
        if bad or good != total or total != int(requests.group(1)) or total == 0:
            problems.append(f"{bad} of {total} responses were not a 200 with one of the counts {sorted(expected)}")
    if "Non-2xx" in out:
        problems.append("wrk counted non-2xx/3xx responses")
    if errors is not None and any(int(n) for n in errors.groups()[:3]):
        problems.append("socket errors")
    if problems:
        raise BenchmarkError(f"{url} at {connections} connections: {'; '.join(problems)}\n{out}{done.stderr}")

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50": ms("50%"),
        "p99": ms("99%"),
        "timeouts": int(errors.group(4)) if errors else 0,
        "requests": int(requests.group(1)),  # type: ignore[union-attr]
    }


def measure(
    server: str, args: argparse.Namespace, sessions: dict[str, int], sessions_file: Path, expected: dict[str, set[int]]
) -> list[tuple[int, dict[str, dict[str, float]]]]:
    port = free_port()
    first = cookie(*next(iter(sessions.items())))
    process = start_server(server, port, args.workers, first)
    urls = {side: f"http://127.0.0.1:{port}{path}" for side, path in loaded(server).items()}
    default_process = None
    try:
        if fast_path_deployed():
            default_port = free_port()
            default_process = start_server(server, default_port, args.workers, first, SESSION_ENGINES["db"])
            urls[THEIRS_DEFAULT] = f"http://127.0.0.1:{default_port}{ENDPOINTS[THEIRS]}"
        check_answers(port, server, sessions)
        if server == "uvicorn":
            check_keep_alive(port, first)
        results = []
        for connections in args.connections:
            measured = {}
            for side, url in urls.items():
                wanted = expected[THEIRS if side == THEIRS_DEFAULT else side]
                wrk(url, connections, 2, sessions_file, wanted)  # warm-up: caches, connections, workers
                measured[side] = wrk(url, connections, args.duration, sessions_file, wanted)
            results.append((connections, measured))
        check_answers(port, server, sessions)
    finally:
        stop_server(process)
        if default_process is not None:
            stop_server(default_process)
    return results


def report(
    server: str, workers: int, results: list[tuple[int, dict[str, dict[str, float]]]], queries: dict[str, float]
) -> None:
    from django.conf import settings

    fast = fast_path_deployed()
    if not fast:
        queries = {**queries, OURS: queries[OURS_VIEW]}
    headers = ("endpoint", "connections", "requests/s", "p50", "p99", "timeouts", "queries/request")
    rows = []
    for connections, measured in results:
        for side, m in measured.items():
            rows.append(
                (
                    FAST_LABEL if fast and side == OURS else side,
                    connections,
                    f"{m['rps']:,.0f}",
                    f"{m['p50']:.2f} ms",
                    f"{m['p99']:.2f} ms",
                    int(m["timeouts"]),
                    f"{queries.get(side, 0):g}",
                )
            )
        for side in [side for side in measured if side not in (THEIRS, THEIRS_DEFAULT)]:
            label = FAST_LABEL if fast and side == OURS else side.replace(":", ",")
            ratio = f"{measured[side]['rps'] / measured[THEIRS]['rps']:.1f}x"
            rows.append((f"  ratio, {label}", connections, ratio, "", "", "", ""))
        if THEIRS_DEFAULT in measured:
            ratio = f"{measured[OURS]['rps'] / measured[THEIRS_DEFAULT]['rps']:.1f}x"
            rows.append(
                ("  ratio, UnreadCountFastPath to community on database sessions", connections, ratio, "", "", "", "")
            )
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    kind = "sync workers, a connection per request" if server == "gunicorn" else "worker processes, keep-alive"
    source = "PostgreSQL" if settings.SESSION_ENGINE.endswith(".db") else "Redis"
    print(
        f"\nunread count through {server} ({workers} {kind}), wrk; both sides in the same server with the same "
        f"sessions ({settings.SESSION_ENGINE}, read from {source}) and cache (Redis); every response checked"
    )
    print("  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)))
    for row in rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    at_2 = dict(results).get(2)
    if at_2 is not None:
        print_goals(at_2[OURS], at_2[THEIRS], queries[OURS])


def print_goals(ours: dict[str, float], theirs: dict[str, float], our_queries: float) -> None:
    """The issue's goals, against the figures at 2 connections."""
    ratio = ours["rps"] / theirs["rps"]
    goals = {
        f"{ratio:.1f}x >= 5x community at 2 connections": ratio >= 5,
        f"{our_queries:g} queries on a cache hit": our_queries == 0,
        f"p99 {ours['p99']:.2f} ms < 10 ms at 2 connections": ours["p99"] < 10,
    }
    print("goals: " + "; ".join(f"{text}: {'met' if ok else 'NOT met'}" for text, ok in goals.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--notifications", type=int, default=1_000_000)
    parser.add_argument("--sessions", type=int, default=200, help="logged-in users the load rotates through")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--reuse", action="store_true", help="keep the database of the last run (same sizes)")
    parser.add_argument(
        "--servers", default=",".join(SERVERS), help="comma-separated, of gunicorn and uvicorn (default: both)"
    )
    parser.add_argument("--workers", type=int, default=2, help="worker processes of each server")
    parser.add_argument("--connections", default="2,16", help="comma-separated wrk connection counts")
    parser.add_argument(
        "--session-engine",
        choices=sorted(SESSION_ENGINES),
        default="cached_db",
        help="for both sides alike (default cached_db: from Redis, the database only on a miss)",
    )
    args = parser.parse_args()
    servers = [s for s in args.servers.split(",") if s]
    if not servers or set(servers) - set(SERVERS):
        parser.error(f"--servers takes {' and '.join(SERVERS)}")
    args.connections = [int(n) for n in args.connections.split(",")]
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    os.environ["BENCH_SESSION_ENGINE"] = SESSION_ENGINES[args.session_engine]  # this process and the servers

    if not args.reuse:
        recreate_database()
    setup_django()
    from django.core.management import call_command

    clear_cache()
    if not args.reuse:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        generate(args.users, args.notifications)
        print(
            f"{args.notifications:,} notifications for each app over {args.users:,} users "
            f"in {time.perf_counter() - started:.1f} s"
        )
    try:
        with tempfile.TemporaryDirectory() as folder:
            sessions_file = Path(folder) / "sessions.txt"
            sessions = make_sessions(args.sessions, args.users, sessions_file)
            expected = expected_counts(sessions)
            warm(list(sessions))
            queries = queries_per_request(sessions)
            results = {server: measure(server, args, sessions, sessions_file, expected) for server in servers}
    except BenchmarkError as error:
        sys.exit(f"BENCHMARK FAILED, no figures: {error}")
    for server, measured in results.items():
        report(server, args.workers, measured, queries)
    if len(results) > 1:
        report_best(results, queries)


def report_best(results: dict[str, list[tuple[int, dict[str, dict[str, float]]]]], queries: dict[str, float]) -> None:
    """Each side in the server that suits it best, as a user picking either would deploy it: the strictest ratio."""
    print("\neach side through its faster server (same run, same data, same settings)")
    at_2 = None
    for position, (connections, _measured) in enumerate(next(iter(results.values()))):
        best = {
            side: max(((m[position][1][side], server) for server, m in results.items()), key=lambda b: b[0]["rps"])
            for side in (OURS, THEIRS)
        }
        (ours, our_server), (theirs, their_server) = best[OURS], best[THEIRS]
        print(
            f"  {connections} connections: {FAST_LABEL if fast_path_deployed() else OURS} {ours['rps']:,.0f} requests/s"
            f" ({our_server}, p99 {ours['p99']:.2f} ms), notifications-community {theirs['rps']:,.0f} ({their_server},"
            f" p99 {theirs['p99']:.2f} ms): {ours['rps'] / theirs['rps']:.1f}x"
        )
        if connections == 2:
            at_2 = (ours, theirs)
    if at_2 is not None:
        print_goals(*at_2, queries[OURS])


if __name__ == "__main__":
    main()
