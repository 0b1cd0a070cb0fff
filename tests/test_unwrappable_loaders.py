"""Loaders the hook cannot wrap: a protected import through them fails closed.

A finder after ours may hand back a loader with only the legacy ``load_module`` (PEP 302), or
a class instead of an instance. The proxy loader needs ``exec_module`` to check before the
module's code runs; without it the import would go through unchecked, so it is refused.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from conftest import Project

#: A finder appended after ours that serves ``legacy_*`` names with a load_module-only loader
#: and ``classy_*`` names with a loader that is a class (its methods are classmethods).
FINDERS = """
import builtins, importlib.util, sys, types, warnings
warnings.simplefilter("ignore", ImportWarning)  # 3.12+ warns about load_module itself
builtins.RAN = []

class LegacyLoader:
    def load_module(self, fullname):
        module = sys.modules.setdefault(fullname, types.ModuleType(fullname))
        builtins.RAN.append(fullname)
        module.VALUE = 1
        return module

class ClassLoader:
    @classmethod
    def create_module(cls, spec):
        return None

    @classmethod
    def exec_module(cls, module):
        builtins.RAN.append(module.__name__)
        module.VALUE = 2

class Elsewhere:
    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith("legacy_"):
            return importlib.util.spec_from_loader(fullname, LegacyLoader())
        if fullname.startswith("classy_"):
            return importlib.util.spec_from_loader(fullname, ClassLoader)
        return None

sys.meta_path.append(Elsewhere())
"""

ALLOW_MAIN = "module: {name}\nimporters:\n  allow: ['__main__']\n"
ALLOW_NOBODY = "module: {name}\nimporters:\n  allow: ['nobody']\n"


class TestLegacyLoader:
    def test_protected_module_behind_a_load_module_only_loader_is_refused_and_never_runs(
        self, project: Project
    ) -> None:
        project.write({"contracts/legacy_mod.yml": ALLOW_MAIN.format(name="legacy_mod")})
        result = project.run(
            FINDERS
            + """
import importspy_hook
importspy_hook.install("contracts")
try:
    import legacy_mod
except importspy_hook.ContractViolation as exc:
    print("REFUSED", type(exc).__name__, [v.rule for v in exc.violations])
    print("MESSAGE", exc)
print("RAN", builtins.RAN, "legacy_mod" in sys.modules)
"""
        )
        assert "REFUSED ContractViolation ['contract.loader']" in result.stdout, result.output
        assert "has no exec_module" in result.stdout
        assert "contracts/legacy_mod.yml:1" in result.stdout
        assert "RAN [] False" in result.stdout

    def test_warn_mode_warns_and_lets_the_legacy_loader_load_it(self, project: Project) -> None:
        project.write({"contracts/legacy_mod.yml": ALLOW_MAIN.format(name="legacy_mod")})
        result = project.run(
            FINDERS
            + """
import importspy_hook
importspy_hook.install("contracts", on_violation="warn")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", importspy_hook.ContractWarning)
    import legacy_mod
print("WARNED", [str(w.message).split(":")[0] for w in caught if w.category is importspy_hook.ContractWarning])
print("RAN", builtins.RAN, legacy_mod.VALUE)
"""
        )
        assert "WARNED ['legacy_mod cannot be checked" in result.stdout, result.output
        assert "RAN ['legacy_mod'] 1" in result.stdout

    def test_unprotected_module_behind_a_legacy_loader_is_untouched(self, project: Project) -> None:
        project.write({"contracts/other.yml": ALLOW_NOBODY.format(name="other")})
        result = project.run(
            FINDERS
            + """
import importspy_hook
importspy_hook.install("contracts")
import legacy_free
print("RAN", builtins.RAN, legacy_free.VALUE)
"""
        )
        assert "RAN ['legacy_free'] 1" in result.stdout, result.output


class TestClassAsLoader:
    def test_protected_module_behind_a_class_loader_is_checked_like_any_other(self, project: Project) -> None:
        project.write(
            {
                "contracts/classy_open.yml": ALLOW_MAIN.format(name="classy_open"),
                "contracts/classy_shut.yml": ALLOW_NOBODY.format(name="classy_shut"),
            }
        )
        result = project.run(
            FINDERS
            + """
import importspy_hook
importspy_hook.install("contracts")
import classy_open
try:
    import classy_shut
except importspy_hook.ImporterViolation as exc:
    print("REFUSED", [v.rule for v in exc.violations])
print("RAN", builtins.RAN, classy_open.VALUE, classy_open.__loader__ is ClassLoader)
"""
        )
        assert "REFUSED ['importers.allow']" in result.stdout, result.output
        assert "RAN ['classy_open'] 2 True" in result.stdout
