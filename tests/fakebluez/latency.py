"""Run ``posturelog record`` on scripted slouches through the fake BlueZ and time the alerts.

Used by ``benchmarks/bench_alert_latency.py`` (100 slouches) and
``tests/posturelog/test_record_live.py`` (a few, with a small ``alert_after_s``).

Each stream is a fake sensor at 50 Hz on one private D-Bus, recorded by its own
``posturelog record`` subprocess (bleak's real BlueZ backend, the real live view and alert
policy). Its sensor plays a seeded :func:`tests.fakebluez.posture.slouch_script`; each slouch
is held ``alert_after_s + hold_extra_s``.

Latency of an alert = the wall-clock time its "Sit up" line reaches this process through the
recorder's stdout (unbuffered) − the time the **first slouched sample** (the first sample
whose true flexion exceeds the 20° slouch threshold) was due to be sent (:func:`nominal_times`:
a loaded machine may send it late, in a burst). The latency from the stored alert
time (the sample clock, without the stdout delivery) and from the start of the ramp into the
slouch are kept too.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from analysis.calibration import Mounting
from posturelog.alertlog import read_alerts
from posturelog.live_state import save_live_mounting
from posturelog.store import Store
from tests.fakebluez import FakeBluetooth, make_peripheral
from tests.fakebluez.posture import MOUNTING_AXES, Slouch, slouch_script
from tests.fakebluez.streaming import StreamingPeripheral

__all__ = ["RATE_HZ", "StreamResult", "nominal_times", "prepare_data_dir", "run_streams"]

ROOT = Path(__file__).resolve().parents[2]


RATE_HZ = 50.0
_CONFIG = """[alerts]
max_per_hour = 60
repeat_after_s = 0
quiet_hours = []
channels = ["terminal"]
"""


@dataclass
class StreamResult:
    """One stream: its slouches, the alert lines seen and the alert log."""

    model: str
    slouches: list[Slouch]
    latencies_s: list[float] = field(default_factory=list)  # wall clock, per alerted slouch
    stored_latencies_s: list[float] = field(default_factory=list)  # stored alert time
    ramp_latencies_s: list[float] = field(default_factory=list)  # from the start of the ramp
    #: per alert: how late the fake sensor itself sent the samples due in the 1.5 s before it
    fake_late_s: list[float] = field(default_factory=list)
    missed: int = 0
    false_alerts: int = 0
    returncode: int = 0
    stderr: str = ""


def _reader(stream: IO[str], lines: list[tuple[int, str]]) -> None:
    for line in iter(stream.readline, ""):
        lines.append((time.time_ns(), line))


def prepare_data_dir(data: Path) -> None:
    """A data directory with the calibration of the scripted sensor and alerts that are never
    held back (60 per hour, no quiet hours, no repeats; terminal only)."""
    data.mkdir(parents=True, exist_ok=True)
    (data / "config.toml").write_text(_CONFIG)
    with Store(data) as store:
        save_live_mounting(store, Mounting.from_axes(np.array(MOUNTING_AXES[0]),
                                                     np.array(MOUNTING_AXES[1]), "routine"))


def nominal_times(send_ns: np.ndarray, rate_hz: float, window_s: float = 1.0) -> np.ndarray:
    """When each sample was due (the fake sensor "measured" it), from the send times.

    The fake sends sample ``k`` at ``nominal_k`` or later (late when the loaded machine delays
    it, then the next ones follow in a burst), so ``nominal_k ≤ send_j − (j − k)/rate`` for
    every later ``j``; the tightest of these over the next ``window_s`` is taken.
    """
    p = 1e9 / rate_hz
    j = np.arange(send_ns.size, dtype=np.float64)
    base = send_ns.astype(np.float64) - j * p  # send_j − j·P
    w = max(int(window_s * rate_hz), 1)
    pad = np.concatenate([base, np.full(w - 1, np.inf)])
    fwd = np.lib.stride_tricks.sliding_window_view(pad, w).min(axis=1)
    return np.asarray(np.rint(fwd + j * p), dtype=np.int64)


def _match(res: StreamResult, dev: StreamingPeripheral, alert_ns: list[int], stored_ns: list[int]) -> None:
    """Pair alerts with slouches (an alert belongs to the slouch it falls in)."""
    sent = dev.sent()
    if len(sent) == 0:
        res.missed = len(res.slouches)
        return
    t0 = int(sent.send_ns[0])
    nominal = nominal_times(sent.send_ns, RATE_HZ)

    def send_time(t_s: float) -> int:
        k = min(int(np.ceil(t_s * RATE_HZ - 1e-9)), len(sent) - 1)
        return int(nominal[k])

    windows = [(send_time(s.crossing_s), send_time(s.end_s + 4.0), send_time(s.start_s)) for s in res.slouches]
    for kind, times in (("wall", alert_ns), ("stored", stored_ns)):
        used = [False] * len(windows)
        for a in times:
            hit = [i for i, (lo, hi, _) in enumerate(windows) if lo - 2e9 <= a <= hi]
            if not hit:
                if kind == "wall" and a > t0:
                    res.false_alerts += 1
                continue
            i = hit[0]
            if used[i]:
                continue
            used[i] = True
            lo, _, ramp = windows[i]
            if kind == "wall":
                res.latencies_s.append((a - lo) / 1e9)
                res.ramp_latencies_s.append((a - ramp) / 1e9)
                near = (nominal >= a - 1.5e9) & (nominal <= a)
                late = sent.send_ns[near] - nominal[near]
                res.fake_late_s.append(float(late.max()) / 1e9 if late.size else 0.0)
            else:
                res.stored_latencies_s.append((a - lo) / 1e9)
        if kind == "wall":  # only slouches the recording fully covered count as missed
            last_ns = int(sent.send_ns[-1])
            res.missed = sum(1 for (_, hi, _), u in zip(windows, used, strict=True) if not u and hi < last_ns)


def run_streams(n_slouches: int, streams: int, alert_after_s: float, models: list[str],
                seed: int = 1, *, hold_extra_s: float = 5.0,
                script_kw: dict[str, Any] | None = None, workdir: Path | None = None) -> list[StreamResult]:
    """Play ``n_slouches`` slouches over ``streams`` parallel fake sensors (see the module notes).

    Parameters
    ----------
    n_slouches, streams : int
    alert_after_s : float
        ``record --alert-after``.
    models : list of str
        Fake sensor models, used round robin (``microbit``, ``thingy52``).
    seed : int
    hold_extra_s : float
        Each slouch is held this long beyond ``alert_after_s``.
    script_kw : dict, optional
        More keyword arguments of :func:`slouch_script` (ranges, ``lead_s``).
    workdir : Path, optional
        Where the data directories go (default: a temporary directory, removed at the end).

    Returns
    -------
    list of StreamResult
    """
    per = [n_slouches // streams + (1 if i < n_slouches % streams else 0) for i in range(streams)]
    tmp = workdir or Path(tempfile.mkdtemp(prefix="bench-latency-"))
    try:
        return _run(per, tmp, alert_after_s, models, seed, hold_extra_s, script_kw)
    finally:
        if workdir is None:
            shutil.rmtree(tmp, ignore_errors=True)


def _run(per: list[int], tmp: Path, alert_after_s: float, models: list[str], seed: int,
         hold_extra_s: float, script_kw: dict[str, Any] | None) -> list[StreamResult]:
    devs: list[StreamingPeripheral] = []
    results: list[StreamResult] = []
    durations: list[float] = []
    for i, n in enumerate(per):
        model = models[i % len(models)]
        script, slouches = slouch_script(n, hold_s=alert_after_s + hold_extra_s, seed=seed * 1000 + i,
                                          **(script_kw or {}))
        devs.append(make_peripheral(model, f"C0:FF:EE:00:03:{i:02X}", motion=script))
        results.append(StreamResult(model, slouches))
        durations.append(script.duration_s)
        prepare_data_dir(tmp / f"data{i}")
    with FakeBluetooth([*devs], set_env=False) as bt:
        env = bt.env()
        env["POSTURELOG_SCAN_TIMEOUT"] = "5.0"
        env["PYTHONUNBUFFERED"] = "1"
        env["COLUMNS"] = "200"
        procs = []
        outputs: list[list[tuple[int, str]]] = []
        errors: list[list[tuple[int, str]]] = []
        threads = []
        for i, dev in enumerate(devs):
            proc = subprocess.Popen(
                [sys.executable, "-m", "posturelog.cli", "record", "--device", dev.address,
                 "--duration", f"{durations[i]:.0f}", "--rate", f"{RATE_HZ:g}",
                 "--alert-after", f"{alert_after_s:g}", "--data-dir", str(tmp / f"data{i}")],
                env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
            lines: list[tuple[int, str]] = []
            errs: list[tuple[int, str]] = []
            for pipe, sink in ((proc.stdout, lines), (proc.stderr, errs)):
                assert pipe is not None
                th = threading.Thread(target=_reader, args=(pipe, sink), daemon=True)
                th.start()
                threads.append(th)
            procs.append(proc)
            outputs.append(lines)
            errors.append(errs)
        for i, proc in enumerate(procs):
            proc.wait()
            results[i].returncode = proc.returncode
        for th in threads:
            th.join(timeout=5)
        for i in range(len(procs)):
            results[i].stderr = "".join(line for _, line in errors[i])
        for i, dev in enumerate(devs):
            alert_ns = [t for t, line in outputs[i] if "Sit up" in line]
            with Store(tmp / f"data{i}") as store:
                log = read_alerts(store)
            stored = [int(v.value) for v in log.loc[log["kind"] == "slouch", "time"]] if len(log) else []
            _match(results[i], dev, alert_ns, stored)
    return results
