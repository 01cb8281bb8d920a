"""Service tiers, and the browser fixtures where Playwright is installed.

Tests marked ``postgres``, ``mariadb``, ``redis`` or ``browser`` run only where that service is at hand:
``DATABASE_URL`` pointing at PostgreSQL or at MariaDB (``mysql://``; CI runs audit and notify there:
``tox -e mariadb``), ``REDIS_URL``, Playwright with a Chromium (``CHROMIUM_PATH`` or ``chromium`` on PATH).
Elsewhere a tier's tests are deselected and the summary says so. ``EYT_REQUIRE_TIERS=postgres,redis,browser`` (CI
sets it, and ``mariadb,redis`` for the MariaDB run) turns a missing service into an error instead, so a tier that CI
is meant to run can never quietly vanish.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

TIERS = {
    "postgres": ("DATABASE_URL", "needs PostgreSQL: set DATABASE_URL=postgres://..."),
    "mariadb": ("DATABASE_URL", "needs MariaDB: set DATABASE_URL=mysql://..."),
    "redis": ("REDIS_URL", "needs Redis: set REDIS_URL=redis://..."),
    "browser": ("CHROMIUM_PATH", "needs Playwright and Chromium: pip install playwright; apt-get install chromium"),
}


def tier_available(tier: str) -> bool:
    if tier == "browser":
        return browser_available()
    value = os.environ.get(TIERS[tier][0], "")
    if tier == "postgres":
        return value.startswith(("postgres://", "postgresql://", "pgsql://"))
    if tier == "mariadb":
        return value.startswith(("mysql://", "mysql2://"))
    return bool(value)


#: ``@pytest.mark.parametrize("server", SERVERS)``: a test of concurrent connections, once in each database server's
#: tier (SQLite in memory has one connection); the case of the server ``DATABASE_URL`` names runs.
SERVERS = [pytest.param(tier, marks=getattr(pytest.mark, tier), id=tier) for tier in ("postgres", "mariadb")]


def browser_available() -> bool:
    if importlib.util.find_spec("playwright") is None:
        return False
    from eyt_testing.browser import find_chromium

    return find_chromium() is not None


def required_tiers() -> set[str]:
    return {name.strip() for name in os.environ.get("EYT_REQUIRE_TIERS", "").split(",") if name.strip()}


def pytest_configure(config: pytest.Config) -> None:
    if importlib.util.find_spec("playwright") is not None:
        config.pluginmanager.import_plugin("eyt_testing.browser")  # the ``browser`` and ``page`` fixtures
    for tier, (_, why) in TIERS.items():
        config.addinivalue_line("markers", f"{tier}: {why}")
    missing = sorted(tier for tier in required_tiers() if tier not in TIERS or not tier_available(tier))
    if missing:
        raise pytest.UsageError(
            f"EYT_REQUIRE_TIERS asks for {', '.join(missing)}, but "
            + "; ".join(TIERS[t][1] if t in TIERS else f"{t} is not a known tier" for t in missing)
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unavailable = {tier for tier in TIERS if not tier_available(tier)}
    kept, dropped = [], []
    for item in items:
        needs = {marker.name for marker in item.iter_markers() if marker.name in TIERS}
        (dropped if needs & unavailable else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        config.stash[_dropped_key] = (len(dropped), sorted(unavailable))
    # Browser tests last: Playwright's sync API keeps an event loop running in the main thread for the rest of the
    # session, where async_to_sync() then refuses to run.
    items[:] = sorted(kept, key=_is_browser_test)


def _is_browser_test(item: pytest.Item) -> bool:
    return item.path.parent.name == "browser" or item.get_closest_marker("browser") is not None


_dropped_key = pytest.StashKey[tuple[int, list[str]]]()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if _dropped_key in config.stash:
        count, tiers = config.stash[_dropped_key]
        hints = "; ".join(TIERS[tier][1] for tier in tiers)
        terminalreporter.write_line(f"eyt: {count} tests of the {', '.join(tiers)} tier not selected ({hints}).")
