"""Benchmark: a week of 50 Hz data → the full weekly report (HTML, PDF, CSV).

Usage::

    python benchmarks/bench_report.py                      # simulate a week into a temp store
    python benchmarks/bench_report.py --data-dir DIR       # reuse a store (e.g. from the demo)
    python benchmarks/bench_report.py --data-dir DIR --week 2026-W47 --repeat 2
    python benchmarks/bench_report.py --workers 1          # everything in one process

Each measurement runs ``posturelog.report.build_report`` (``posturelog.analyze.analyze_week``,
then the files) in a fresh child process with ``--workers`` processes; its wall
and CPU time (with its worker processes) are reported, and the peak memory of the whole
process tree, sampled every 50 ms from ``/proc``: ``RSS (MB)`` is the report process alone
(``ru_maxrss``), ``all RSS`` the summed RSS of the process and its workers (pages shared after
``fork`` counted in each: an upper bound, used for the target), ``all PSS`` the summed
proportional set size (shared pages split: the memory actually used):

* ``cold``: the epochs cache of the data directory is removed first (the full analysis from
  raw samples),
* ``cached``: run again with the epochs cached by the cold run.

Targets on the 2-core reference machine: < 20 s wall time and < 2 GB peak memory per run.
The simulation that fills a temporary store is not part of the timings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

__all__ = ["main", "run_once", "simulate_week"]

#: The repository this file belongs to: measured instead of whatever ``posturelog`` an
#: installed (editable) package points at.
REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

log = logging.getLogger("bench_report")

TARGET_SECONDS = 20.0
TARGET_PEAK_MB = 2048.0


def simulate_week(data_dir: Path, *, days: int, rate_hz: float, seed: int,
                  first: dt.date, timezone: str) -> None:
    """Record ``days`` of the simulated wearer (with pain/remedy log) into ``data_dir``."""
    from posturelog.recorder import record_batches
    from posturelog.store import Store
    from sensor.simulate import SimulatedWearer, SimulationSettings

    store = Store(data_dir)
    store.set_setting("timezone", timezone)
    wearer = SimulatedWearer(SimulationSettings(seed=seed, days=days, fs_hz=rate_hz,
                                                start_date=first, timezone=timezone))
    result = record_batches(wearer.batches(batch_s=60.0), store, wearer.info, timezone,
                            source="benchmark simulation")
    rows: list[tuple[int, str, int | None, str]] = [
        (r.t_ns, "pain", r.score, r.note) for r in wearer.pain_ratings()]
    rows += [(r.t_ns, r.kind, None, r.note) for r in wearer.remedies()]
    store.add_events(rows)
    for start_ns, end_ns in wearer.routines():
        store.add_calibration_mark(start_ns, end_ns, source="routine")
    log.info("simulated %d days at %g Hz: %d samples", days, rate_hz, result.n_samples)
    store.close()


def run_once(data_dir: Path, week: str | None, out_dir: Path,
             workers: int = 1) -> dict[str, float]:
    """Build the report once in this process; wall and CPU time, peak RSS of this process
    and of its largest (waited-for) child process."""
    from analysis.settings import AnalysisSettings
    from posturelog.report import build_report
    from posturelog.store import Store

    started = time.perf_counter()
    cpu0 = time.process_time()
    store = Store(data_dir)
    paths = build_report(store, week, out_dir, AnalysisSettings(), workers=workers)
    wall = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall_s": wall, "peak_mb": peak_kb / 1024.0,
            "cpu_s": time.process_time() - cpu0 + kids.ru_utime + kids.ru_stime,
            "child_peak_mb": kids.ru_maxrss / 1024.0,
            "pdf_bytes": float(paths.pdf.stat().st_size),
            "html_bytes": float(paths.html.stat().st_size)}


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (Linux ``/proc``)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return out


def _memory_kb(pid: int) -> tuple[int, int]:
    """Resident and proportional set size (kB) of one process; zeros once it is gone."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return rss, pss


class _TreeSampler(threading.Thread):
    """Samples the summed RSS and PSS of a process and its children every ``interval`` s.

    ``ru_maxrss`` of the report process alone misses its worker processes; the sum of RSS
    counts pages shared after ``fork`` once per process (an upper bound), the sum of PSS
    splits them (the memory actually used).
    """

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_rss_kb = self.peak_pss_kb = 0
        self.max_procs = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            pids = _tree(self.pid) if Path(f"/proc/{self.pid}").exists() else []
            mem = [_memory_kb(p) for p in pids]
            self.peak_rss_kb = max(self.peak_rss_kb, sum(m[0] for m in mem))
            self.peak_pss_kb = max(self.peak_pss_kb, sum(m[1] for m in mem))
            self.max_procs = max(self.max_procs, len(pids))
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def _child(data_dir: Path, week: str | None, out_dir: Path, workers: int) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", "--data-dir", str(data_dir), "--out",
           str(out_dir), "--workers", str(workers)]
    if week:
        cmd += ["--week", week]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as proc:
        sampler = _TreeSampler(proc.pid)
        sampler.start()
        stdout, stderr = proc.communicate()
        sampler.stop()
    if proc.returncode != 0:
        raise RuntimeError(f"report run failed:\n{stderr[-4000:]}")
    result = dict(json.loads(stdout.strip().splitlines()[-1]))
    result["tree_rss_mb"] = sampler.peak_rss_kb / 1024.0
    result["tree_pss_mb"] = sampler.peak_pss_kb / 1024.0
    result["processes"] = float(sampler.max_procs)
    return result


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns 0 when every run met the targets."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, help="reuse this store (default: simulate)")
    parser.add_argument("--week", help="ISO week to report (default: the report's default)")
    parser.add_argument("--days", type=int, default=7, help="days to simulate (default 7)")
    parser.add_argument("--rate", type=float, default=50.0, help="simulated rate in Hz")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="cached runs to time")
    parser.add_argument("--keep-cache", action="store_true",
                        help="do not clear the epochs cache before the cold run")
    parser.add_argument("--out", type=Path, help="report directory (default: temporary)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                        help="processes for the analysis and the PDF (default: up to 2)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)

    if args.child:
        result = run_once(args.data_dir, args.week, args.out, args.workers)
        sys.stdout.write(json.dumps(result) + "\n")
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="posturelog-bench-"))
    try:
        data_dir = args.data_dir
        week = args.week
        if data_dir is None:
            data_dir = tmp / "data"
            first = dt.date(2026, 11, 16)
            t0 = time.perf_counter()
            simulate_week(data_dir, days=args.days, rate_hz=args.rate, seed=args.seed,
                          first=first, timezone="Europe/London")
            log.info("simulation + recording: %.1f s (not part of the timings)",
                     time.perf_counter() - t0)
            iso = first.isocalendar()
            week = week or f"{iso.year}-W{iso.week:02d}"
        out_dir = args.out or tmp / "report"
        runs: list[tuple[str, dict[str, float]]] = []
        if not args.keep_cache:
            shutil.rmtree(Path(data_dir) / "cache", ignore_errors=True)
        runs.append(("cold (no cached epochs)", _child(Path(data_dir), week, out_dir, args.workers)))
        for i in range(max(args.repeat, 1)):
            runs.append((f"cached epochs #{i + 1}",
                         _child(Path(data_dir), week, out_dir, args.workers)))
        ok = True
        lines = [f"{'run':<26}{'wall (s)':>9}{'cpu (s)':>9}{'RSS (MB)':>10}{'all RSS':>9}"
                 f"{'all PSS':>9}  target", "-" * 100]
        for name, r in runs:
            # memory target on the whole process tree (sum of RSS: shared pages counted in
            # every process that maps them, so this is an upper bound)
            met = r["wall_s"] < TARGET_SECONDS and r["tree_rss_mb"] < TARGET_PEAK_MB
            ok &= met
            lines.append(f"{name:<26}{r['wall_s']:>9.1f}{r['cpu_s']:>9.1f}{r['peak_mb']:>10.0f}"
                         f"{r['tree_rss_mb']:>9.0f}{r['tree_pss_mb']:>9.0f}  "
                         f"{'met' if met else 'MISSED'} (< {TARGET_SECONDS:g} s, "
                         f"< {TARGET_PEAK_MB:g} MB; {r['processes']:.0f} process(es))")
        sys.stdout.write("\n".join(lines) + "\n")
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
