"""What reading packages' contract entry points adds to ``install()``, cold and warm.

Runs in fresh interpreters, alternating, in a temporary folder with one contract:
``install("contracts")``; ``install("contracts", entry_points=True)`` with the entry point
discovery cache removed before each run (cold: a child interpreter imports
``importlib.metadata`` and scans every distribution); and the same with the cache kept (warm).
Bytecode files are used, as in an installed environment. Prints the medians and the medians of
the per-round ratios to the plain run. Run: ``python benchmarks/entry_points.py [ROUNDS]``.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CODE = "import importspy_hook; importspy_hook.install('contracts'{extra})"


def timed(code: str, cwd: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, check=True)
    return time.perf_counter() - started


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 21
    with tempfile.TemporaryDirectory() as root:
        Path(root, "contracts").mkdir()
        Path(root, "contracts", "app.core.yml").write_text("module: app.core\n", encoding="utf-8")
        cache = os.path.join(root, "cache")
        # Bytecode is written and used, as in an installed environment (not PYTHONDONTWRITEBYTECODE).
        env = {k: v for k, v in os.environ.items() if not k.startswith(("IMPORTSPY_HOOK_", "PYTHONDONTWRITE"))}
        env["IMPORTSPY_HOOK_CACHE_DIR"] = cache
        scan = CODE.format(extra=", entry_points=True")
        for _ in range(3):  # the .pyc files, the application's compiled contract, the discovery cache
            timed(CODE.format(extra=""), root, env)
            timed(scan, root, env)
        plain: list[float] = []
        cold: list[float] = []
        warm: list[float] = []
        for _ in range(rounds):
            plain.append(timed(CODE.format(extra=""), root, env))
            warm.append(timed(scan, root, env))
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(timed(scan, root, env))
    from importlib.metadata import distributions

    count = sum(1 for _ in distributions())
    print(f"python {sys.version.split()[0]}, {count} installed distributions, {rounds} rounds")
    print(f"install('contracts')                           median {statistics.median(plain) * 1e3:7.1f} ms")
    print(f"install('contracts', entry_points=True), cold  median {statistics.median(cold) * 1e3:7.1f} ms")
    print(f"install('contracts', entry_points=True), warm  median {statistics.median(warm) * 1e3:7.1f} ms")
    cold_ratio = statistics.median(c / p for c, p in zip(cold, plain, strict=True))
    warm_ratio = statistics.median(w / p for w, p in zip(warm, plain, strict=True))
    print(f"ratio to install('contracts') (per round, median): cold {cold_ratio:.3f}, warm {warm_ratio:.3f}")


if __name__ == "__main__":
    main()
