"""``check --static`` against ``lint-imports`` (import-linter) on Django's source, measured on demand.

Run from the repository root:

    python benchmarks/static.py                 # makes a venv in a temp dir: this tree, Django, import-linter
    python benchmarks/static.py --venv DIR      # reuse a venv that has them installed
    python benchmarks/static.py --rounds 21     # more rounds, narrower medians
    python benchmarks/static.py --facts-only    # only the run-time require check, in this interpreter

Both tools run as whole processes on the same tree (Django as pip installed it): ours with 20
contracts on Django modules (exact names and patterns, a few with ``importers.require`` and
``provides``), import-linter with one ``forbidden`` contract. Rounds are paired: in each round
both tools run once, in a shuffled order, so that load on the machine (the CPU may be shared)
falls on both alike; medians of wall time and of the child's CPU time (``wait4``) are
reported. *Cold*: every cache of both tools removed before each run (our facts and grimp
caches, the compiled contract cache, import-linter's cache); *warm*: each run after one of the
same tool. *Growth*: the same contracts over ten renamed copies of Django (ten times its
size) against Django alone. *Facts*: the in-process cost of the run-time ``importers.require``
check of a 500-line importer whose required members come after its import: their source facts
from the warm cache, and parsed cold.

Budgets: warm <= 1.0 x import-linter; cold <= 1.5 x; growth <= 10 x; facts warm <= 50 us,
cold <= 5 ms. This is not part of the test suite: timings belong here, never in unit tests.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CONTRACTS = {
    "db.models": "module: django.db.models\nimporters:\n  deny: [django.utils.*, django.template.*]\n",
    "db.backends": (
        "module: django.db.backends.*\nimporters:\n  allow: [django.db.*, django.core.*, django.contrib.*]\n"
    ),
    "auth.models": "module: django.contrib.auth.models\nimporters:\n  deny: [django.core.*, django.db.*]\n",
    "http": "module: django.http\nimporters:\n  allow: [django.*]\n",
    "template": "module: django.template.*\nimporters:\n  deny: [django.db.*]\n",
    "core.cache": (
        "module: django.core.cache\nprovides:\n  functions: [{name: close_caches}]\n  variables: [{name: cache}]\n"
    ),
    "functional": """
        module: django.utils.functional
        provides:
          functions: [{name: lazy}]
          classes:
            - name: cached_property
              methods: [{name: __get__, arguments: [{name: instance}]}]
    """,
    "apps": "module: django.apps\nimporters:\n  allow: [django.*]\n",
    "conf": "module: django.conf\nprovides:\n  variables: [{name: settings}]\n",
    "urls": "module: django.urls.*\nimporters:\n  deny: [django.db.*]\n",
    "forms": "module: django.forms\nimporters:\n  allow: [django.*]\n",
    "middleware": "module: django.middleware.*\nimporters:\n  deny: [django.db.models.*]\n",
    "admin": "module: django.contrib.admin\nimporters:\n  allow: [django.contrib.*]\n",
    "management": """
        module: django.core.management.base
        provides:
          classes:
            - name: BaseCommand
              methods: [{name: handle}, {name: add_arguments, arguments: [{name: parser}]}]
    """,
    "views": """
        module: django.views.generic.base
        provides:
          classes:
            - name: View
              methods: [{name: dispatch}, {name: as_view}]
    """,
    "dispatch": "module: django.dispatch\nimporters:\n  deny: [django.utils.*]\n",
    "sessions": """
        module: django.contrib.sessions.backends.base
        importers:
          require:
            classes:
              - name: SessionStore
                bases: [SessionBase]
    """,
    "migrations": (
        "module: django.db.migrations.operations.base\nimporters:\n  allow: [django.db.*, django.contrib.*]\n"
    ),
    "mail": "module: django.core.mail\nimporters:\n  deny: [django.db.*]\n",
    "test": "module: django.test.*\nimporters:\n  deny: [django.db.models.*, django.core.*]\n",
}

IMPORTLINTER = """
    [importlinter]
    root_packages =
        {packages}
    [importlinter:contract:utils]
    name = django.utils does not import django.contrib
    type = forbidden
    source_modules =
        django.utils
    forbidden_modules =
        django.contrib
"""


def venv_python(venv: str) -> str:
    return os.path.join(venv, "Scripts" if os.name == "nt" else "bin", "python")


def make_venv(scratch: str) -> str:
    venv = os.path.join(scratch, "venv")
    print("creating the venv and installing this tree, Django and import-linter ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run([venv_python(venv), "-m", "pip", "install", "-q", ROOT, "django", "import-linter"], check=True)
    return venv


def site_packages(python: str) -> str:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return subprocess.run([python, "-c", code], check=True, capture_output=True, text=True).stdout.strip()


def write_project(work: str, packages: list[str]) -> None:
    os.makedirs(os.path.join(work, "contracts"), exist_ok=True)
    for name, text in CONTRACTS.items():
        with open(os.path.join(work, "contracts", f"{name}.yml"), "w", encoding="utf-8") as stream:
            stream.write(textwrap.dedent(text).lstrip("\n"))
    with open(os.path.join(work, ".importlinter"), "w", encoding="utf-8") as stream:
        stream.write(textwrap.dedent(IMPORTLINTER.format(packages="\n        ".join(packages))).lstrip("\n"))


def grown_tree(django: str, target: str, copies: int) -> list[str]:
    """Django and ``copies - 1`` renamed copies of it (``django1``, ...), in ``target``."""
    names = ["django"]
    shutil.copytree(django, os.path.join(target, "django"))
    word = re.compile(r"\bdjango\b")
    for index in range(1, copies):
        name = f"django{index}"
        names.append(name)
        for folder, _, files in os.walk(django):
            out = os.path.join(target, name, os.path.relpath(folder, django))
            os.makedirs(out, exist_ok=True)
            for file in files:
                if file.endswith(".py"):
                    with open(os.path.join(folder, file), encoding="utf-8", errors="surrogateescape") as stream:
                        text = word.sub(name, stream.read())
                    with open(os.path.join(out, file), "w", encoding="utf-8", errors="surrogateescape") as stream:
                        stream.write(text)
    return names


def spawn(argv: list[str], cwd: str, env: dict[str, str]) -> tuple[int, int]:
    """Wall and CPU time (ns) of one process; its output is discarded."""
    start = time.perf_counter_ns()
    with open(os.devnull, "wb") as null:
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=null, stderr=null)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter_ns() - start
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed with exit code {process.returncode}")
    return wall, int((usage.ru_utime + usage.ru_stime) * 1e9)


class Side:
    def __init__(self, name: str, argv: list[str], caches: list[str]) -> None:
        self.name = name
        self.argv = argv
        self.caches = caches

    def clear(self) -> None:
        for cache in self.caches:
            shutil.rmtree(cache, ignore_errors=True)


def paired(sides: list[Side], cwd: str, env: dict[str, str], rounds: int, cold: bool) -> dict[str, tuple[float, float]]:
    walls: dict[str, list[int]] = {s.name: [] for s in sides}
    cpus: dict[str, list[int]] = {s.name: [] for s in sides}
    for side in sides:  # warm every cache (and the OS's file cache) once
        spawn(side.argv, cwd, env)
    for _ in range(rounds):
        order = list(sides)
        random.shuffle(order)
        for side in order:
            if cold:
                side.clear()
            wall, cpu = spawn(side.argv, cwd, env)
            walls[side.name].append(wall)
            cpus[side.name].append(cpu)
    return {s.name: (statistics.median(walls[s.name]) / 1e9, statistics.median(cpus[s.name]) / 1e9) for s in sides}


def facts_costs(python: str, scratch: str, env: dict[str, str]) -> dict[str, Any]:
    """In-process cost of the run-time ``importers.require`` check of a 500-line importer whose
    required members come after its import: warm (another process wrote the facts cache) and
    cold (the source parsed and stored)."""
    lines = ["from app.core import BasePlugin", "import os", ""]
    index = 0
    while len(lines) < 480:
        lines += [
            f"def function_{index}(a: int, b: str = 'x', *args, **kwargs) -> dict:",
            f"    return {{'a': a, 'b': b, 'n': {index}}}",
            "",
            f"class Helper{index}(BasePlugin):",
            f"    name = 'helper{index}'",
            "    def run(self, value: int) -> int:",
            "        self.value = value",
            "        return value * 2",
            "",
        ]
        index += 1
    lines += ["PLUGIN_NAME = 'big'", "class Plugin(BasePlugin):", "    def run(self): ...", ""]
    importer = os.path.join(scratch, "importer.py")
    with open(importer, "w", encoding="utf-8") as stream:
        stream.write("\n".join(lines))
    contract = os.path.join(scratch, "require.yml")
    with open(contract, "w", encoding="utf-8") as stream:
        stream.write(
            "module: app.core\nimporters:\n  require:\n    variables: [{name: PLUGIN_NAME}]\n"
            "    classes: [{name: Plugin, bases: [BasePlugin], methods: [{name: run}]}]\n"
        )
    # What the hook runs for an importer whose import of app.core is its first line: the require
    # check, with the members not run yet read from the source facts. Each round forgets the
    # facts kept in memory, as a new process would.
    code = textwrap.dedent(
        f"""
        import ast, json, os, shutil, time
        # One CPU: on a shared machine the scheduler otherwise moves the process between
        # cores now and then, and a warm check measured after a move runs 1.7 x slower
        # (45 against 75-85 us here), which says nothing about the check.
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {{min(os.sched_getaffinity(0))}})
        from importspy_hook.static import factscache
        from importspy_hook._failure import report_before
        from importspy_hook._reading.load import load_contract
        from importspy_hook._reading.structuring import to_plain

        class BasePlugin:
            def run(self): ...

        file = {importer!r}
        contracts = (to_plain(load_contract({contract!r})),)
        importer = ("importer", file, 1, {{"__name__": "importer", "BasePlugin": BasePlugin}})

        def once():
            factscache._memory.clear()
            start = time.perf_counter_ns()
            assert report_before("app.core", None, contracts, None, importer, []) == []
            return time.perf_counter_ns() - start

        cold, parse = [], []
        with open(file, "rb") as stream:
            data = stream.read()
        for _ in range(30):
            shutil.rmtree(factscache.cache_folder(), ignore_errors=True)
            cold.append(once())
            # ast.parse alone on the same file, paired with each cold check: the ratio holds
            # when the machine is shared.
            start = time.perf_counter_ns()
            ast.parse(data, file)
            parse.append(time.perf_counter_ns() - start)
        old = os.stat(file)
        os.utime(file, ns=(old.st_atime_ns, old.st_mtime_ns - 10**10))
        once()
        # The entry was written within the racy window of the file's ctime: age it, as time would.
        cache = factscache._cache_file(file)
        key, digest, when, facts = factscache._read_entry(cache)
        factscache._write(cache, key, digest, when + 10**10, facts)
        warm = [once() for _ in range(300)]
        cold.sort(); warm.sort(); parse.sort()
        print(json.dumps({{
            "cold_ms": cold[len(cold) // 2] / 1e6,
            "parse_ms": parse[len(parse) // 2] / 1e6,
            "warm_us": warm[len(warm) // 2] / 1e3,
        }}))
        """
    )
    # Three processes, each with a cache folder of its own; the median of their medians.
    runs = []
    for index in range(3):
        each = dict(env, IMPORTSPY_HOOK_CACHE_DIR=os.path.join(scratch, f"facts-cache-{index}"))
        out = subprocess.run([python, "-c", code], env=each, check=True, capture_output=True, text=True).stdout
        runs.append(json.loads(out))
    result: dict[str, Any] = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    result["warm_us_range"] = (min(r["warm_us"] for r in runs), max(r["warm_us"] for r in runs))
    result["cold_ms_range"] = (min(r["cold_ms"] for r in runs), max(r["cold_ms"] for r in runs))
    result["lines"] = len(lines)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", help="a venv with this tree, Django and import-linter installed (default: build one)")
    parser.add_argument("--rounds", type=int, default=11, help="paired rounds per case (default 11)")
    parser.add_argument("--growth-rounds", type=int, default=3, help="rounds of the ten-fold tree (default 3)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--facts-only", action="store_true", help="measure only the run-time require check (no Django, no venv needed)"
    )
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="importspy-static-")
    if args.facts_only:
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("IMPORTSPY_HOOK_", "PYTHON"))}
            env["IMPORTSPY_HOOK_CACHE_DIR"] = os.path.join(scratch, "cache")
            python = venv_python(args.venv) if args.venv else sys.executable
            show_facts(facts_costs(python, scratch, env))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return 0
    try:
        venv = args.venv or make_venv(scratch)
        python = venv_python(venv)
        django = os.path.join(site_packages(python), "django")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("IMPORTSPY_HOOK_", "PYTHON"))}
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        cache = os.path.join(scratch, "cache")
        env["IMPORTSPY_HOOK_CACHE_DIR"] = cache
        figures: dict[str, object] = {"python": sys.version.split()[0], "cpus": os.cpu_count(), "rounds": args.rounds}

        def sides(work: str, tree: list[str]) -> list[Side]:
            lint = os.path.join(os.path.dirname(python), "lint-imports")
            ours = [python, "-m", "importspy_hook", "check", "--static", *tree, "--contracts", "contracts"]
            return [
                Side("importspy-hook", ours, [cache, os.path.join(work, "contracts", "__importspy_cache__")]),
                Side("lint-imports", [lint], [os.path.join(work, ".import_linter_cache")]),
            ]

        work = os.path.join(scratch, "django-project")
        write_project(work, ["django"])
        env_one = {**env, "PYTHONPATH": os.path.dirname(django)}
        one = sides(work, [django])
        for label, cold in (("warm", False), ("cold", True)):
            print(f"{label}: {args.rounds} paired rounds on Django ...", file=sys.stderr)
            figures[label] = paired(one, work, env_one, args.rounds, cold)

        grown = os.path.join(scratch, "grown")
        os.makedirs(grown)
        print("writing ten copies of Django ...", file=sys.stderr)
        names = grown_tree(django, grown, 10)
        work10 = os.path.join(scratch, "grown-project")
        write_project(work10, names)
        env_ten = {**env, "PYTHONPATH": grown}
        ten = sides(work10, [os.path.join(grown, n) for n in names])
        for label, cold in (("warm", False), ("cold", True)):
            print(f"growth, {label}: {args.growth_rounds} rounds on the ten-fold tree ...", file=sys.stderr)
            big = paired(ten, work10, env_ten, args.growth_rounds, cold)
            figures[f"growth_{label}"] = big
        figures["facts"] = facts_costs(python, scratch, env)
        show(figures)
        if args.json:
            with open(args.json, "w", encoding="utf-8") as stream:
                json.dump(figures, stream, indent=2)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def show(figures: dict[str, object]) -> None:
    print(f"Python {figures['python']}, {figures['cpus']} CPUs (shared), medians of {figures['rounds']} paired rounds")
    print(f"{'case':<24}{'ours wall':>11}{'theirs wall':>13}{'ratio':>8}{'ours cpu':>10}{'theirs cpu':>12}{'ratio':>8}")
    budgets = {"warm": 1.0, "cold": 1.5}
    for case in ("warm", "cold", "growth_warm", "growth_cold"):
        found = figures[case]
        assert isinstance(found, dict)
        ours, theirs = found["importspy-hook"], found["lint-imports"]
        budget = f"  (budget {budgets[case]})" if case in budgets else ""
        print(
            f"{case:<24}{ours[0]:>10.3f}s{theirs[0]:>12.3f}s{ours[0] / theirs[0]:>8.2f}"
            f"{ours[1]:>9.3f}s{theirs[1]:>11.3f}s{ours[1] / theirs[1]:>8.2f}{budget}"
        )
    for label in ("warm", "cold"):
        one = figures[label]
        ten = figures[f"growth_{label}"]
        assert isinstance(one, dict)
        assert isinstance(ten, dict)
        for side in ("importspy-hook", "lint-imports"):
            print(f"growth {label} {side}: ten-fold tree / Django = {ten[side][0] / one[side][0]:.2f} x (budget 10)")
    facts = figures["facts"]
    assert isinstance(facts, dict)
    show_facts(facts)


def show_facts(facts: dict[str, Any]) -> None:
    warm_low, warm_high = facts["warm_us_range"]
    cold_low, cold_high = facts["cold_ms_range"]
    print(
        f"run-time require from the source of a {facts['lines']:.0f}-line importer, median of 3 processes "
        f"(each pinned to one CPU): warm {facts['warm_us']:.1f} us ({warm_low:.1f}-{warm_high:.1f}; budget 50), "
        f"cold {facts['cold_ms']:.2f} ms ({cold_low:.2f}-{cold_high:.2f}; budget 5); ast.parse alone of that "
        f"file {facts['parse_ms']:.2f} ms (cold / parse = {facts['cold_ms'] / facts['parse_ms']:.2f})"
    )


if __name__ == "__main__":
    sys.exit(main())
