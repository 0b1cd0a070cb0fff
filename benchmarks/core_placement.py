"""Where the resident core lives: a top-level module beside the .pth file, or a submodule.

Measures, in one venv that has importspy-hook installed, paired rounds of fresh interpreters:

- ``bare``: ``python -c pass``;
- ``top_level``: ``python -c "import _importspy_hook_guard"`` (the core as shipped);
- ``submodule``: ``python -c "import importspy_hook._core_copy"``, the same file copied into
  the package for this run (the package's ``__init__`` is imported first, as it would be).

Run: ``python benchmarks/core_placement.py --venv DIR [--rounds N]``. The copy is removed at the
end. Reported are medians of the child's CPU time (user + system, from ``wait4``) and wall time,
and their ratios to ``bare``.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time


def spawn(python: str, code: str, env: dict[str, str]) -> tuple[int, int]:
    start = time.perf_counter_ns()
    pid = os.posix_spawn(python, [python, "-c", code], env)
    _, status, usage = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{code!r} failed")
    return time.perf_counter_ns() - start, int((usage.ru_utime + usage.ru_stime) * 1e9)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", required=True)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    python = os.path.join(args.venv, "bin", "python")
    find = (
        "import _importspy_hook_guard, importspy_hook; print(_importspy_hook_guard.__file__, importspy_hook.__file__)"
    )
    core, package = subprocess.run([python, "-c", find], capture_output=True, text=True, check=True).stdout.split()
    copy = os.path.join(os.path.dirname(package), "_core_copy.py")
    shutil.copyfile(core, copy)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "IMPORTSPY_HOOK_"))}
    cases = {
        "bare": "pass",
        "top_level": "import _importspy_hook_guard",
        "submodule": "import importspy_hook._core_copy",
    }
    samples: dict[str, list[tuple[int, int]]] = {name: [] for name in cases}
    try:
        for _ in range(5):
            for code in cases.values():
                spawn(python, code, env)
        for _ in range(args.rounds):
            order = list(cases.items())
            random.shuffle(order)
            for name, code in order:
                samples[name].append(spawn(python, code, env))
    finally:
        os.unlink(copy)
    bare_wall = statistics.median(w for w, _ in samples["bare"])
    bare_cpu = statistics.median(c for _, c in samples["bare"])
    print(f"{sys.version.split()[0]} driver; {args.rounds} paired rounds; medians")
    for name, found in samples.items():
        wall = statistics.median(w for w, _ in found)
        cpu = statistics.median(c for _, c in found)
        print(
            f"{name:<10} wall {wall / 1e6:6.2f} ms {wall / bare_wall:6.3f}"
            f"   cpu {cpu / 1e6:6.2f} ms {cpu / bare_cpu:6.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
