#!/usr/bin/env python3
"""One entry point for contributors and CI; needs nothing but Python 3.11+.

    python3 dev.py demo          start the example platform on embedded defaults (SQLite, no keys, no servers)
    python3 dev.py test [ARGS]   run the test suite with tox (ARGS go to tox, e.g. -e py313-dj61 or -m full)
    python3 dev.py nox [ARGS]    any nox session: lint, typecheck, build, browser, bench ...

The first run creates .venv-tools with tox, tox-uv and nox (requirements/tools.txt); later runs reuse it.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TOOLS = ROOT / ".venv-tools"
BIN = TOOLS / ("Scripts" if os.name == "nt" else "bin")
REQUIREMENTS = ROOT / "requirements" / "tools.txt"


def ensure_tools() -> None:
    stamp = TOOLS / ".requirements"
    wanted = REQUIREMENTS.read_text()
    if stamp.exists() and stamp.read_text() == wanted:
        return
    if not BIN.exists():
        print(f"dev.py: creating {TOOLS.name} (tox, tox-uv, nox)", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(TOOLS)
    subprocess.run([BIN / "python", "-m", "pip", "install", "-q", "-r", REQUIREMENTS], check=True)
    stamp.write_text(wanted)


def environment() -> dict[str, str]:
    """Put every installed CPython 3.11+ on PATH (pyenv's shims for minor versions do not work for tox)."""
    env = dict(os.environ, UV_PYTHON_DOWNLOADS="never")
    pyenv_root = env.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    found = {}
    for folder in sorted(glob.glob(f"{pyenv_root}/versions/3.1[1-9]*/bin")):
        minor = Path(folder).parent.name.rsplit(".", 1)[0]
        found[minor] = folder  # the newest patch release of each minor wins (sorted)
    env["PATH"] = os.pathsep.join([str(BIN), *found.values(), env.get("PATH", "")])
    return env


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "nox"}:
        print(__doc__)
        return 2
    ensure_tools()
    command, rest = argv[0], argv[1:]
    if command == "test":
        args = [BIN / "tox", *(rest or ["run-parallel", "--parallel", "auto", "--parallel-no-spinner"])]
    elif command == "demo":
        args = [BIN / "nox", "-s", "demo", "--", *rest]
    else:
        args = [BIN / "nox", *rest]
    return subprocess.run(args, cwd=ROOT, env=environment()).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
