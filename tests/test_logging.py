"""Decisions on the ``importspy_hook`` logger, and the ``importspy_hook.violation`` audit event."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from conftest import Project

FILES = {
    "payments/__init__.py": "",
    "payments/keys.py": "KEY = 'k'\n",
    "payments/billing.py": "from payments import keys\n",
    "plugins/__init__.py": "",
    "plugins/evil.py": "import payments.keys\n",
    "contracts/payments.keys.yml": """
        module: payments.keys
        importers:
          allow: ["payments", "payments.*"]
        runtime:
          env:
            API_TOKEN: {one_of: [hunter2-expected]}
    """,
}


class TestDebugLog:
    def test_each_decision_is_logged_with_module_importer_outcome_and_time(self, project: Project) -> None:
        result = project.write(FILES).run(
            """
            import logging, sys
            logging.basicConfig(level=logging.DEBUG, stream=sys.stdout, format="%(name)s %(message)s")
            import importspy_hook
            importspy_hook.install("contracts", on_violation="warn")
            import warnings
            warnings.simplefilter("ignore")
            import payments.billing
            """,
            env={"API_TOKEN": "hunter2-actual"},
        )
        assert result.returncode == 0, result.output
        line = next(x for x in result.stdout.splitlines() if "payments.keys imported" in x)
        assert line.startswith("importspy_hook payments.keys imported by payments.billing: kept with warnings")
        assert "(runtime.env.one_of)" in line
        assert line.endswith(" us")

    def test_broken_decision_names_the_rules_and_never_the_secret_value(self, project: Project) -> None:
        result = project.write(FILES).run(
            """
            import logging, sys
            logging.basicConfig(level=logging.DEBUG, stream=sys.stdout, format="%(message)s")
            import importspy_hook
            importspy_hook.install("contracts")
            try:
                import plugins.evil
            except ImportError:
                pass
            """,
            env={"API_TOKEN": "hunter2-actual"},
        )
        assert result.returncode == 0, result.output
        assert "payments.keys imported by plugins.evil: broken before it ran (importers.allow, runtime.env.one_of)" in (
            result.stdout
        )
        assert "hunter2" not in result.output

    def test_passing_import_logs_kept_before_and_after(self, project: Project) -> None:
        result = project.write(FILES).run(
            """
            import logging, sys
            logging.basicConfig(level=logging.DEBUG, stream=sys.stdout, format="%(message)s")
            import importspy_hook
            importspy_hook.install("contracts")
            import payments.billing
            """,
            env={"API_TOKEN": "hunter2-expected"},
        )
        assert result.returncode == 0, result.output
        assert "payments.keys imported by payments.billing: kept before it ran, checked in" in result.stdout
        assert "payments.keys imported: kept after it ran, checked in" in result.stdout

    def test_library_configures_no_handler_on_the_root_logger(self, project: Project) -> None:
        result = project.write(FILES).run(
            """
            import logging
            import importspy_hook
            importspy_hook.install("contracts")
            import payments.billing
            print("ROOT", logging.getLogger().handlers, logging.getLogger().level)
            print("OWN", [type(h).__name__ for h in logging.getLogger("importspy_hook").handlers])
            """,
            env={"API_TOKEN": "hunter2-expected"},
        )
        assert "ROOT [] 30" in result.stdout, result.output
        assert "OWN ['NullHandler']" in result.stdout

    def test_installing_and_enforcing_never_import_logging(self, project: Project) -> None:
        result = project.write(FILES).run(
            """
            import sys
            import importspy_hook
            importspy_hook.install("contracts")
            import payments.billing
            print("LOGGING", "logging" in sys.modules)
            """,
            env={"API_TOKEN": "hunter2-expected"},
        )
        assert "LOGGING False" in result.stdout, result.output


class TestAuditEvent:
    AUDIT = """
        import sys
        events = []
        sys.addaudithook(lambda event, args: events.append(args) if event == "importspy_hook.violation" else None)
        import importspy_hook, warnings
        importspy_hook.install("contracts", on_violation=sys.argv[1])
        warnings.simplefilter("ignore")
        try:
            import plugins.evil
        except ImportError as exc:
            print("RAISED", type(exc).__name__)
        print("EVENTS", events)
    """

    def test_raised_violation_is_audited_with_module_importer_and_rules(self, project: Project) -> None:
        result = project.write(FILES).run(self.AUDIT, "raise", env={"API_TOKEN": "hunter2-actual"})
        assert "RAISED ImporterViolation" in result.stdout, result.output
        assert "EVENTS [('payments.keys', 'plugins.evil', ('importers.allow', 'runtime.env.one_of'))]" in result.stdout

    def test_warned_violation_is_audited_too(self, project: Project) -> None:
        result = project.write(FILES).run(self.AUDIT, "warn", env={"API_TOKEN": "hunter2-actual"})
        assert "RAISED" not in result.stdout, result.output
        assert "EVENTS [('payments.keys', 'plugins.evil', ('importers.allow', 'runtime.env.one_of'))]" in result.stdout

    def test_passing_import_raises_no_event(self, project: Project) -> None:
        result = project.write(FILES).run(
            self.AUDIT.replace("import plugins.evil", "import payments.billing"),
            "raise",
            env={"API_TOKEN": "hunter2-expected"},
        )
        assert "EVENTS []" in result.stdout, result.output
