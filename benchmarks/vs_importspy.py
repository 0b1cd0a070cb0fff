"""importspy_hook against ImportSpy 0.4.10 on the same scenario, in one run.

Scenario: an importer that defines a class ``Plugin`` with two methods imports a protected
module whose contract checks OS, architecture, Python version, interpreter, two environment
variables, and that class on the importer. ImportSpy runs in embedded mode (the protected
module calls ``Spy().importspy``), in its own virtual environment that this script creates.

Measured, as ratios of paired runs (each pair: the two tools one after the other), medians:

- per validation, in process: ImportSpy's ``Spy().importspy(...)`` on the importer against
  importspy_hook's check of the same importer (and a whole guarded re-import, for scale);
- whole process: ``python importer.py`` under each tool, against a bare interpreter start;
- import overhead: 200 stdlib imports with the hook installed over 50 unrelated contracts,
  against the same imports without the hook (CPU time of the importing process), and the
  finder's own share of it.

Usage (from the repository, with the project installed in the running interpreter)::

    python benchmarks/vs_importspy.py [--rounds 15] [--validations 200] [--workdir DIR]

Nothing is timed in the test suite; this script is the only place timings are taken.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

IMPORTSPY = "importspy==0.4.10"
UNRELATED_CONTRACTS = 50
STDLIB_IMPORTS = 200

IMPORTER = """
class Plugin:
    def start(self):
        return "started"

    def stop(self):
        return "stopped"

import protected
"""

HOOK_CONTRACT = """
module: protected
importers:
  require:
    classes:
      - name: Plugin
        methods:
          - {{name: start, arguments: [{{name: self}}]}}
          - {{name: stop, arguments: [{{name: self}}]}}
runtime:
  os: {os}
  arch: {arch}
  python: "=={python}"
  implementation: cpython
  env:
    STAGE: prod
    REGION: eu-west-1
"""

SPYMODEL_CLASSES = """
classes:
  - name: Plugin
    methods:
      - name: start
        arguments: [{name: self}]
      - name: stop
        arguments: [{name: self}]
"""

SPYMODEL = """
filename: importer.py
{classes}
deployments:
  - arch: {arch}
    systems:
      - os: {os}
        environment:
          variables:
            - {{name: STAGE, value: prod}}
            - {{name: REGION, value: eu-west-1}}
        pythons:
          - version: "{python}"
            interpreter: CPython
            modules:
              - filename: importer.py
{module_classes}
"""

# Runs in ImportSpy's venv: K validations of the importer module, median in seconds.
ISPY_VALIDATIONS = """
import importlib.util, json, statistics, sys, time
sys.path.insert(0, ".")
from importspy import Spy
spec = importlib.util.spec_from_file_location("importer_module", "plain/importer.py")
importer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(importer)
spy = Spy()
times = []
for _ in range(int(sys.argv[1])):
    start = time.perf_counter()
    spy.importspy(filepath="spymodel.yml", info_module=importer)
    times.append(time.perf_counter() - start)
print(json.dumps({"validation": statistics.median(times)}))
"""

# Runs under importspy_hook: the same importer, checked K times; and K guarded re-imports.
HOOK_VALIDATIONS = """
import json, statistics, sys, time
sys.path.insert(0, ".")
import importspy_hook
from _importspy_hook_guard import check_before
registry = importspy_hook.Registry.load("contracts")
importspy_hook.install(registry)
contracts = registry.contracts_for("protected")
namespace = {"__name__": "importer_module"}
exec(compile(open("importer_plain.py").read().replace("import protected", ""), "importer_plain.py", "exec"), namespace)
importer = ("importer_module", "importer_plain.py", 9, namespace)
count = int(sys.argv[1])
checks, imports = [], []
for _ in range(count):
    start = time.perf_counter()
    check_before("protected", "protected.py", contracts, registry, importer)
    checks.append(time.perf_counter() - start)
code = compile("import protected", "importer_plain.py", "exec")
for _ in range(count):
    sys.modules.pop("protected", None)
    start = time.perf_counter()
    exec(code, namespace)
    imports.append(time.perf_counter() - start)
print(json.dumps({"validation": statistics.median(checks), "reimport": statistics.median(imports)}))
"""

# The importer under importspy_hook, installing the hook as the first thing it does: from the
# contracts folder (through the compiled contract cache once it is warm), or from plain data.
HOOK_MAIN_YAML = "import importspy_hook\nimportspy_hook.install('contracts')\n" + IMPORTER
HOOK_MAIN_COMPILED = (
    "import marshal, importspy_hook\n"
    "with open('contracts.marshal', 'rb') as f:\n"
    "    importspy_hook.install(importspy_hook.Registry(marshal.load(f)))\n" + IMPORTER
)

# Import overhead: the same preparation in both modes, so sys.modules is the same before the
# timed window; only the hook mode installs the finder.
OVERHEAD = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
import importspy_hook
registry = importspy_hook.Registry.load("unrelated")
names = json.load(open("stdlib.json"))
if sys.argv[1] == "hook":
    importspy_hook.install(registry)
before = set(sys.modules)
# CPU time of this process: the other jobs on a shared machine do not count in it.
start = time.process_time()
for name in names:
    __import__(name)
seconds = time.process_time() - start
# The finder's own share: it is asked once about each module imported above (it is first on
# sys.meta_path); time those same calls again, many times over, free of the machine's noise.
found = [name for name in sys.modules if name not in before]
finder_seconds = 0.0
if sys.argv[1] == "hook":
    finder = sys.meta_path[0]
    start = time.perf_counter()
    for _ in range(100):
        for name in found:
            finder.find_spec(name, None)
    finder_seconds = (time.perf_counter() - start) / 100
print(json.dumps({"seconds": seconds, "finder_seconds": finder_seconds, "modules": len(found)}))
"""

# Picks the stdlib modules the overhead run imports: not loaded yet after the preparation,
# importable here, and free of visible side effects.
PICK_STDLIB = """
import json, pkgutil, sys, warnings
warnings.simplefilter("ignore")
import importspy_hook
importspy_hook.Registry.load("unrelated")
skip = {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "ensurepip", "lib2to3", "pydoc",
        "webbrowser", "__hello__", "__phello__", "test", "distutils"}
loaded = set(sys.modules)
candidates = []
for name in sorted(sys.stdlib_module_names):
    if name.startswith("_") or name in skip:
        continue
    candidates.append(name)
    try:
        package = __import__(name)
    except Exception:
        continue
    for info in pkgutil.walk_packages(getattr(package, "__path__", []), name + ".", onerror=lambda _: None):
        if not info.name.rpartition(".")[2].startswith("_"):
            candidates.append(info.name)
found = [n for n in candidates if n not in loaded and n.partition(".")[0] not in skip]
print(json.dumps(found[: int(sys.argv[1])]))
"""


def run(python: str | Path, *args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "IMPORTSPY_HOOK_"))}
    full_env.update({"STAGE": "prod", "REGION": "eu-west-1", "PYTHONDONTWRITEBYTECODE": "1"})
    full_env.update(env or {})
    done = subprocess.run(
        [str(python), *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{python} {' '.join(args)} failed in {cwd}:\n{done.stdout}{done.stderr}")
    return done.stdout


def timed(python: str | Path, *args: str, cwd: Path) -> float:
    start = time.perf_counter()
    run(python, *args, cwd=cwd)
    return time.perf_counter() - start


def importspy_venv(workdir: Path) -> Path:
    venv = workdir / "importspy-venv"
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():
        print(f"creating {venv} with {IMPORTSPY} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", IMPORTSPY], check=True)
    return python


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def scenario(workdir: Path) -> tuple[Path, Path, Path]:
    facts = {
        "os": platform.system().lower(),
        "arch": platform.machine(),
        "python": platform.python_version(),
    }
    ispy, hook, overhead = workdir / "importspy", workdir / "hook", workdir / "overhead"
    module_classes = textwrap.indent(SPYMODEL_CLASSES.strip("\n"), " " * 16)
    write(
        ispy,
        {
            "importer.py": IMPORTER,
            "plain/importer.py": IMPORTER.replace("import protected", ""),
            "protected.py": "from importspy import Spy\nSpy().importspy(filepath='spymodel.yml')\n",
            "spymodel.yml": SPYMODEL.format(classes=SPYMODEL_CLASSES, module_classes=module_classes, **facts),
            "validations.py": ISPY_VALIDATIONS,
        },
    )
    write(
        hook,
        {
            "importer.py": HOOK_MAIN_YAML,
            "importer_compiled.py": HOOK_MAIN_COMPILED,
            "importer_plain.py": IMPORTER,
            "protected.py": "VALUE = 1\n",
            "contracts/protected.yml": HOOK_CONTRACT.format(**facts),
            "validations.py": HOOK_VALIDATIONS,
        },
    )
    run(
        sys.executable,
        "-c",
        "import marshal, importspy_hook\n"
        "plain = list(importspy_hook.Registry.load('contracts').contracts)\n"
        "marshal.dump(plain, open('contracts.marshal', 'wb'))",
        cwd=hook,
    )
    unrelated = {}
    for i in range(UNRELATED_CONTRACTS):
        if i % 10 == 8:
            module = f"vendor_{i}.*"  # a prefix pattern
        elif i % 10 == 9:
            module = f"*.plugins.extra_{i}"  # a general pattern: the combined regular expression
        else:
            module = f"unrelated_{i}.core"
        unrelated[f"unrelated/c{i:02d}.yml"] = (
            f'module: "{module}"\nimporters:\n  allow: ["app.*"]\nruntime:\n  env:\n    STAGE: prod\n'
        )
    write(overhead, {**unrelated, "overhead.py": OVERHEAD, "pick.py": PICK_STDLIB})
    names = run(sys.executable, "pick.py", str(STDLIB_IMPORTS * 2), cwd=overhead)
    # Keep the first ones that a fresh interpreter imports without error, in order.
    names = run(
        sys.executable,
        "-c",
        "import json, sys, warnings\n"
        "warnings.simplefilter('ignore')\n"
        "ok = []\n"
        "for name in json.loads(sys.argv[1]):\n"
        "    try:\n"
        "        __import__(name)\n"
        "    except Exception:\n"
        "        continue\n"
        "    ok.append(name)\n"
        f"print(json.dumps(ok[:{STDLIB_IMPORTS}]))",
        names,
        cwd=overhead,
    )
    (overhead / "stdlib.json").write_text(names, encoding="utf-8")
    found = len(json.loads(names))
    if found < STDLIB_IMPORTS:
        print(f"note: only {found} stdlib modules could be imported here", file=sys.stderr)
    return ispy, hook, overhead


def median_ratio(pairs: list[tuple[float, float]]) -> float:
    return statistics.median(a / b for a, b in pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="paired process runs per measure (default 15)")
    parser.add_argument("--validations", type=int, default=200, help="validations per in-process run (default 200)")
    parser.add_argument("--workdir", type=Path, help="keep the venv and scenario here (default: a temp folder)")
    options = parser.parse_args()
    workdir = options.workdir or Path(tempfile.mkdtemp(prefix="vs-importspy-"))
    workdir.mkdir(parents=True, exist_ok=True)
    ispy_python = importspy_venv(workdir)
    ispy, hook, overhead = scenario(workdir)
    ours = sys.executable
    count = str(options.validations)

    # Sanity: both tools accept the scenario as written (a failure raises SystemExit).
    run(ispy_python, "importer.py", cwd=ispy)
    run(ours, "importer.py", cwd=hook)

    validation: list[tuple[float, float]] = []
    reimport: list[float] = []
    process_yaml: list[tuple[float, float]] = []
    process_compiled: list[tuple[float, float]] = []
    bare: list[tuple[float, float, float]] = []
    imports: list[tuple[float, float]] = []
    finder_share: list[float] = []
    imported = 0
    for round_ in range(options.rounds):
        print(f"round {round_ + 1}/{options.rounds}", file=sys.stderr)
        theirs = json.loads(run(ispy_python, "validations.py", count, cwd=ispy))
        mine = json.loads(run(ours, "validations.py", count, cwd=hook))
        validation.append((theirs["validation"], mine["validation"]))
        reimport.append(mine["reimport"])

        bare_theirs = timed(ispy_python, "-c", "pass", cwd=ispy)
        whole_theirs = timed(ispy_python, "importer.py", cwd=ispy)
        bare_ours = timed(ours, "-c", "pass", cwd=hook)
        whole_yaml = timed(ours, "importer.py", cwd=hook)
        whole_compiled = timed(ours, "importer_compiled.py", cwd=hook)
        process_yaml.append((whole_theirs, whole_yaml))
        process_compiled.append((whole_theirs, whole_compiled))
        bare.append((whole_theirs / bare_theirs, whole_yaml / bare_ours, whole_compiled / bare_ours))

        # Alternate which mode runs first, so that drift in the machine's load cancels out.
        order = ("hook", "nohook") if round_ % 2 else ("nohook", "hook")
        report = {mode: json.loads(run(ours, "overhead.py", mode, cwd=overhead)) for mode in order}
        imports.append((report["hook"]["seconds"], report["nohook"]["seconds"]))
        finder_share.append(report["hook"]["finder_seconds"] / report["nohook"]["seconds"])
        imported = report["hook"]["modules"]

    ms = 1000.0
    rows = [
        (
            "per validation, in process (ImportSpy / importspy_hook)",
            f"{statistics.median(a for a, _ in validation) * ms:.2f} ms",
            f"{statistics.median(b for _, b in validation) * 1e6:.1f} µs",
            f"{median_ratio(validation):.0f}x",
            "≥ 100x",
        ),
        (
            "guarded re-import, in process (importspy_hook only)",
            "",
            f"{statistics.median(reimport) * 1e6:.0f} µs",
            "",
            "",
        ),
        (
            'whole process, install("contracts") (ImportSpy / importspy_hook)',
            f"{statistics.median(a for a, _ in process_yaml) * ms:.0f} ms",
            f"{statistics.median(b for _, b in process_yaml) * ms:.0f} ms",
            f"{median_ratio(process_yaml):.1f}x",
            "≥ 5x",
        ),
        (
            "whole process, Registry from marshal data (ImportSpy / importspy_hook)",
            f"{statistics.median(a for a, _ in process_compiled) * ms:.0f} ms",
            f"{statistics.median(b for _, b in process_compiled) * ms:.0f} ms",
            f"{median_ratio(process_compiled):.1f}x",
            "≥ 5x",
        ),
        (
            "whole process / bare interpreter start",
            f"{statistics.median(a for a, _, _ in bare):.1f}x",
            f"{statistics.median(b for _, b, _ in bare):.1f}x (install), "
            f"{statistics.median(c for _, _, c in bare):.1f}x (marshal)",
            "",
            "",
        ),
        (
            f"{STDLIB_IMPORTS} stdlib imports (CPU), hook over {UNRELATED_CONTRACTS} unrelated contracts / no hook",
            "",
            f"{statistics.median(a for a, _ in imports) * ms:.1f} ms / "
            f"{statistics.median(b for _, b in imports) * ms:.1f} ms",
            f"{median_ratio(imports):.4f}",
            "≤ 1.01",
        ),
        (
            f"the same, from the finder's own time ({imported} modules imported)",
            "",
            f"{statistics.median(finder_share) * statistics.median(b for _, b in imports) * 1e6:.0f} µs in find_spec",
            f"{1 + statistics.median(finder_share):.4f}",
            "≤ 1.01",
        ),
    ]
    header = ("measure", "ImportSpy 0.4.10", "importspy_hook", "ratio (median of pairs)", "goal")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("=" * w for w in widths)
    print(
        f"\nPython {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{options.rounds} rounds, {options.validations} validations per in-process run\n"
    )
    print(line)
    print("  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)).rstrip())
    print(line)
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    print(line)


if __name__ == "__main__":
    main()
