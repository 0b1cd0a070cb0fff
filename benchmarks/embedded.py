"""What ``importspy_hook.guard()`` adds to an import, and what a find_spec miss costs, on demand.

Run from the repository root, with importspy-hook importable (an editable install):

    python benchmarks/embedded.py                        # guard() cost, this tree
    python benchmarks/embedded.py --pairs 400 --processes 8
    python benchmarks/embedded.py --compare-src OTHER/src   # find_spec misses: this tree vs OTHER

guard() cost (budget: <= 50 us added to the import of a module whose contract file the compiled
cache holds). A scratch project holds N modules ``g.m<i>`` that call ``guard("m<i>.yml")`` first
thing, each with its own contract file beside it (one folder, one cache file), and N modules
``p.m<i>`` with the same text without the call. Both import ``importspy_hook`` and are compiled
to ``.pyc`` first, and one process warms the compiled cache. Then fresh processes import the
pairs ``g.m<i>``, ``p.m<i>`` one after the other, in shuffled order and with the order inside a
pair alternating, timing each import with ``perf_counter_ns``; the figure is the median of the
per-pair differences. Each process's first pair also pays what a process pays once (importing
``importspy_hook._embedded``, reading the cache file's index): reported apart, and measured
again from outside as paired fresh interpreters (``import g.m0`` vs ``import p.m0``).

find_spec misses (selective enforcement must keep unprotected imports nearly free): the
finder's ``find_spec`` for names no contract governs, timed in-process (best of 7 runs of
200,000 calls), for a registry of exact names, of patterns, and for a standard-library name
under a ``*`` contract, which this tree skips and older trees guarded. With ``--compare-src``,
the same measurement runs alternately with this tree's ``src`` and another tree's on
``PYTHONPATH``.

The machine may be shared: every comparison is paired (side by side in one run, order
alternating) so that load falls on both sides alike; say so when quoting the figures. This is
not part of the test suite: timings belong here, never in unit tests.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUDGET_US = 50.0

CONTRACT = """\
module: g.m{i}
importers:
  allow: ["__main__", "bench", "g.*"]
  deny: ["plugins.*"]
runtime:
  python: ">=3.10"
  env:
    STAGE: {{one_of: [prod, staging]}}
"""

GUARDED = 'import importspy_hook\n\nimporter = importspy_hook.guard("m{i}.yml")\nX = {i}\n'
PLAIN = "import importspy_hook\n\nimporter = None\nX = {i}\n"

PAIRS = """
import importlib, json, random, sys, time
import importspy_hook

order = json.loads(sys.argv[1])
timings = []
for position, i in enumerate(order):
    names = [f"g.m{i}", f"p.m{i}"]
    if position % 2:
        names.reverse()
    spent = {}
    for name in names:
        started, cpu = time.perf_counter_ns(), time.thread_time_ns()
        importlib.import_module(name)
        spent[name[0]] = (time.perf_counter_ns() - started, time.thread_time_ns() - cpu)
    timings.append((*spent["g"], *spent["p"]))
print(json.dumps(timings))
"""

FIND_SPEC = r"""
import json, sys, time, warnings
import importspy_hook

warnings.simplefilter("ignore")
results = {}
for case, folder, names in json.loads(sys.argv[1]):
    registry = importspy_hook.Registry.load(folder)
    finder = importspy_hook.ContractFinder(registry)
    for name in names:
        find = finder.find_spec
        best = None
        for _ in range(7):
            started = time.perf_counter_ns()
            for _ in range(200_000 if name != "colorsys" else 2_000):
                find(name)
            spent = (time.perf_counter_ns() - started) / (200_000 if name != "colorsys" else 2_000)
            best = spent if best is None else min(best, spent)
        results[f"{case}: {name}"] = best
print(json.dumps(results))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=200, help="guarded/plain module pairs per process")
    parser.add_argument("--processes", type=int, default=6, help="fresh processes importing every pair")
    parser.add_argument("--pairs", type=int, default=100, help="paired fresh interpreters for the one-time cost")
    parser.add_argument("--compare-src", help="another tree's src folder, for the find_spec comparison")
    parser.add_argument("--rounds", type=int, default=3, help="alternating find_spec runs per tree")
    parser.add_argument("--find-spec-only", action="store_true", help="only the find_spec comparison")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="importspy-embedded-") as work:
        write_project(work, args.modules)
        if not args.find_spec_only:
            figures["guard"] = guard_cost(work, args.modules, args.processes)
            figures["first_guard"] = first_guard_cost(work, args.pairs)
        figures["find_spec"] = find_spec_cost(work, args.compare_src, args.rounds)
    show(figures)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(figures, out, indent=2)
    return 0 if args.find_spec_only or figures["guard"]["median_added_us"] <= BUDGET_US else 1


def write_project(work: str, count: int) -> None:
    for package, text in (("g", GUARDED), ("p", PLAIN)):
        os.makedirs(os.path.join(work, package))
        open(os.path.join(work, package, "__init__.py"), "w").close()
        for i in range(count):
            with open(os.path.join(work, package, f"m{i}.py"), "w", encoding="utf-8") as out:
                out.write(text.format(i=i))
            if package == "g":
                with open(os.path.join(work, package, f"m{i}.yml"), "w", encoding="utf-8") as out:
                    out.write(CONTRACT.format(i=i))
    # Compiled here, so that no import below compiles source (the suite runs without .pyc).
    compileall.compile_dir(work, quiet=1)
    contracts = {
        "exact": {f"app.module{i}": "module: app.module{i}\nimporters: {{allow: [app]}}\n" for i in range(20)},
        "patterns": {
            "prefix": 'module: "app.plugins.*"\nimporters: {allow: [app]}\n',
            "question": 'module: "?yapp.secrets"\nimporters: {allow: [app]}\n',
            "class": 'module: "[mn]yapp.*.keys"\nimporters: {allow: [app]}\n',
        },
        "star": {"everything": 'module: "*"\nimporters: {deny: [plugins.evil]}\n'},
    }
    for folder, files in contracts.items():
        os.makedirs(os.path.join(work, "contracts", folder))
        for name, text in files.items():
            with open(os.path.join(work, "contracts", folder, f"{name}.yml"), "w", encoding="utf-8") as out:
                out.write(text.format(i=name[len("app.module") :]) if folder == "exact" else text)


def environment(work: str, src: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMPORTSPY_HOOK_", "PYTHON"))}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, work) if p)
    env["STAGE"] = "prod"
    return env


def spawn(args: list[str], env: dict[str, str], cwd: str) -> tuple[str, int, int]:
    """stdout, wall ns and child CPU ns (user + system) of one fresh interpreter."""
    started = time.perf_counter_ns()
    process = subprocess.Popen([sys.executable, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter_ns() - started
    out = process.stdout.read() if process.stdout is not None else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"{args} failed with {process.returncode}")
    return out, wall, int((usage.ru_utime + usage.ru_stime) * 1e9)


def guard_cost(work: str, count: int, processes: int) -> dict[str, object]:
    env = environment(work)
    # Warm the compiled cache (and check that every guarded module passes).
    spawn(["-c", f"import importlib\nfor i in range({count}): importlib.import_module(f'g.m{{i}}')"], env, work)
    added: list[float] = []
    added_cpu: list[float] = []
    firsts: list[float] = []
    guarded: list[float] = []
    plain: list[float] = []
    for _ in range(processes):
        order = list(range(count))
        random.shuffle(order)
        out, _, _ = spawn(["-c", PAIRS, json.dumps(order)], env, work)
        timings = json.loads(out)
        firsts.append((timings[0][0] - timings[0][2]) / 1000)
        for g, g_cpu, p, p_cpu in timings[1:]:
            added.append((g - p) / 1000)
            added_cpu.append((g_cpu - p_cpu) / 1000)
            guarded.append(g / 1000)
            plain.append(p / 1000)
    return {
        "pairs": len(added),
        "median_added_us": statistics.median(added),
        "quartiles_added_us": statistics.quantiles(added, n=4),
        "median_added_cpu_us": statistics.median(added_cpu),
        "median_guarded_import_us": statistics.median(guarded),
        "median_plain_import_us": statistics.median(plain),
        "median_first_pair_added_us": statistics.median(firsts),
        "load_average": os.getloadavg()[0],
    }


def first_guard_cost(work: str, pairs: int) -> dict[str, object]:
    env = environment(work)
    cases = {"guarded": "import g.m0", "plain": "import p.m0"}
    walls: dict[str, list[int]] = {case: [] for case in cases}
    cpus: dict[str, list[int]] = {case: [] for case in cases}
    for round_ in range(pairs):
        names = list(cases)
        if round_ % 2:
            names.reverse()
        for case in names:
            _, wall, cpu = spawn(["-c", cases[case]], env, work)
            walls[case].append(wall)
            cpus[case].append(cpu)
    return {
        "pairs": pairs,
        "wall_added_us": (statistics.median(walls["guarded"]) - statistics.median(walls["plain"])) / 1000,
        "cpu_added_us": (statistics.median(cpus["guarded"]) - statistics.median(cpus["plain"])) / 1000,
        "wall_plain_ms": statistics.median(walls["plain"]) / 1e6,
    }


def find_spec_cost(work: str, other_src: str | None, rounds: int) -> dict[str, object]:
    folder = os.path.join(work, "contracts")
    cases = [
        ["exact", os.path.join(folder, "exact"), ["zz_unprotected", "app.other"]],
        ["patterns", os.path.join(folder, "patterns"), ["zz_unprotected", "app.other"]],
        ["star", os.path.join(folder, "star"), ["colorsys"]],
    ]
    trees = {"this tree": os.path.join(ROOT, "src")}
    if other_src:
        trees["other tree"] = os.path.abspath(other_src)
    runs: dict[str, list[dict[str, float]]] = {tree: [] for tree in trees}
    for round_ in range(rounds):
        names = list(trees)
        if round_ % 2:
            names.reverse()
        for tree in names:
            out, _, _ = spawn(["-c", FIND_SPEC, json.dumps(cases)], environment(work, trees[tree]), work)
            runs[tree].append(json.loads(out))
    return {tree: {key: min(run[key] for run in found) for key in found[0]} for tree, found in runs.items()}


def show(figures: dict[str, Any]) -> None:
    if "guard" in figures:
        show_guard(figures["guard"], figures["first_guard"])
    print("find_spec, ns per call (best of 7 x 200,000; the * case 7 x 2,000):")
    for tree, results in figures["find_spec"].items():
        for key, ns in results.items():
            print(f"  {tree:10}  {key:28} {ns:8.0f}")


def show_guard(guard: dict[str, Any], first: dict[str, Any]) -> None:
    print(
        f"guard() with a cached contract file, {guard['pairs']} paired imports in fresh processes "
        f"(load average {guard['load_average']:.1f} on {os.cpu_count()} CPUs):"
    )
    print(
        f"  added to the import: median {guard['median_added_us']:.1f} us "
        f"(quartiles {', '.join(f'{q:.1f}' for q in guard['quartiles_added_us'])}; budget {BUDGET_US:.0f} us)"
    )
    print(f"  added thread CPU time: median {guard['median_added_cpu_us']:.1f} us")
    print(
        f"  import with guard() {guard['median_guarded_import_us']:.1f} us, "
        f"without {guard['median_plain_import_us']:.1f} us"
    )
    once = guard["median_first_pair_added_us"]
    print(f"  first pair of a process (imports _embedded, reads the cache index): +{once:.0f} us")
    print(
        f"first guard() of an interpreter, {first['pairs']} paired fresh interpreters: "
        f"+{first['wall_added_us']:.0f} us wall, +{first['cpu_added_us']:.0f} us CPU "
        f"(a start importing the plain module: {first['wall_plain_ms']:.1f} ms)"
    )


if __name__ == "__main__":
    sys.exit(main())
