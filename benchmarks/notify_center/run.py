"""The unread-count endpoint under concurrent load: django-eyt-notify against django-notifications-community.

    python benchmarks/notify_center/run.py                    # 1,000,000 notifications over 100,000 users
    python benchmarks/notify_center/run.py --duration 5 --users 10000 --notifications 100000

Both apps get the same rows (one ``INSERT ... SELECT generate_series`` each, a third of them unread), are served by
the same uvicorn (2 worker processes) with the same sessions (``cached_db``) and cache (Redis), and are loaded by wrk
at 2 and 16 connections, each request as one of ``--sessions`` logged-in users. Queries per request are counted
in-process on warm caches. The database named by BENCH_DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/eyt_bench_notify_center) is dropped and created.
"""

from __future__ import annotations

import argparse
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
ENDPOINTS = {
    "django-eyt-notify": "/notifications/unread-count/",
    "notifications-community": "/inbox/notifications/api/unread_count/",
}


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


def make_sessions(count: int, users: int, path: Path) -> list[str]:
    """Logged-in sessions of ``count`` users spread over the table, written one id a line for wrk."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.cached_db import SessionStore

    step = max(1, users // count)
    keys = []
    for user in get_user_model().objects.filter(pk__in=range(1, users + 1, step))[:count]:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        keys.append(session.session_key)
    path.write_text("\n".join(keys) + "\n")
    return keys


def warm(session_keys: list[str]) -> None:
    """One request per session and side, so the measured runs see warm caches (sessions, logins, counts)."""
    from django.test import Client

    for key in session_keys:
        client = Client()
        client.cookies["sessionid"] = key
        for path in ENDPOINTS.values():
            assert client.get(path).status_code == 200


def queries_per_request(session_keys: list[str]) -> dict[str, float]:
    """Statements per request on warm caches, counted in-process with the same settings."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    result = {}
    for side, path in ENDPOINTS.items():
        total = 0
        for key in session_keys[:20]:
            client = Client()
            client.cookies["sessionid"] = key
            assert client.get(path).status_code == 200  # warms the caches
            with CaptureQueriesContext(connection) as captured:
                assert client.get(path).status_code == 200
            total += len(captured.captured_queries)
        result[side] = total / min(20, len(session_keys))
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int) -> subprocess.Popen[bytes]:
    """uvicorn with 2 worker processes (keep-alive; gunicorn's sync workers close every connection)."""
    import urllib.error
    import urllib.request

    env = {**os.environ, "PYTHONPATH": str(HERE), "DJANGO_SETTINGS_MODULE": "bench_settings"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench_asgi:application",
            "--workers",
            "2",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=HERE,
        env=env,
    )
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{ENDPOINTS['django-eyt-notify']}", timeout=5)
        except urllib.error.HTTPError:
            return process  # 401 without a session: a worker is answering
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("uvicorn did not start")


def wrk(url: str, connections: int, duration: int, sessions_file: Path) -> tuple[float, float, int]:
    """Requests per second, p99 latency (ms) and timeouts of one wrk run; a non-2xx answer aborts the benchmark."""
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
        check=True,
        env={**os.environ, "SESSIONS": str(sessions_file)},
    )
    if "Non-2xx" in done.stdout:
        raise RuntimeError(f"wrk saw failed requests:\n{done.stdout}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", done.stdout).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", done.stdout).groups()  # type: ignore[union-attr]
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    timeouts = re.search(r"timeout (\d+)", done.stdout)
    return rps, p99, int(timeouts.group(1)) if timeouts else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--notifications", type=int, default=1_000_000)
    parser.add_argument("--sessions", type=int, default=200, help="logged-in users the load rotates through")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--reuse", action="store_true", help="keep the database of the last run (same sizes)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")

    if not args.reuse:
        recreate_database()
    setup_django()
    from django.core.cache import cache
    from django.core.management import call_command

    cache.clear()
    if not args.reuse:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        generate(args.users, args.notifications)
        print(
            f"{args.notifications:,} notifications for each app over {args.users:,} users "
            f"in {time.perf_counter() - started:.1f} s"
        )
    with tempfile.TemporaryDirectory() as folder:
        sessions_file = Path(folder) / "sessions.txt"
        keys = make_sessions(args.sessions, args.users, sessions_file)
        warm(keys)
        queries = queries_per_request(keys)
        port = free_port()
        server = start_server(port)
        try:
            rows = []
            for connections in (2, 16):
                measured = {}
                for side, path in ENDPOINTS.items():
                    url = f"http://127.0.0.1:{port}{path}"
                    wrk(url, connections, 2, sessions_file)  # warm-up: caches, connections, workers
                    measured[side] = wrk(url, connections, args.duration, sessions_file)
                ours, theirs = measured["django-eyt-notify"], measured["notifications-community"]
                for side, (rps, p99, timeouts) in measured.items():
                    rows.append((side, connections, f"{rps:,.0f}", f"{p99:.2f} ms", timeouts, f"{queries[side]:g}"))
                rows.append(("  ratio", connections, f"{ours[0] / theirs[0]:.1f}x", "", "", ""))
        finally:
            server.terminate()
            server.wait(timeout=30)
    headers = ("endpoint", "connections", "requests/s", "p99", "timeouts", "queries/request")
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    print("\nunread count through uvicorn (2 workers), wrk, cached_db sessions, Redis cache")
    print("  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)))
    for row in rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
