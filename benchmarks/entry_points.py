"""What reading packages' contract entry points adds to ``install()``.

Paired runs in fresh interpreters, alternating, in a temporary folder with one contract:
``install("contracts")`` against ``install("contracts", entry_points=True)``. Prints the
medians and the median of the per-pair ratios. Run: ``python benchmarks/entry_points.py [PAIRS]``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CODE = "import importspy_hook; importspy_hook.install('contracts'{extra})"


def timed(code: str, cwd: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=cwd, check=True)
    return time.perf_counter() - started


def main() -> None:
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 21
    with tempfile.TemporaryDirectory() as root:
        Path(root, "contracts").mkdir()
        Path(root, "contracts", "app.core.yml").write_text("module: app.core\n", encoding="utf-8")
        plain, scanning, ratios = [], [], []
        for _ in range(pairs):
            a = timed(CODE.format(extra=""), root)
            b = timed(CODE.format(extra=", entry_points=True"), root)
            plain.append(a)
            scanning.append(b)
            ratios.append(b / a)
    from importlib.metadata import distributions

    count = sum(1 for _ in distributions())
    print(f"python {sys.version.split()[0]}, {count} installed distributions, {pairs} pairs")
    print(f"install('contracts')                    median {statistics.median(plain) * 1e3:7.1f} ms")
    print(f"install('contracts', entry_points=True) median {statistics.median(scanning) * 1e3:7.1f} ms")
    print(f"ratio (paired, median)                  {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
