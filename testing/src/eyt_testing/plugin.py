"""Service tiers: tests marked ``postgres`` or ``redis`` run only where that service is configured.

Without ``DATABASE_URL`` (PostgreSQL) or ``REDIS_URL`` a tier's tests are deselected and the summary says so.
``EYT_REQUIRE_TIERS=postgres,redis`` (CI sets it) turns a missing service into an error instead, so a tier that CI
is meant to run can never quietly vanish.
"""

from __future__ import annotations

import os

import pytest

TIERS = {
    "postgres": ("DATABASE_URL", "needs PostgreSQL: set DATABASE_URL=postgres://..."),
    "redis": ("REDIS_URL", "needs Redis: set REDIS_URL=redis://..."),
}


def tier_available(tier: str) -> bool:
    variable = TIERS[tier][0]
    value = os.environ.get(variable, "")
    if tier == "postgres":
        return value.startswith(("postgres://", "postgresql://", "pgsql://"))
    return bool(value)


def required_tiers() -> set[str]:
    return {name.strip() for name in os.environ.get("EYT_REQUIRE_TIERS", "").split(",") if name.strip()}


def pytest_configure(config: pytest.Config) -> None:
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
        items[:] = kept
        config.stash[_dropped_key] = (len(dropped), sorted(unavailable))


_dropped_key = pytest.StashKey[tuple[int, list[str]]]()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if _dropped_key in config.stash:
        count, tiers = config.stash[_dropped_key]
        hints = "; ".join(TIERS[tier][1] for tier in tiers)
        terminalreporter.write_line(f"eyt: {count} tests of the {', '.join(tiers)} tier not selected ({hints}).")
