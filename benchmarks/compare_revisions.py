"""Benchmark: this checkout against an earlier revision, side by side in one run.

Usage::

    python benchmarks/compare_revisions.py --base a907a5b            # report + tilt filter
    python benchmarks/compare_revisions.py --base a907a5b --rounds 5 --days 3
    python benchmarks/compare_revisions.py --base a907a5b --skip-report

The earlier revision is checked out into a temporary git worktree. Both versions then run
interleaved (A B B A …), so a machine that gets busier or quieter during the run affects both
alike:

* **report**: each version simulates the same week (same seed) into its own store with its own
  ``benchmarks/bench_report.py``, then times ``build_report`` in a fresh child process
  (that script's ``--child`` mode): once without the epochs cache (``cold``) and once with it
  (``cached``), per round;
* **tilt**: one input (a fast synthetic trajectory of ``--tilt-seconds`` at 286 Hz from this
  checkout's test helpers, saved to ``.npz``) is filtered by each version's
  ``analysis.tilt.gravity_direction``, causal and offline, in a child process per version and
  round; the best of three calls is kept per child.

It prints the median wall time per version and the ratio this / base (< 1 is faster), for the
report also the CPU time of the report process and its workers (less sensitive to other load
on the machine than the wall time), and then every run's time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

_SIMULATE = """
import datetime as dt, sys
from pathlib import Path
sys.path[:0] = [{root!r}, {root!r} + "/benchmarks"]
from bench_report import simulate_week
simulate_week(Path({data!r}), days={days}, rate_hz=50.0, seed=1, first=dt.date(2026, 11, 16),
              timezone="Europe/London")
"""

_TILT = """
import json, sys, time
sys.path[:0] = [{root!r}]
import numpy as np
from analysis.tilt import gravity_direction
with np.load({npz!r}) as d:  # loaded before timing: an npz reads its arrays on each access
    acc, gyr, fs = d["acc"], d["gyr"], float(d["fs"])
out = {{}}
for causal in (True, False):
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        gravity_direction(acc, gyr, fs, causal=causal)
        best = min(best, time.perf_counter() - t0)
    out["causal" if causal else "offline"] = best
print(json.dumps(out))
"""


def _run_json(cmd: list[str], root: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(root), POSTURELOG_WORKERS="2")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=root, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} in {root.name} failed:\n{proc.stderr[-3000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _report_run(root: Path, data: Path, out: Path, cold: bool) -> tuple[float, float]:
    """Wall time and CPU time (the report process and its workers) of one report (s)."""
    if cold:
        shutil.rmtree(data / "cache", ignore_errors=True)
    cmd = [sys.executable, str(root / "benchmarks" / "bench_report.py"), "--child",
           "--data-dir", str(data), "--out", str(out), "--week", "2026-W47"]
    if "--workers" in (root / "benchmarks" / "bench_report.py").read_text():
        cmd += ["--workers", "2"]
    r = _run_json(cmd, root)
    return r["wall_s"], r["cpu_s"]


def _order(rounds: int) -> list[str]:
    """A B B A A B …: each version runs first in half of the rounds."""
    return [v for r in range(rounds) for v in (("base", "head") if r % 2 == 0 else ("head", "base"))]


def _summary(times: dict[str, dict[str, list[float]]]) -> str:
    lines = [f"{'measure':<20}{'base median (s)':>17}{'this median (s)':>17}{'this / base':>13}"
             f"{'runs':>6}", "-" * 73]
    for measure in times["head"]:
        b = statistics.median(times["base"][measure])
        h = statistics.median(times["head"][measure])
        lines.append(f"{measure:<20}{b:>17.3f}{h:>17.3f}{h / b:>13.2f}{len(times['head'][measure]):>6}")
    lines.append("each run (s), in the order run:")
    for measure in times["head"]:
        for label, version in (("base", "base"), ("this", "head")):
            runs = " ".join(f"{x:.3g}" for x in times[version][measure])
            lines.append(f"  {measure:<20}{label:<6}{runs}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="a907a5b", help="git revision to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--days", type=int, default=7, help="simulated days for the report")
    parser.add_argument("--tilt-seconds", type=float, default=300.0)
    parser.add_argument("--skip-report", action="store_true")
    parser.add_argument("--skip-tilt", action="store_true")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="posturelog-compare-"))
    base_root = tmp / "base"
    subprocess.run(["git", "-C", str(HERE), "worktree", "add", "--detach", "-q", str(base_root),
                    args.base], check=True)
    roots = {"base": base_root, "head": HERE}
    times: dict[str, dict[str, list[float]]] = {"base": {}, "head": {}}
    try:
        if not args.skip_tilt:
            sys.path.insert(0, str(HERE))
            import numpy as np

            from tests.analysis.conftest import fast_trajectory

            tr = fast_trajectory(args.tilt_seconds, 286.0, seed=7)
            npz = tmp / "tilt.npz"
            np.savez(npz, acc=tr.acc, gyr=tr.gyr, fs=tr.fs)
            for v in _order(args.rounds):
                r = _run_json([sys.executable, "-c", _TILT.format(root=str(roots[v]), npz=str(npz))],
                              roots[v])
                for k, val in r.items():
                    times[v].setdefault(f"tilt {k}", []).append(val)
            print(_summary(times), flush=True)
        if not args.skip_report:
            for v, root in roots.items():
                subprocess.run([sys.executable, "-c", _SIMULATE.format(
                    root=str(root), data=str(tmp / "stores" / v / "data"), days=args.days)],
                    check=True, cwd=root, env=dict(os.environ, PYTHONPATH=str(root)))
            for v in _order(args.rounds):
                for cold in (True, False):
                    wall, cpu = _report_run(roots[v], tmp / "stores" / v / "data",
                                            tmp / "stores" / v / "out", cold)
                    kind = "report cold" if cold else "report cached"
                    times[v].setdefault(kind, []).append(wall)
                    times[v].setdefault(f"{kind} CPU", []).append(cpu)
            print()
            print(_summary(times))
    finally:
        subprocess.run(["git", "-C", str(HERE), "worktree", "remove", "--force", str(base_root)],
                       check=False)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
