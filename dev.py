#!/usr/bin/env python3
"""Run mentor-bot or its tests from a fresh checkout: needs only Python 3.11+ and the package index.

    python3 dev.py run      # the bot (settings from .env or the environment)
    python3 dev.py test     # the whole test suite, on SQLite and PostgreSQL

The first call creates .venv and installs the project into it; later calls reinstall only when
pyproject.toml changes. Extra arguments are passed on (`python3 dev.py test -k matching`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed-from"


def ensure_environment() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may be started by an older Python
        sys.exit(f"dev.py: mentor-bot needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not PYTHON.exists():
        print("dev.py: creating .venv", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("dev.py: installing mentor-bot and its test tools into .venv", file=sys.stderr)
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", f"{ROOT}[test]"],
        check=True,
    )
    STAMP.write_text(wanted)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    ensure_environment()
    command, rest = argv[0], argv[1:]
    if command == "run":
        return subprocess.call([str(PYTHON), "-m", "bot", "run", *rest])
    code = subprocess.call([str(PYTHON), "-m", "pytest", *rest], cwd=ROOT)
    if code == 5:
        print("dev.py: pytest collected no tests, which counts as a failure", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
