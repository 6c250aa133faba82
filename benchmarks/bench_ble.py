"""BLE recording benchmark: a 200 Hz stream for 5 minutes through the fake BlueZ.

Runs ``posturelog record`` as a subprocess (bleak's real BlueZ backend, unpatched) against a
fake Thingy:52 streaming one 18-byte notification per sample, and reports

* samples lost (sent while connected but not stored; must be 0),
* the recorder's CPU time as a fraction of one core (from ``/proc/<pid>/stat``, steady state
  between 10 s after streaming started and 5 s before the end; also the whole process),
* end-to-end latency p50/p99: fake send time → sample readable in the recorder's crash-safe
  segment on disk (segments polled every 50 ms).

With ``--compare-live``, two recorders run side by side instead (same machine load), each
against its own fake sensor playing scripted slouches: ``record`` with the live view and
alerts (calibrated, so flexion, states and alerts are computed) and ``record --no-live``. It
prints each one's steady-state CPU as % of one core, the difference (the live analysis) and
the ratio.

Usage::

    python benchmarks/bench_ble.py [--seconds 300] [--rate 200] [--model thingy52]
    python benchmarks/bench_ble.py --compare-live [--seconds 120] [--rate 50] [--model thingy52]

Needs ``dbus-daemon`` (Debian package ``dbus``).
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from posturelog.segments import read_segment  # noqa: E402
from posturelog.store import Store  # noqa: E402
from tests.fakebluez import FakeBluetooth, make_peripheral  # noqa: E402
from tests.fakebluez.latency import prepare_data_dir  # noqa: E402
from tests.fakebluez.posture import slouch_script  # noqa: E402
from tests.fakebluez.streaming import SentLog  # noqa: E402

__all__ = ["main"]

ADDRESS = "C0:FF:EE:00:02:00"
_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (``/proc/<pid>/stat`` fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def visible_rows(data_dir: Path) -> int:
    """Samples currently readable from the recorder's segments."""
    total = 0
    for path in sorted((data_dir / "segments").glob("session-*/seg-*.arrows")):
        try:
            table, _ = read_segment(path)
        except Exception:  # noqa: BLE001 - a segment may vanish while compacted
            continue
        total += table.num_rows
    return total


def compare_live(seconds: float, rate: float, model: str) -> int:
    """Recorder CPU with the live analysis on and off, side by side (see the module notes)."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-ble-live-"))
    devs, procs = [], []
    for i in range(2):
        script, _ = slouch_script(int(seconds // 45) + 1, hold_s=35.0, seed=11 + i)
        devs.append(make_peripheral(model, f"C0:FF:EE:00:02:1{i}", motion=script))
        prepare_data_dir(tmp / f"data{i}")
    with FakeBluetooth([*devs], set_env=False) as bt:
        env = bt.env()
        env["POSTURELOG_SCAN_TIMEOUT"] = "2.0"
        for i, flag in enumerate(("--live", "--no-live")):
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "posturelog.cli", "record", "--device", devs[i].address,
                 "--duration", f"{seconds:g}", "--rate", f"{rate:g}", flag,
                 "--data-dir", str(tmp / f"data{i}")],
                env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
        while not all(len(d.sent()) for d in devs):
            if any(p.poll() is not None for p in procs):
                print("".join(p.stderr.read() if p.stderr else "" for p in procs), file=sys.stderr)
                return 1
            time.sleep(0.1)
        t_stream = time.monotonic()
        time.sleep(10.0)
        a = [(cpu_seconds(p.pid), time.monotonic()) for p in procs]
        time.sleep(max(seconds - 15.0, 1.0))
        b = [(cpu_seconds(p.pid), time.monotonic()) for p in procs]
        steady_s = b[0][1] - a[0][1]
        for p in procs:
            p.communicate()
        sent_n = [len(d.sent()) for d in devs]
    on, off = ((b[i][0] - a[i][0]) / (b[i][1] - a[i][1]) for i in range(2))
    with Store(tmp / "data0") as store:
        n_on = len(store.read_samples())
    print(f"fake {model} at {rate:g} Hz, two recorders side by side, steady state over {steady_s:.0f} s "
          f"(from 10 s after streaming began, {time.monotonic() - t_stream:.0f} s in all)")
    print(f"  record (live view + alerts) : {100 * on:.2f} % of one core")
    print(f"  record --no-live            : {100 * off:.2f} % of one core")
    print(f"  live analysis               : {100 * (on - off):.2f} % of one core; ratio on/off {on / off:.2f}")
    print(f"  samples sent / stored (live): {sent_n[0]} / {n_on}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=None, help="default 300 (120 with --compare-live)")
    parser.add_argument("--rate", type=float, default=None, help="default 200 Hz (50 with --compare-live)")
    parser.add_argument("--model", default="thingy52")
    parser.add_argument("--compare-live", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    if args.compare_live:
        return compare_live(args.seconds or 120.0, args.rate or 50.0, args.model)
    args.seconds = args.seconds or 300.0
    args.rate = args.rate or 200.0

    dev = make_peripheral(args.model, ADDRESS)
    tmp = Path(tempfile.mkdtemp(prefix="bench-ble-"))
    data = tmp / "data"
    with FakeBluetooth([dev], set_env=False) as bt:
        env = bt.env()
        env["POSTURELOG_SCAN_TIMEOUT"] = "1.0"
        t_launch = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "posturelog.cli", "record", "--device", ADDRESS,
             "--duration", f"{args.seconds:g}", "--rate", f"{args.rate:g}", "--data-dir", str(data)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        while not len(dev.sent()):
            if proc.poll() is not None:
                print(proc.stderr.read() if proc.stderr else "", file=sys.stderr)
                return 1
            time.sleep(0.05)
        t_stream = time.monotonic()
        startup_s = t_stream - t_launch
        polls: list[tuple[int, int]] = []  # (host time ns, rows visible)
        cpu_a = cpu_b = wall_a = wall_b = None
        while proc.poll() is None:
            now = time.monotonic()
            elapsed = now - t_stream
            if cpu_a is None and elapsed >= 10:
                cpu_a, wall_a = cpu_seconds(proc.pid), now
            if cpu_b is None and elapsed >= args.seconds - 5:
                cpu_b, wall_b = cpu_seconds(proc.pid), now
            try:
                cpu_total = cpu_seconds(proc.pid)
            except FileNotFoundError:
                break
            polls.append((time.time_ns(), visible_rows(data)))
            time.sleep(0.05)
        _, stderr = proc.communicate()
        if proc.returncode != 0:
            print(stderr, file=sys.stderr)
            return 1
        t_end = time.monotonic()
        sent = dev.sent()
        stop_ns = time.time_ns() - int((time.monotonic() - t_end) * 1e9)

    return _report(args, data, sent, polls, startup_s, stop_ns, cpu_total,
                   (cpu_a, cpu_b, wall_a, wall_b))


def _report(
    args: argparse.Namespace,
    data: Path,
    sent: SentLog,
    polls: list[tuple[int, int]],
    startup_s: float,
    stop_ns: int,
    cpu_total: float,
    steady_marks: tuple[float | None, float | None, float | None, float | None],
) -> int:
    """Compare what was stored with what the fake sent and print the figures; 0 if nothing
    sent while connected was lost, else 2."""
    cpu_a, cpu_b, wall_a, wall_b = steady_marks
    with Store(data) as store:
        df = store.read_samples()
    n = len(df)
    stored = df[["acc_x", "acc_y", "acc_z"]].to_numpy()
    same = np.allclose(stored, sent.acc_q[:n], rtol=2e-6, atol=1e-5) if n <= len(sent) else False
    # every sample sent before the recorder began to stop must be stored
    window_end = int(sent.send_ns[0]) + int(args.seconds * 1e9) - 500_000_000
    due = int(np.searchsorted(sent.send_ns, window_end))
    lost = max(0, due - n) + (0 if same else n)
    poll_t = np.array([p[0] for p in polls], dtype=np.int64)
    poll_rows = np.maximum.accumulate(np.array([p[1] for p in polls], dtype=np.int64))
    # the first poll at which sample i was readable
    idx = np.searchsorted(poll_rows, np.arange(1, min(n, int(poll_rows[-1])) + 1), side="left")
    ok = idx < poll_t.size
    latency = (poll_t[idx[ok]] - sent.send_ns[: ok.size][ok]) / 1e6
    wall = args.seconds
    # steady state: from 10 s in to 5 s before the end (NaN for runs too short to have one)
    steady = float("nan")
    if cpu_a is not None and cpu_b is not None and wall_a is not None and wall_b is not None and wall_b > wall_a:
        steady = (cpu_b - cpu_a) / (wall_b - wall_a)
    print(f"fake {args.model} at {args.rate:g} Hz for {wall:g} s through bleak + fake BlueZ")
    print(f"  recorder start-up to first sample : {startup_s:.1f} s")
    print(f"  samples sent / stored              : {len(sent)} / {n}")
    print(f"  samples lost (sent while connected): {lost}")
    print(f"  stored values equal sent values    : {same}")
    print(f"  recorder CPU, steady state         : {100 * steady:.2f} % of one core")
    print(f"  recorder CPU, whole process        : {cpu_total:.1f} s over {(stop_ns - sent.send_ns[0]) / 1e9 + startup_s:.0f} s "
          f"({100 * cpu_total / (wall + startup_s):.2f} %)")
    if latency.size:
        print(f"  latency send → on disk, p50 / p99  : {np.percentile(latency, 50):.0f} / {np.percentile(latency, 99):.0f} ms")
    return 0 if lost == 0 else 2


if __name__ == "__main__":
    raise SystemExit(main())
