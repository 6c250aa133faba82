"""Context validation on real, labelled recordings, through the code the CLI uses.

Usage::

    PYTHONPATH=. python benchmarks/validate_real.py --data DIR [--sets uci,forth,casale]

``DIR`` is a copy of the real-data folder (``forth_trace/``, ``uci_older/S1_Dataset/``,
``casale_chest/``; see each set's README for its source and licence). Every set is converted
to posturelog's sample CSV (``time,acc_x,acc_y,acc_z[,gyr_x,gyr_y,gyr_z]``, m/s² and rad/s),
imported with ``posturelog.importing.import_csv`` into a temporary store (time zone UTC) and
analysed with ``posturelog.analyze.epochs_for_days`` — the path of ``posturelog import`` and
``posturelog report``. Each UCI sequence is placed at noon of its own day, so no mounting is
carried from one person to the next.

Labels are mapped to the three worn contexts (transitions and mixed labels are left out):

================  =====================================================================
set               lying / upright / walking
================  =====================================================================
FORTH-TRACE       — / 1 stand, 2 sit, 3 sit+talk / 4 walk, 5 walk+talk, 6–7 stairs
UCI older S1      3 lying / 1 sit on bed, 2 sit on chair / 4 ambulating
Casale chest      — / 1 computer work, 3 standing, 7 talking standing /
                  4 walking, 5 stairs, 6 walking+talking (2 = mixed, left out)
================  =====================================================================

A second's label is the majority of its samples' labels. Printed per set: labelled seconds,
context agreement (share of labelled seconds whose context equals the label; non-wear counts
as wrong), lying recall, minutes per context (analysis / labels), calibration sources, and
refusals (errors raised by the analysis: must be 0).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from posturelog.analyze import epochs_for_days
from posturelog.importing import import_csv
from posturelog.store import Store

log = logging.getLogger("validate_real")

G = 9.80665
_NS = 1_000_000_000
CONTEXTS = ("lying", "upright", "walking")


@dataclass
class Recording:
    """One labelled recording: sample times, acceleration, optional gyroscope, labels."""

    name: str
    t_s: np.ndarray  # (N,) seconds from the recording's start
    acc_mps2: np.ndarray  # (N, 3)
    gyr_rads: np.ndarray | None  # (N, 3)
    label: np.ndarray  # (N,) object: "lying" / "upright" / "walking" / None


@dataclass
class SetResult:
    name: str
    recordings: int = 0
    refusals: list[str] = field(default_factory=list)
    pred: list[np.ndarray] = field(default_factory=list)
    truth: list[np.ndarray] = field(default_factory=list)
    calibration: list[np.ndarray] = field(default_factory=list)
    seconds_s: float = 0.0
    rate_hz: list[float] = field(default_factory=list)


def _map(codes: np.ndarray, table: dict[int, str]) -> np.ndarray:
    return np.array([table.get(int(c)) for c in codes], dtype=object)


def load_forth(root: Path) -> Iterator[Recording]:
    """FORTH-TRACE participant 4, torso (device 3): 51.2 Hz, acc m/s², gyro deg/s.

    Host time is jittery, so times are row / 51.2 s (as the set's README says).
    """
    for path in sorted((root / "forth_trace").glob("part*dev3.csv")):
        d = pd.read_csv(path, header=None).to_numpy(dtype=float)
        t = np.arange(d.shape[0]) / 51.2
        lab = _map(d[:, 11], {1: "upright", 2: "upright", 3: "upright", 4: "walking",
                              5: "walking", 6: "walking", 7: "walking"})
        yield Recording(path.stem, t, d[:, 1:4], np.radians(d[:, 4:7]), lab)


def load_uci(root: Path) -> Iterator[Recording]:
    """UCI older people S1 (Torres et al. 2013): irregular reads, acc in g, sternum."""
    for path in sorted((root / "uci_older" / "S1_Dataset").glob("d*")):
        d = pd.read_csv(path, header=None).to_numpy(dtype=float)
        t = d[:, 0]
        keep = np.concatenate(([True], np.diff(t) > 0))  # times are rounded to 0.025 s
        d, t = d[keep], t[keep]
        lab = _map(d[:, 8], {1: "upright", 2: "upright", 3: "lying", 4: "walking"})
        yield Recording(path.name, t, d[:, 1:4] * G, None, lab)


def _casale_calibration(raw: np.ndarray, fs_hz: float) -> tuple[np.ndarray, float]:
    """Offset (counts, per axis) and counts per g from still seconds (|acc| = 1 g at rest).

    The classic still-period sphere fit (as in GGIR's auto-calibration, van Hees et al.
    2014), with one common gain: ``|raw - offset| = gain`` solved linearly on the means of
    seconds whose within-second SD is below 6 counts.
    """
    k = int(round(fs_hz))
    n = raw.shape[0] // k
    r = raw[: n * k].reshape(n, k, 3)
    still = r.std(axis=1).max(axis=1) < 6
    m = r.mean(axis=1)[still]
    a = np.hstack([2 * m, np.ones((m.shape[0], 1))])
    sol = np.linalg.lstsq(a, (m**2).sum(axis=1), rcond=None)[0]
    off = sol[:3]
    return off, float(np.sqrt(sol[3] + off @ off))


def load_casale(root: Path) -> Iterator[Recording]:
    """Casale et al. chest accelerometer: 52 Hz, uncalibrated counts."""
    for path in sorted((root / "casale_chest").glob("*.csv")):
        d = pd.read_csv(path)
        raw = d[["x_acceleration", "y_acceleration", "z_acceleration"]].to_numpy(dtype=float)
        off, gain = _casale_calibration(raw, 52.0)
        log.info("casale %s: offset %s counts, %.1f counts/g", path.stem, np.round(off), gain)
        t = np.arange(raw.shape[0]) / 52.0
        lab = _map(d["label"].to_numpy(), {1: "upright", 3: "upright", 7: "upright",
                                           4: "walking", 5: "walking", 6: "walking"})
        yield Recording(f"casale{path.stem}", t, (raw - off) / gain * G, None, lab)


LOADERS = {"forth": ("FORTH-TRACE torso p4", load_forth),
           "uci": ("UCI older S1 (all)", load_uci),
           "casale": ("Casale chest p15", load_casale)}


def _write_csv(rec: Recording, start: pd.Timestamp, path: Path) -> None:
    t = start + pd.to_timedelta(np.round(rec.t_s * 1e9).astype(np.int64), unit="ns")
    cols: dict[str, object] = {"time": t.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")}
    for i, a in enumerate("xyz"):
        cols[f"acc_{a}"] = rec.acc_mps2[:, i]
    if rec.gyr_rads is not None:
        for i, a in enumerate("xyz"):
            cols[f"gyr_{a}"] = rec.gyr_rads[:, i]
    pd.DataFrame(cols).to_csv(path, index=False, float_format="%.6f")


def _second_labels(rec: Recording, start: pd.Timestamp) -> pd.Series:
    sec = (start.value // _NS) + np.floor(rec.t_s).astype(np.int64)
    df = pd.DataFrame({"sec": sec, "label": rec.label}).dropna()
    if df.empty:
        return pd.Series(dtype=object)
    maj = df.groupby("sec")["label"].agg(lambda x: x.value_counts().index[0])
    maj.index = pd.DatetimeIndex(pd.to_datetime(maj.index, unit="s", utc=True), name="time")
    return maj


def run_recordings(recs: list[Recording], workdir: Path, result: SetResult) -> None:
    """Import each recording (own day, noon UTC) into one store, analyse, collect labels."""
    store = Store(workdir / "store")
    store.set_setting("timezone", "UTC")
    truth: list[pd.Series] = []
    days: list[date] = []
    base = pd.Timestamp("2026-01-05T12:00:00Z")
    for i, rec in enumerate(recs):
        start = base + pd.Timedelta(days=i)
        path = workdir / f"{rec.name}.csv"
        _write_csv(rec, start, path)
        import_csv(store, path, "UTC", model="validation import")
        path.unlink()
        truth.append(_second_labels(rec, start))
        days.append(start.date())
        result.recordings += 1
        result.seconds_s += float(rec.t_s[-1] - rec.t_s[0])
        if rec.t_s.size > 1:
            result.rate_hz.append(float(1.0 / np.median(np.diff(rec.t_s))))
    for day, lab in zip(days, truth, strict=True):
        try:
            ep = epochs_for_days(store, day, day, use_cache=False).epochs
        except Exception as exc:  # a refusal is what this benchmark counts
            log.exception("refused %s", day)
            result.refusals.append(f"{day}: {type(exc).__name__}: {exc}")
            continue
        common = lab.index.intersection(ep.index)
        missing = lab.index.difference(ep.index)
        pred = np.concatenate([ep.loc[common, "context"].astype(str).to_numpy(),
                               np.full(missing.size, "missing", dtype=object)])
        result.pred.append(pred)
        result.truth.append(np.concatenate([lab.loc[common].to_numpy(),
                                            lab.loc[missing].to_numpy()]).astype(object))
        cal = ep.loc[common, "calibration"].astype(str).to_numpy()
        if "calibration_confidence" in ep.columns:
            conf = ep.loc[common, "calibration_confidence"].astype(str).to_numpy()
            cal = np.char.add(np.char.add(cal.astype(str), "/"), conf.astype(str))
        result.calibration.append(cal)


def summarise(r: SetResult) -> dict[str, object]:
    """One table row for a set."""
    if not r.pred:
        return {"set": r.name, "recordings": r.recordings, "refusals": len(r.refusals)}
    p = np.concatenate(r.pred)
    t = np.concatenate(r.truth)
    cal = pd.Series(np.concatenate(r.calibration)).value_counts(normalize=True)
    row: dict[str, object] = {
        "set": r.name,
        "recordings": r.recordings,
        "rate_hz": f"{np.median(r.rate_hz):.1f}" if r.rate_hz else "",
        "labelled_s": int(t.size),
        "agreement_pct": round(100 * float(np.mean(p == t)), 1),
        "lying_recall_pct": (round(100 * float(np.mean(p[t == "lying"] == "lying")), 1)
                             if (t == "lying").any() else np.nan),
    }
    for c in CONTEXTS:
        row[f"{c}_min"] = f"{(p == c).sum() / 60:.1f}/{(t == c).sum() / 60:.1f}"
    row["nonwear_min"] = round(float((p == "nonwear").sum() / 60), 1)
    row["calibration"] = ", ".join(f"{k} {100 * v:.0f}%" for k, v in cal.items())
    row["refusals"] = len(r.refusals)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="copy of the real-data folder")
    ap.add_argument("--sets", default=",".join(LOADERS), help="comma-separated: " + ",".join(LOADERS))
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not args.data.is_dir():
        ap.error(f"{args.data}: not a directory")
    rows = []
    pooled = SetResult("pooled")
    for key in args.sets.split(","):
        name, loader = LOADERS[key.strip()]
        t0 = time.perf_counter()
        res = SetResult(name)
        recs = list(loader(args.data))
        if not recs:
            log.warning("%s: no files found under %s", name, args.data)
            continue
        with tempfile.TemporaryDirectory(prefix="posturelog-validate-") as tmp:
            run_recordings(recs, Path(tmp), res)
        rows.append(summarise(res))
        log.info("%s: %.1f s", name, time.perf_counter() - t0)
        pooled.recordings += res.recordings
        pooled.refusals += res.refusals
        pooled.pred += res.pred
        pooled.truth += res.truth
        pooled.calibration += res.calibration
        pooled.rate_hz += res.rate_hz
    rows.append(summarise(pooled))
    table = pd.DataFrame(rows).set_index("set")
    with pd.option_context("display.width", 250, "display.max_columns", 30,
                           "display.max_colwidth", 60):
        sys.stdout.write(table.to_string() + "\n")
    for r in pooled.refusals:
        sys.stdout.write(f"refused: {r}\n")
    return 1 if pooled.refusals else 0


if __name__ == "__main__":
    raise SystemExit(main())
