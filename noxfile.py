"""Contributor sessions. tox owns the test matrix (tox.ini); nox owns everything else.

nox -s tests        the test suite through tox (arguments after -- go to tox)
nox -s lint         ruff check and ruff format --check
nox -s typecheck    mypy (strict) with django-stubs over the three packages
nox -s build        wheels and sdists, checked for templates, static files, migrations and py.typed
nox -s demo         the example platform on embedded defaults (SQLite, no keys, no servers)
nox -s browser      Playwright + Debian Chromium against live servers
nox -s bench        the side-by-side benchmarks (needs DATABASE_URL / REDIS_URL)
"""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PACKAGES = {
    "django-eyt-audit": "eyt_audit",
    "django-eyt-payments": "eyt_payments",
    "django-eyt-notify": "eyt_notify",
}
LOCAL = [f"packages/{name}" for name in PACKAGES]
DEMO_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "typecheck", "build"]
nox.options.error_on_missing_interpreters = True


@nox.session(venv_backend="none")
def tests(session: nox.Session) -> None:
    session.run("tox", *session.posargs, external=True)


@nox.session(python=False)
def lint(session: nox.Session) -> None:
    session.run("uv", "tool", "run", "ruff@0.17.6", "check", ".", external=True)
    session.run("uv", "tool", "run", "ruff@0.17.6", "format", "--check", ".", external=True)


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install("mypy==2.4.1", "django-stubs==6.1.2", "-r", "requirements/tests.txt", "-e", "testing")
    install_platform(session)  # mypy's Django plugin loads the example project's settings
    session.run("mypy", *(f"packages/{name}/src/{module}" for name, module in PACKAGES.items()))


@nox.session
def build(session: nox.Session) -> None:
    session.install("build>=1.2")
    dist = ROOT / "dist"
    for name, module in PACKAGES.items():
        session.run("python", "-m", "build", "--outdir", str(dist), f"packages/{name}", silent=True)
        wheel = max(dist.glob(f"{name.replace('-', '_')}-*.whl"), key=os.path.getmtime)
        check_wheel(session, wheel, module, ROOT / "packages" / name / "src" / module)


def check_wheel(session: nox.Session, wheel: Path, module: str, source: Path) -> None:
    """Every file under templates/, static/ and migrations/ in the source must be in the wheel, and py.typed."""
    shipped = set(zipfile.ZipFile(wheel).namelist())
    needed = {f"{module}/py.typed"}
    for folder in ("templates", "static", "migrations"):
        for path in (source / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                needed.add(f"{module}/{path.relative_to(source).as_posix()}")
    missing = sorted(needed - shipped)
    if missing:
        session.error(f"{wheel.name} lacks {len(missing)} files: {', '.join(missing[:10])}")
    session.log(f"{wheel.name}: {len(shipped)} files, all {len(needed)} templates/static/migrations present")


def install_platform(session: nox.Session) -> None:
    """The three packages (editable, with their optional extras) and the example platform."""
    extras = {
        "django-eyt-audit": "redis,postgres",
        "django-eyt-payments": "postgres",
        "django-eyt-notify": "live,webpush,sms",
    }
    session.install("-e", "example_project", *(f"-e{path}[{extras[path.split('/')[-1]]}]" for path in LOCAL))


@nox.session(python=DEMO_PYTHON)
def demo(session: nox.Session) -> None:
    install_platform(session)
    manage = ["python", "example_project/manage.py"]
    session.run(*manage, "migrate", "--noinput", silent=True)
    session.run(*manage, "demo_data")
    session.run(*manage, "runserver", *(session.posargs or ["127.0.0.1:8000"]))


@nox.session
def browser(session: nox.Session) -> None:
    """Only the browser tests of every package and the example project (they also run in `tests`)."""
    install_platform(session)
    session.install("-r", "requirements/tests.txt", "-e", "testing")
    for path in [*LOCAL, "example_project"]:
        session.run("pytest", path, "-m", "browser", *session.posargs, env={"EYT_REQUIRE_TIERS": "browser"})


@nox.session
def bench(session: nox.Session) -> None:
    install_platform(session)
    session.install("-e", "testing")
    suites = session.posargs or sorted(p.name for p in (ROOT / "benchmarks").iterdir() if (p / "run.py").exists())
    for suite in suites:
        requirements = ROOT / "benchmarks" / suite / "requirements.txt"
        if requirements.exists():
            session.install("-r", str(requirements))
        session.run("python", f"benchmarks/{suite}/run.py")
