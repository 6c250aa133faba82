"""Live posture state and alerts on the recording path: a :class:`~posturelog.recorder.Recorder`
listener.

:class:`LiveFeedback` is attached with ``recorder.on_batch(feedback)``: every stored
:class:`~sensor.batch.SampleBatch` goes through :class:`analysis.live.LiveEngine` (the report's
causal tilt filter, calibration, wear/context rules and slouch thresholds, one second at a
time), each completed second through :class:`posturelog.alerts.AlertPolicy`, and the result to
the ``on_second`` callback (the live view) and, for alerts, to ``on_alert`` (channels, alert
log). Nothing here blocks: sending is the callbacks' business.

The mounting is the latest one known (:func:`latest_mounting`): a mounting saved by a live
calibration (store setting :data:`LIVE_MOUNTING_KEY`), else the last wear bout's mounting the
report computed (the epochs cache sidecars), else none (flexion unknown until calibrated).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from analysis.calibration import Mounting
from analysis.live import LiveEngine, LiveSecond, LiveSettings
from analysis.settings import AnalysisSettings
from posturelog.alerts import Alert, AlertPolicy, AlertUpdate
from posturelog.recorder import Recorder, RecordResult
from posturelog.store import Store
from sensor.batch import SampleBatch, SourceInfo
from vocab.units import NS_PER_S

__all__ = [
    "LIVE_MOUNTING_KEY",
    "LiveFeedback",
    "latest_mounting",
    "make_engine",
    "save_live_mounting",
    "status_text",
]

log = logging.getLogger(__name__)

#: Store setting with the mounting of the last live calibration (JSON).
LIVE_MOUNTING_KEY = "live_mounting"


def _mounting_from(d: dict[str, Any] | None, source: str | None = None) -> Mounting | None:
    if not d or d.get("up_sensor") is None or d.get("forward_sensor") is None:
        return None
    src = source or str(d.get("source", "default"))
    if src not in ("routine", "walking", "default"):
        src = "default"
    try:
        return Mounting.from_axes(np.asarray(d["up_sensor"], dtype=float),
                                  np.asarray(d["forward_sensor"], dtype=float), src,  # type: ignore[arg-type]
                                  int(d.get("fitted_ns", 0) or 0), {"from": "store"})
    except (ValueError, TypeError) as exc:
        log.warning("ignoring a stored mounting that is not valid: %s", exc)
        return None


def save_live_mounting(store: Store, mounting: Mounting) -> None:
    """Remember a mounting (e.g. from a live calibration) for the next live session."""
    store.set_setting(LIVE_MOUNTING_KEY, json.dumps({
        "up_sensor": np.asarray(mounting.up_sensor).tolist(),
        "forward_sensor": np.asarray(mounting.forward_sensor).tolist(),
        "source": str(mounting.source), "fitted_ns": int(mounting.fitted_ns),
    }))


def latest_mounting(store: Store) -> Mounting | None:
    """The latest known mounting: live calibration, else the report's last wear bout, else None."""
    raw = store.get_setting(LIVE_MOUNTING_KEY)
    if raw:
        try:
            m = _mounting_from(json.loads(raw))
        except json.JSONDecodeError:
            m = None
        if m is not None:
            return m
    cache = Path(store.data_dir) / "cache" / "epochs"
    for side in sorted(cache.glob("*.json"), reverse=True):  # names start with the date
        try:
            meta = json.loads(side.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        for bout in reversed(meta.get("mountings") or []):
            m = _mounting_from(bout)
            if m is not None:
                return m
    return None


def make_engine(store: Store, info: SourceInfo, settings: AnalysisSettings, timezone: str,
                live: LiveSettings | None = None) -> LiveEngine:
    """A live engine for a recording from ``info``'s sensor with the latest mounting."""
    mounting = latest_mounting(store)
    if mounting is None:
        log.info("no calibration yet: live flexion is unknown until `posturelog calibrate`")
    return LiveEngine(info.rate_hz, mounting, with_gyroscope=info.has_gyroscope,
                      settings=settings, live=live, timezone=timezone)


_STATE_WORDS = {"upright": "upright", "slouched": "slouched", "lying": "lying",
                "walking": "walking", "nonwear": "not worn"}


def _minutes(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "–"
    m = int(seconds // 60)
    return f"{m // 60} h {m % 60:02d} min" if m >= 60 else f"{m} min"


def status_text(sec: LiveSecond) -> str:
    """One status line for the live view, e.g.
    ``slouched 45 s · flexion 27° · today 12.5 min slouched · 38 min since a break``."""
    state = _STATE_WORDS.get(sec.state, sec.state)
    if sec.state == "slouched":
        state += f" {sec.slouch_run_s} s"
    flex = "flexion –" if not math.isfinite(sec.flexion_deg) else f"flexion {sec.flexion_deg:.0f}°"
    return (f"{state} · {flex} · today {sec.slouch_today_min:.1f} min slouched · "
            f"{_minutes(sec.since_break_s)} since a break")


class LiveFeedback:
    """Recorder listener: samples → :class:`LiveSecond` per second → alert decisions.

    Parameters
    ----------
    engine : LiveEngine
    policy : AlertPolicy, optional
        Without one, only the live state is computed.
    on_second : callable, optional
        ``on_second(second, update)`` for every completed second (the live view).
    on_alert : callable, optional
        ``on_alert(alert, corrected)`` once per new alert (``corrected=False``) and once when
        an alert's time-to-correct becomes known (``corrected=True``).
    """

    def __init__(
        self,
        engine: LiveEngine,
        policy: AlertPolicy | None = None,
        *,
        on_second: Callable[[LiveSecond, AlertUpdate], None] | None = None,
        on_alert: Callable[[Alert, bool], None] | None = None,
    ) -> None:
        self.engine = engine
        self.policy = policy
        self.on_second = on_second
        self.on_alert = on_alert
        self.latest: LiveSecond | None = None
        self.seconds = 0
        self._steep_run_s = 0

    def attach(self, recorder: Recorder) -> LiveFeedback:
        """Register with a recorder (``recorder.on_batch``)."""
        recorder.on_batch(self)
        return self

    def __call__(self, batch: SampleBatch, result: RecordResult | None = None) -> None:
        gyr = batch.gyr_rads if self.engine.with_gyroscope else None
        if self.engine.with_gyroscope and gyr is None:
            raise ValueError("the live engine expects gyroscope samples but the batch has none")
        self._handle(self.engine.update(batch.t_ns, batch.acc_mps2, gyr, gap_before=batch.gap_before))
        self._within_second()

    def finish(self) -> None:
        """Close the last open second (end of the recording)."""
        self._handle(self.engine.flush())

    def _alert_run_s(self, sec: LiveSecond) -> float:
        """The slouch duration the alert policy sees: 0 while the trunk is steeper than the
        lying inclination for less than the lying rule's minimum (it may be lying down, which
        the engine can only tell after ``lying_min_duration_s``), so no slouch alert fires
        while the wearer lies down; after that the whole slouch counts, from its onset."""
        s = self.engine.settings
        steep = math.isfinite(sec.inclination_deg) and sec.inclination_deg > s.lying_inclination_deg
        self._steep_run_s = self._steep_run_s + 1 if steep else 0
        if steep and self._steep_run_s < s.lying_min_duration_s:
            return 0.0
        return float(sec.slouch_elapsed_s)

    def _within_second(self) -> None:
        """Let a slouch alert fire inside the open second (:meth:`LiveEngine.open_slouch_s`):
        the policy sees the slouch's duration at the newest sample, so the alert comes at the
        batch that completes ``alert_after_s``, not up to a second later. Only while the last
        completed second was "slouched" and not in the lying hold (:meth:`_alert_run_s`)."""
        sec = self.latest
        if self.policy is None or sec is None or sec.state != "slouched":
            return
        s = self.engine.settings
        steep = math.isfinite(sec.inclination_deg) and sec.inclination_deg > s.lying_inclination_deg
        if steep and self._steep_run_s < s.lying_min_duration_s:
            return
        run_s = self.engine.open_slouch_s()
        last_ns = self.engine.last_ns
        if run_s is None or last_ns is None:
            return
        now_s = last_ns / NS_PER_S
        since = sec.since_break_s + max(now_s - (sec.t_s + 1), 0.0)
        upd = self.policy.observe(now_s, "slouched", run_s, since)
        if self.on_alert is not None:
            for a in upd.new:
                self.on_alert(a, False)
            for a in upd.corrected:
                self.on_alert(a, True)

    def _handle(self, seconds: list[LiveSecond]) -> None:
        for sec in seconds:
            self.latest = sec
            self.seconds += 1
            upd = AlertUpdate()
            if self.policy is not None:
                upd = self.policy.observe(float(sec.t_s + 1), sec.state, self._alert_run_s(sec),
                                          sec.since_break_s)
            if self.on_alert is not None:
                for a in upd.new:
                    self.on_alert(a, False)
                for a in upd.corrected:
                    self.on_alert(a, True)
            if self.on_second is not None:
                self.on_second(sec, upd)
