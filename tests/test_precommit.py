"""The pre-commit hooks of .pre-commit-hooks.yaml, run by the real pre-commit on a real repository.

pre-commit installs this repository (its working tree, through ``try-repo``) into an
environment of its own, as it does for a user's ``.pre-commit-config.yaml``, then runs the
hook on the files of a temporary git repository. Installing takes a while: the test is slow.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git"),
    pytest.mark.skipif(not (REPO / ".git").exists(), reason="try-repo needs this repository's git checkout"),
]

GOOD = "module: payments.keys\nimporters:\n  allow: [payments, payments.*]\n"
BROKEN = "module: payments.api\nimporter:\n  allow: [payments]\n"


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, timeout=60)


def user_repository(root: Path, files: dict[str, str]) -> Path:
    root.mkdir()
    git(root, "init", "-q")
    git(root, "config", "user.email", "dev@example.com")
    git(root, "config", "user.name", "dev")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    git(root, "add", ".")
    return root


def pre_commit(root: Path, home: Path, hook: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMPORTSPY_HOOK_", "PYTHON", "GIT_"))}
    env["PRE_COMMIT_HOME"] = str(home)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), hook, "--all-files", "--color", "never"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_every_offered_hook_is_tested_here() -> None:
    hooks = YAML(typ="safe", pure=True).load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [hook["id"] for hook in hooks] == ["importspy-hook-lint", "importspy-hook-check-static"]


def test_the_lint_hook_fails_a_commit_with_a_broken_contract_and_passes_a_clean_one(tmp_path: Path) -> None:
    home = tmp_path / "pre-commit-home"
    root = user_repository(
        tmp_path / "project",
        {
            "contracts/payments.keys.yml": GOOD,
            "contracts/payments.api.yml": BROKEN,
            # Not a contract: outside any contracts/ folder, so the hook leaves it alone.
            "config/settings.yml": "importer: 1\n",
        },
    )
    failed = pre_commit(root, home, "importspy-hook-lint")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert 'contracts/payments.api.yml:2:1: unknown key "importer"; did you mean "importers"?' in failed.stdout
    assert "settings.yml" not in failed.stdout
    assert "payments.keys.yml:" not in failed.stdout

    (root / "contracts" / "payments.api.yml").write_text(BROKEN.replace("importer:", "importers:"), encoding="utf-8")
    git(root, "add", ".")
    passed = pre_commit(root, home, "importspy-hook-lint")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "importspy-hook lint" in passed.stdout
    assert "Passed" in passed.stdout


def test_the_static_hook_fails_a_commit_that_adds_a_denied_import_and_names_its_line(tmp_path: Path) -> None:
    home = tmp_path / "pre-commit-home"
    root = user_repository(
        tmp_path / "project",
        {
            "contracts/payments.keys.yml": GOOD,
            "payments/__init__.py": "",
            "payments/keys.py": "KEY = 1\n",
            "payments/billing.py": "import payments.keys\n",
            "plugins/__init__.py": "",
            # Never run by the hook: a side effect would show that it was.
            "plugins/evil.py": "import os\nfrom payments import keys\nopen('ran', 'w').close()\n",
        },
    )
    failed = pre_commit(root, home, "importspy-hook-check-static")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "plugins/evil.py:2" in failed.stdout
    assert "payments/billing.py" not in failed.stdout
    assert not (root / "ran").exists()

    (root / "plugins" / "evil.py").write_text("import os\n", encoding="utf-8")
    git(root, "add", ".")
    passed = pre_commit(root, home, "importspy-hook-check-static")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
