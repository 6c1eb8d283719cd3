"""The house rules: import-linter's layer contracts hold, and the README's Layout section matches the tree."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_linter_contracts_hold():
    # In its own process: import-linter configures logging, which would silence this process's loggers.
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint), "--config", str(ROOT / "pyproject.toml"), "--no-cache"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_domain_package_says_what_it_owns_and_is_in_the_readme_layout():
    readme = (ROOT / "README.md").read_text()
    layout = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    core = layout.split("\nbot/", 1)[1].split("\nhandlers/", 1)[0]  # the indented lines under bot/
    packages = sorted(p.parent.name for p in (ROOT / "bot").glob("*/__init__.py") if p.parent.name != "migrations")
    assert packages, "no domain packages found"
    for name in packages:
        docstring = (ROOT / "bot" / name / "__init__.py").read_text().strip()
        assert re.match(r'^"""[A-Z].+"""$', docstring), f"bot/{name}/__init__.py needs a one-line docstring"
        assert f"\n  {name}/ " in core, f"README's Layout section does not list bot/{name}/"
    for listed in re.findall(r"^  ([a-z_]+)/ ", core, flags=re.M):
        assert (ROOT / "bot" / listed / "__init__.py").exists(), f"README's Layout lists bot/{listed}/, which is gone"
