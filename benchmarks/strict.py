"""Speed budgets of strict mode (every import statement of a protected module checked).

Run from the repository root, with an interpreter of a virtual environment where
importspy-hook is installed (the .pth file is needed for the fresh-interpreter case):

    python benchmarks/strict.py                   # sys.executable
    python benchmarks/strict.py --python VENV/bin/python --rounds 41

Measured, each paired and reported as medians, on one interpreter:

- ``import os`` executed in a loop inside a function (the module imported already), strict
  mode on against off, with the finder installed in both: budget 0.5 us added per statement.
  For scale, the same against a bare Python function wrapping ``builtins.__import__``.
- ``import app.protected`` in a loop inside a function of an allowed importer, after the
  first time: budget 1.5 us added per statement.
- 200 stdlib imports in a fresh interpreter, drop-in activation with strict mode over 50
  unrelated contracts against no hook (the .pth file present, its variable unset): budget
  1.02 for the ratio of the child's CPU time (user + system, from ``wait4``). Also shown: the
  same with the hook and strict mode off. Drop-in activation turns strict mode on at the first
  protected import, so the script starts with ``import app.protected`` (in every case), and
  its contract is the 51st.

In-process figures alternate off and on in each round (the order shuffled), and report the
median of the per-round differences. On a shared machine the fresh-interpreter ratio moves by
a few percent from run to run (the hook without strict mode too), more than the budget: so
the wrapper's own cost on the same workload is also measured in one interpreter, replaying
every ``__import__`` call the 200 imports made (all modules imported by then) through the
original function and through strict mode's wrapper with its caches emptied before each
repeat (as in a fresh interpreter), and reported against the no-hook CPU time. Start-up
with ``IMPORTSPY_HOOK_STRICT=1`` is the ``active_strict`` case of benchmarks/startup.py.

This is not part of the test suite: timings belong here, never in unit tests.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

BUDGETS = {"import_os_added_us": 0.5, "protected_added_us": 1.5, "stdlib_cpu_ratio": 1.02}

USER = """
def loop_os(n):
    for _ in range(n):
        import os


def loop_protected(n):
    for _ in range(n):
        import app.protected
"""

PROTECTED_CONTRACT = """
module: app.protected
importers:
  allow: ["app", "app.*"]
  deny: ["plugins.*"]
"""

UNRELATED_CONTRACT = """
module: {module}
importers:
  allow: ["elsewhere.*"]
  deny: ["plugins.*"]
runtime:
  os: [linux, macos, windows]
"""

# Never imported by the stdlib case: they open windows, print, start browsers, or exist only
# on some platforms or builds.
EXCLUDED = {
    "antigravity",
    "this",
    "idlelib",
    "tkinter",
    "turtle",
    "turtledemo",
    "__main__",
    "test",
    "ensurepip",
    "venv",
    "pydoc_data",
    "lib2to3",
    "msilib",
    "winreg",
    "winsound",
    "nt",
    "_msi",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="the interpreter (of a venv with importspy-hook)")
    parser.add_argument("--rounds", type=int, default=31, help="paired rounds (default 31)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the runs to one CPU")
    parser.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--replay", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_process:
        return in_process(args.rounds)
    if args.replay:
        return replay(args.replay, args.rounds)
    # Every interpreter started inherits the pin: a run moved between CPUs halfway measured
    # the same workload a few percent apart from one run to the next.
    pinned = not args.no_pin and hasattr(os, "sched_setaffinity")
    if pinned:
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    with tempfile.TemporaryDirectory(prefix="importspy-strict-") as work:
        write_project(work)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "IMPORTSPY_HOOK_"))}
        env["PYTHONPATH"] = work
        version = subprocess.run([args.python, "-VV"], capture_output=True, text=True, check=True).stdout.strip()
        where = "pinned to one CPU" if pinned else "not pinned"
        print(f"{version}; {args.rounds} paired rounds; medians; {where}")
        done = subprocess.run(
            [args.python, os.path.abspath(__file__), "--in-process", "--rounds", str(args.rounds)],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(done.stdout + done.stderr)
        print(done.stdout, end="")
        stdlib(args.python, work, env, args.rounds)
    return 0


def write_project(work: str) -> None:
    def write(name: str, text: str) -> None:
        path = os.path.join(work, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(textwrap.dedent(text).lstrip("\n"))

    write("app/__init__.py", "")
    write("app/protected.py", "VALUE = 1\n")
    write("app/user.py", USER)
    write("contracts/app.protected.yml", PROTECTED_CONTRACT)
    for index in range(50):
        write(f"unrelated/c{index:02d}.yml", UNRELATED_CONTRACT.format(module=f"elsewhere.module{index:02d}"))
    write("unrelated/app.protected.yml", PROTECTED_CONTRACT.replace('"app.*"', '"app.*", "__main__"'))


# -- In one interpreter: per statement -------------------------------------------------------


def in_process(rounds: int) -> int:
    import builtins

    import importspy_hook
    from importspy_hook import _import_wrapper

    installation = importspy_hook.install("contracts")
    finder = installation.finder
    import app.user

    app.user.loop_protected(1)  # the first import, checked by the finder
    original = builtins.__import__

    def bare(name, globals=None, locals=None, fromlist=(), level=0):  # type: ignore[no-untyped-def]
        return original(name, globals, locals, fromlist, level)

    def strict_on() -> None:
        _import_wrapper.enable(finder)

    def strict_off() -> None:
        _import_wrapper.disable()

    def bare_on() -> None:
        builtins.__import__ = bare

    def bare_off() -> None:
        builtins.__import__ = original

    n = 20_000

    def per_statement(loop: Callable[[int], None]) -> float:
        start = time.perf_counter_ns()
        loop(n)
        return (time.perf_counter_ns() - start) / n / 1000

    def paired(loop: Callable[[int], None], on: Callable[[], None], off: Callable[[], None]) -> tuple[float, ...]:
        offs, ons, added = [], [], []
        for _ in range(rounds):
            sides = [False, True]
            random.shuffle(sides)
            got = {}
            for side in sides:
                (on if side else off)()
                loop(n // 10)  # the edge decided, the caches filled
                got[side] = per_statement(loop)
                off()
            offs.append(got[False])
            ons.append(got[True])
            added.append(got[True] - got[False])
        return statistics.median(offs), statistics.median(ons), statistics.median(added)

    figures = {
        "import os, strict": paired(app.user.loop_os, strict_on, strict_off),
        "import os, bare Python wrapper": paired(app.user.loop_os, bare_on, bare_off),
        "import app.protected, strict": paired(app.user.loop_protected, strict_on, strict_off),
    }
    print(f"{'statement (us)':<34}{'off':>8}{'on':>8}{'added':>8}  budget")
    budgets = {"import os, strict": 0.5, "import app.protected, strict": 1.5}
    for name, (off, on, added) in figures.items():
        budget = budgets.get(name)
        verdict = "" if budget is None else f"<= {budget} {'ok' if added <= budget else 'MISSED'}"
        print(f"{name:<34}{off:8.3f}{on:8.3f}{added:8.3f}  {verdict}")
    return 0


# -- Fresh interpreters: 200 stdlib imports -----------------------------------------------


def stdlib_modules(python: str, env: dict[str, str]) -> list[str]:
    """200 stdlib modules that import cleanly and that a bare start has not imported."""
    code = textwrap.dedent(
        """
        import sys, io, contextlib, pkgutil
        excluded = set(EXCLUDED)
        found = []

        def attempt(name):
            if name in sys.modules:
                return
            try:
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                    __import__(name)
            except BaseException:
                return
            found.append(name)

        tops = sorted(n for n in sys.stdlib_module_names - excluded if not n.startswith("_"))
        for name in tops:
            attempt(name)
        # Then the public submodules of the stdlib packages (codecs last: they are many).
        for name in sorted(tops, key=lambda n: n == "encodings"):
            path = getattr(sys.modules.get(name), "__path__", None)
            if path is None:
                continue
            for info in sorted(pkgutil.iter_modules(path), key=lambda i: i.name):
                if not info.name.startswith("_") and info.name not in ("test", "tests", "__main__"):
                    attempt(f"{name}.{info.name}")
        print(" ".join(found))
        """
    ).replace("EXCLUDED", repr(sorted(EXCLUDED)))
    done = subprocess.run([python, "-W", "ignore", "-c", code], env=env, capture_output=True, text=True, check=False)
    names = done.stdout.split()
    if len(names) < 200:
        raise SystemExit(f"only {len(names)} stdlib modules import cleanly here: {done.stderr}")
    return names[:200]


def spawn_cpu(python: str, args: list[str], env: dict[str, str]) -> int:
    """CPU time (ns, user + system) of one interpreter run."""
    pid = os.posix_spawn(python, [python, *args], env)
    _, status, usage = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{args!r} failed with status {status}")
    return int((usage.ru_utime + usage.ru_stime) * 1e9)


def stdlib(python: str, work: str, env: dict[str, str], rounds: int) -> None:
    names = stdlib_modules(python, env)
    script = os.path.join(work, "stdlib200.py")
    with open(script, "w", encoding="utf-8") as stream:
        stream.write("import app.protected\n" + "".join(f"import {name}\n" for name in names))
    base = dict(env)
    hooked = dict(env, IMPORTSPY_HOOK_CONTRACTS=os.path.join(work, "unrelated"))
    strict = dict(hooked, IMPORTSPY_HOOK_STRICT="1")
    check = subprocess.run(
        [python, "-c", "import app.protected, builtins; print(builtins.__import__.__module__)"],
        env=strict,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    if check[0] != "importspy_hook._import_wrapper":
        raise SystemExit(f"strict mode is not active through the .pth file: {check}")
    cases = {"no hook": base, "hook, strict off": hooked, "hook, strict on": strict}
    args = ["-W", "ignore", script]
    for _ in range(5):  # bytecode, the contracts' compiled cache, the file system cache
        for case_env in cases.values():
            spawn_cpu(python, args, case_env)
    samples: dict[str, list[int]] = {name: [] for name in cases}
    ratios: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        order = list(cases)
        random.shuffle(order)
        got = {name: spawn_cpu(python, args, cases[name]) for name in order}
        for name in cases:
            samples[name].append(got[name])
            ratios[name].append(got[name] / got["no hook"])
    print(f"\n200 stdlib imports in a fresh interpreter ({rounds} paired rounds), CPU time")
    print(f"{'case':<20}{'cpu ms':>9}{'ratio':>8}  budget")
    for name in cases:
        ratio = statistics.median(ratios[name])
        verdict = f"<= 1.02 {'ok' if ratio <= 1.02 else 'MISSED'}" if name == "hook, strict on" else ""
        print(f"{name:<20}{statistics.median(samples[name]) / 1e6:9.2f}{ratio:8.3f}  {verdict}")
    done = subprocess.run(
        [python, "-W", "ignore", os.path.abspath(__file__), "--replay", script, "--rounds", str(rounds)],
        cwd=work,
        env=dict(env, IMPORTSPY_HOOK_CONTRACTS=os.path.join(work, "unrelated")),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(done.stdout + done.stderr)
    calls, original, wrapped_min, wrapped_median = (float(x) for x in done.stdout.split())
    added = wrapped_min - original
    no_hook = statistics.median(samples["no hook"]) / 1e6
    print(
        f"the wrapper's own cost on this workload ({int(calls)} __import__ calls, caches empty): "
        f"{added:.2f} ms (min of {rounds}; median {wrapped_median - original:.2f} ms), "
        f"{added / no_hook * 100:.2f} % of the no-hook CPU time, so a ratio of {1 + added / no_hook:.3f}"
    )


def replay(script: str, rounds: int) -> int:
    """Every __import__ call of ``script`` replayed through the original and through strict mode."""
    import builtins

    import importspy_hook
    from importspy_hook import _import_wrapper

    finder = importspy_hook.install(os.environ["IMPORTSPY_HOOK_CONTRACTS"]).finder
    original = builtins.__import__
    calls: list[tuple[object, ...]] = []

    def record(name, globals=None, locals=None, fromlist=(), level=0):  # type: ignore[no-untyped-def]
        calls.append((name, globals, None, fromlist, level))
        return original(name, globals, locals, fromlist, level)

    builtins.__import__ = record
    with open(script, encoding="utf-8") as stream:
        exec(compile(stream.read(), script, "exec"), {"__name__": "__main__"})
    builtins.__import__ = original
    replayable = []
    for call in calls:
        try:
            original(*call)
        except Exception:  # an optional module that is missing: the import system's own cost
            continue
        replayable.append(call)

    def timed(function: Callable[..., object]) -> float:
        start = time.perf_counter_ns()
        for call in replayable:
            function(*call)
        return (time.perf_counter_ns() - start) / 1e6

    bare, wrapped = [], []
    for _ in range(rounds):
        bare.append(timed(original))
        _import_wrapper.enable(finder)  # empties the caches, as in a fresh interpreter
        wrapped.append(timed(_import_wrapper._import))
        _import_wrapper.disable()
    print(len(replayable), min(bare), min(wrapped), statistics.median(wrapped) - statistics.median(bare) + min(bare))
    return 0


if __name__ == "__main__":
    sys.exit(main())
