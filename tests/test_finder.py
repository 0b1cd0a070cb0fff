"""The guarded import through the real import system, in fresh interpreters."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from conftest import Project

KEYS_CONTRACT = """
    module: payments.keys
    importers:
      allow: ["payments", "payments.*", "__main__"]
      deny: ["payments.plugins.*"]
"""

PAYMENTS = {
    "payments/__init__.py": "",
    "payments/keys.py": """
        import pathlib
        pathlib.Path("side-effect").write_text("ran")
        KEY = "k"
    """,
    "payments/billing.py": "from payments import keys\n",
    "payments/plugins/__init__.py": "",
    "payments/plugins/evil.py": "import payments.keys\n",
    "plugins/__init__.py": "",
    "plugins/evil.py": "import payments.keys\n",
    "contracts/payments.keys.yml": KEYS_CONTRACT,
}

REPORT = """
    import importspy_hook, pathlib, sys
    importspy_hook.install("contracts")
    try:
        __import__(sys.argv[1])
    except importspy_hook.ContractViolation as exc:
        print("VIOLATION", type(exc).__name__, exc.importer, [v.rule for v in exc.violations])
        print("MESSAGE", exc)
    else:
        print("IMPORTED")
    print("RAN", pathlib.Path("side-effect").exists())
"""


class TestImporterNames:
    def test_allowed_importer_runs_the_module(self, project: Project) -> None:
        result = project.write(PAYMENTS).run(REPORT, "payments.billing")
        assert "IMPORTED" in result.stdout, result.output
        assert "RAN True" in result.stdout

    def test_denied_importer_does_not_run_module_code(self, project: Project) -> None:
        result = project.write(PAYMENTS).run(REPORT, "plugins.evil")
        assert "VIOLATION ImporterViolation plugins.evil ['importers.allow']" in result.stdout, result.output
        assert "RAN False" in result.stdout

    def test_deny_wins_over_allow(self, project: Project) -> None:
        result = project.write(PAYMENTS).run(REPORT, "payments.plugins.evil")
        assert "VIOLATION ImporterViolation payments.plugins.evil ['importers.deny']" in result.stdout, result.output
        assert "RAN False" in result.stdout

    def test_message_names_importer_place_and_contract_line(self, project: Project) -> None:
        result = project.write(PAYMENTS).run(REPORT, "plugins.evil")
        assert (
            "payments.keys may not be imported by plugins.evil "
            f"({project.root / 'plugins' / 'evil.py'}:1): importers.allow in contracts/payments.keys.yml:3 is "
            '["payments", "payments.*", "__main__"]'
        ) in result.stdout, result.output
