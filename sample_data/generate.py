"""Regenerate the files in sample_data/ from the simulated wearer (deterministic).

Run from the repository root: ``python sample_data/generate.py``.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from sensor.simulate import SimulatedWearer, SimulationSettings
from vocab.samples import SAMPLE_COLUMNS
from vocab.terms import CONTEXTS

HERE = Path(__file__).resolve().parent
ZONE = "Europe/London"
SEED = 4
RATE_HZ = 25.0
MINUTES = 15


def _iso(t_ns: np.ndarray, zone: ZoneInfo) -> list[str]:
    return [
        datetime.fromtimestamp(int(t) // 1000 / 1e6, tz=zone).isoformat(timespec="microseconds")
        for t in t_ns
    ]


def main() -> None:
    wearer = SimulatedWearer(SimulationSettings(seed=SEED, days=7, fs_hz=RATE_HZ, timezone=ZONE))
    zone = ZoneInfo(ZONE)
    day = next(d for d in wearer.iter_days() if d.routines)
    start = day.routines[0][0] - 60_000_000_000
    stop = start + MINUTES * 60_000_000_000
    keep = (day.t_ns >= start) & (day.t_ns < stop)
    with open(HERE / "recording.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["time", *SAMPLE_COLUMNS])
        acc = day.acc_mps2[keep]
        gyr = day.gyr_rads[keep]
        for t, a, g in zip(_iso(day.t_ns[keep], zone), acc, gyr, strict=True):
            writer.writerow([t, *(f"{v:.4f}" for v in a), *(f"{v:.5f}" for v in g)])
    with open(HERE / "recording_truth.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["time", "flexion_deg", "context", "slouch"])
        idx = np.flatnonzero(keep)[:: int(RATE_HZ)]  # one row per second
        for t, i in zip(_iso(day.t_ns[idx], zone), idx, strict=True):
            flex = day.flexion_deg[i]
            writer.writerow([t, "" if np.isnan(flex) else f"{flex:.2f}", CONTEXTS[day.context[i]], int(day.slouch[i])])
    with open(HERE / "pain_log.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["time", "kind", "score", "note"])
        rows = [(r.t_ns, "pain", str(r.score), r.note) for r in wearer.pain_ratings()]
        rows += [(r.t_ns, r.kind, "", r.note) for r in wearer.remedies()]
        for t_ns, kind, score, note in sorted(rows):
            writer.writerow([_iso(np.array([t_ns]), zone)[0], kind, score, note])
    print(f"routine at {_iso(np.array([day.routines[0][0]]), zone)[0]}; wrote {int(keep.sum())} samples")


if __name__ == "__main__":
    main()
