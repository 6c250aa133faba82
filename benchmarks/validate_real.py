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
and three agreements (share of labelled seconds whose context equals the label; non-wear and
seconds without data count as wrong):

* ``agree_strict_pct``: the labels as given;
* ``agree_walk_na_pct``: the same, except that in recordings whose sampling rate cannot
  resolve the step band (walking "not available", e.g. UCI's ~2 Hz reads) a walking label
  counts as upright — walking is upright posture, and the analysis says it cannot see steps;
* ``agree_aligned_pct``: strict, with each recording's labels shifted by ``label_lag_s``, the
  lag that best aligns its walking labels with the step-band power of the signal (the
  ``step_power`` feature, not the context: cross-correlation of the walking indicator with
  log step-band RMS within ±``MAX_LAG_S``; only where walking is available, ≥ 60 s of walking
  and of other labels exist and the correlation reaches 0.5, else 0; labels moved outside
  the recording are dropped). A label/signal clock offset is a property of the
  recording, not of the analysis: this column shows how much of the disagreement it explains.

Where a set's documentation states the sensor axes (UCI: frontal, vertical, lateral), the
recording is imported with that up axis (``--up-axis``, :mod:`analysis.upaxis`): the analysis
uses it only in wear bouts whose data give no upright of their own (calibration "prior") and
to break a clear tie between two held postures. ``--no-prior`` leaves it out.

Then lying recall, minutes per context (analysis / labels), calibration sources, refusals
(errors raised by the analysis: must be 0), and per set the confusion of labels (rows) with
contexts (columns), in seconds, for the labels as given (and shifted, where a lag was found).
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
from vocab.terms import WORN_CONTEXTS
from vocab.units import NS_PER_S

log = logging.getLogger("validate_real")

G = 9.80665
CONTEXTS = WORN_CONTEXTS
#: Largest label/signal offset searched (s).
MAX_LAG_S = 180


@dataclass
class Recording:
    """One labelled recording: sample times, acceleration, optional gyroscope, labels."""

    name: str
    t_s: np.ndarray  # (N,) seconds from the recording's start
    acc_mps2: np.ndarray  # (N, 3)
    gyr_rads: np.ndarray | None  # (N, 3)
    label: np.ndarray  # (N,) object: "lying" / "upright" / "walking" / None
    #: how the sensor was worn, where the set's documentation says (the column written as
    #: acc_x/y/z that is the body's vertical): passed to the import as ``up_axis``
    up_axis: str = ""


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
    #: per analysed recording: whether the analysis could measure walking (step band)
    walking_available: list[bool] = field(default_factory=list)
    #: per analysed recording: contexts and labels with the labels shifted by the
    #: label/signal lag (see the module text)
    pred_aligned: list[np.ndarray] = field(default_factory=list)
    truth_aligned: list[np.ndarray] = field(default_factory=list)
    lags_s: list[int] = field(default_factory=list)


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
    """UCI older people S1 (Torres et al. 2013): irregular reads, acc in g, sternum.

    The set's README documents its three acceleration columns as the frontal, vertical and
    lateral axes; they are written as acc_x, acc_y, acc_z, so the documented vertical is y,
    and at rest an accelerometer reads +1 g along the axis that points up: up axis ``+y``.
    """
    for path in sorted((root / "uci_older" / "S1_Dataset").glob("d*")):
        d = pd.read_csv(path, header=None).to_numpy(dtype=float)
        t = d[:, 0]
        keep = np.concatenate(([True], np.diff(t) > 0))  # times are rounded to 0.025 s
        d, t = d[keep], t[keep]
        lab = _map(d[:, 8], {1: "upright", 2: "upright", 3: "lying", 4: "walking"})
        yield Recording(path.name, t, d[:, 1:4] * G, None, lab, up_axis="+y")


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
    sec = (start.value // NS_PER_S) + np.floor(rec.t_s).astype(np.int64)
    df = pd.DataFrame({"sec": sec, "label": rec.label}).dropna()
    if df.empty:
        return pd.Series(dtype=object)
    maj = df.groupby("sec")["label"].agg(lambda x: x.value_counts().index[0])
    maj.index = pd.DatetimeIndex(pd.to_datetime(maj.index, unit="s", utc=True), name="time")
    return maj


def label_lag_s(lab: pd.Series, step_power: pd.Series, max_lag_s: int = MAX_LAG_S,
                min_each_s: int = 60, min_r: float = 0.5) -> int:
    """Lag (s) that best aligns the walking labels with the signal's step-band power.

    Parameters
    ----------
    lab : Series of str, shape (L,)
        Per-second labels, DatetimeIndex of whole seconds.
    step_power : Series of float, shape (E,)
        The epochs' ``step_power`` ((m/s²)², per second), DatetimeIndex of whole seconds.
    max_lag_s : int
        Largest lag searched (s).
    min_each_s : int
        Labelled seconds of walking and of other activities needed for a lag.
    min_r : float
        Smallest correlation at the best lag for it to be taken (else the labels and the
        step power are not clearly related, and no lag is claimed).

    Returns
    -------
    int
        ``k`` such that the label at time ``t`` best describes the signal at ``t + k``
        (Pearson correlation of the walking indicator with ``log(RMS + 0.05 m/s²)``, the
        offset keeping still seconds from dominating); 0 when there is no step power, too
        few walking or other labels, or no clear relation.
    """
    p = step_power.dropna()
    n_walk = int((lab.to_numpy() == "walking").sum())
    if p.empty or min(n_walk, lab.size - n_walk) < min_each_s:
        return 0
    ls = pd.DatetimeIndex(lab.index).as_unit("ns").asi8 // NS_PER_S
    ps = pd.DatetimeIndex(p.index).as_unit("ns").asi8 // NS_PER_S
    t0 = int(min(ls.min(), ps.min()))
    size = int(max(ls.max(), ps.max())) - t0 + 1
    walk = np.full(size, np.nan)
    walk[ls - t0] = (lab.to_numpy() == "walking").astype(float)
    sig = np.full(size, np.nan)
    sig[ps - t0] = np.log(np.sqrt(p.to_numpy(dtype=float)) + 0.05)
    best, best_r = 0, -np.inf
    for k in range(-max_lag_s, max_lag_s + 1):
        a = walk[max(0, -k):size - max(0, k)]
        b = sig[max(0, k):size - max(0, -k)]
        ok = np.isfinite(a) & np.isfinite(b)
        if ok.sum() < 60 or np.ptp(a[ok]) == 0 or np.ptp(b[ok]) == 0:
            continue
        r = float(np.corrcoef(a[ok], b[ok])[0, 1])
        if r > best_r + 1e-9 or (abs(r - best_r) <= 1e-9 and abs(k) < abs(best)):
            best, best_r = k, r
    log.info("label lag %d s: correlation %.2f", best, best_r)
    return best if best_r >= min_r else 0


def _shift_labels(lab: pd.Series, lag_s: int, ep_index: pd.Index) -> pd.Series:
    """Labels moved by ``lag_s``; those moved outside the recording's span are dropped."""
    if lag_s == 0 or len(ep_index) == 0:
        return lab
    out = lab.copy()
    out.index = out.index + pd.Timedelta(seconds=lag_s)
    return out[(out.index >= ep_index.min()) & (out.index <= ep_index.max())]


def _collect(ep: pd.DataFrame, lab: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Predicted contexts and labels of the labelled seconds ("missing" without data)."""
    common = lab.index.intersection(ep.index)
    missing = lab.index.difference(ep.index)
    pred = np.concatenate([ep.loc[common, "context"].astype(str).to_numpy(),
                           np.full(missing.size, "missing", dtype=object)])
    truth = np.concatenate([lab.loc[common].to_numpy(), lab.loc[missing].to_numpy()])
    return pred.astype(object), truth.astype(object)


def run_recordings(recs: list[Recording], workdir: Path, result: SetResult,
                   use_prior: bool = True) -> None:
    """Import each recording (own day, noon UTC) into one store, analyse, collect labels.

    ``use_prior``: import with the documented up axis (:attr:`Recording.up_axis`), if any.
    """
    store = Store(workdir / "store")
    store.set_setting("timezone", "UTC")
    truth: list[pd.Series] = []
    days: list[date] = []
    base = pd.Timestamp("2026-01-05T12:00:00Z")
    for i, rec in enumerate(recs):
        start = base + pd.Timedelta(days=i)
        path = workdir / f"{rec.name}.csv"
        _write_csv(rec, start, path)
        import_csv(store, path, "UTC", model="validation import",
                   up_axis=rec.up_axis if use_prior else "")
        path.unlink()
        truth.append(_second_labels(rec, start))
        days.append(start.date())
        result.recordings += 1
        result.seconds_s += float(rec.t_s[-1] - rec.t_s[0])
        if rec.t_s.size > 1:
            result.rate_hz.append(float(1.0 / np.median(np.diff(rec.t_s))))
    for day, lab in zip(days, truth, strict=True):
        try:
            res = epochs_for_days(store, day, day, use_cache=False, all_columns=True)
        except Exception as exc:  # a refusal is what this benchmark counts
            log.exception("refused %s", day)
            result.refusals.append(f"{day}: {type(exc).__name__}: {exc}")
            continue
        ep = res.epochs
        walk_ok = bool(res.days[0]["walking_available"]) if res.days else False
        pred, truth = _collect(ep, lab)
        result.pred.append(pred)
        result.truth.append(truth)
        result.walking_available.append(walk_ok)
        lag = label_lag_s(lab, ep["step_power"]) if walk_ok else 0
        if lag:
            log.info("%s: labels lag the signal by %d s (step-band cross-correlation)", day, lag)
        result.lags_s.append(lag)
        pa, ta = _collect(ep, _shift_labels(lab, lag, ep.index))
        result.pred_aligned.append(pa)
        result.truth_aligned.append(ta)
        common = lab.index.intersection(ep.index)
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
    lenient = np.concatenate([np.where((tt == "walking") & (not ok), "upright", tt)
                              for tt, ok in zip(r.truth, r.walking_available, strict=True)])
    aligned = list(zip(r.pred_aligned, r.truth_aligned, strict=True))
    agree_aligned = (sum(int(np.sum(pp == tt)) for pp, tt in aligned)
                     / max(1, sum(tt.size for _, tt in aligned)))
    cal = pd.Series(np.concatenate(r.calibration)).value_counts(normalize=True)
    lags = sorted({lag for lag in r.lags_s if lag})
    row: dict[str, object] = {
        "set": r.name,
        "recordings": r.recordings,
        "rate_hz": f"{np.median(r.rate_hz):.1f}" if r.rate_hz else "",
        "labelled_s": int(t.size),
        "agree_strict_pct": round(100 * float(np.mean(p == t)), 1),
        "agree_walk_na_pct": round(100 * float(np.mean(p == lenient)), 1),
        "agree_aligned_pct": round(100 * agree_aligned, 1),
        "label_lag_s": ",".join(str(lag) for lag in lags) if lags else "0",
        "lying_recall_pct": (round(100 * float(np.mean(p[t == "lying"] == "lying")), 1)
                             if (t == "lying").any() else np.nan),
    }
    for c in CONTEXTS:
        row[f"{c}_min"] = f"{(p == c).sum() / 60:.1f}/{(t == c).sum() / 60:.1f}"
    row["nonwear_min"] = round(float((p == "nonwear").sum() / 60), 1)
    row["calibration"] = ", ".join(f"{k} {100 * v:.0f}%" for k, v in cal.items())
    row["refusals"] = len(r.refusals)
    return row


def confusion(r: SetResult, aligned: bool = False) -> pd.DataFrame:
    """Seconds per (label, context) of a set: labels as given, or shifted by the label lag."""
    pred, truth = (r.pred_aligned, r.truth_aligned) if aligned else (r.pred, r.truth)
    if not pred:
        return pd.DataFrame()
    return pd.crosstab(pd.Series(np.concatenate(truth), name="label"),
                       pd.Series(np.concatenate(pred), name="context"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="copy of the real-data folder")
    ap.add_argument("--sets", default=",".join(LOADERS), help="comma-separated: " + ",".join(LOADERS))
    ap.add_argument("--no-prior", action="store_true",
                    help="ignore the up axes the sets document (the analysis without a prior)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not args.data.is_dir():
        ap.error(f"{args.data}: not a directory")
    rows = []
    confusions: dict[str, pd.DataFrame] = {}
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
            run_recordings(recs, Path(tmp), res, use_prior=not args.no_prior)
        rows.append(summarise(res))
        confusions[name] = confusion(res)
        if any(res.lags_s):
            confusions[f"{name}, labels shifted by the label lag"] = confusion(res, aligned=True)
        log.info("%s: %.1f s", name, time.perf_counter() - t0)
        pooled.recordings += res.recordings
        pooled.refusals += res.refusals
        pooled.pred += res.pred
        pooled.truth += res.truth
        pooled.calibration += res.calibration
        pooled.rate_hz += res.rate_hz
        pooled.walking_available += res.walking_available
        pooled.pred_aligned += res.pred_aligned
        pooled.truth_aligned += res.truth_aligned
        pooled.lags_s += res.lags_s
    rows.append(summarise(pooled))
    table = pd.DataFrame(rows).set_index("set")
    with pd.option_context("display.width", 250, "display.max_columns", 30,
                           "display.max_colwidth", 60):
        sys.stdout.write(table.to_string() + "\n")
        for name, cm in confusions.items():
            sys.stdout.write(f"\n{name}: labels (rows) x contexts (columns), seconds\n"
                             f"{cm.to_string()}\n")
    for r in pooled.refusals:
        sys.stdout.write(f"refused: {r}\n")
    return 1 if pooled.refusals else 0


if __name__ == "__main__":
    raise SystemExit(main())
