"""``posturelog demo --feedback``: live alerts on the simulated week, as ``record`` would send them.

The simulated wearer reacts to alerts (:class:`sensor.simulate.SimulationSettings`
``feedback_alert_after_s``: straightens after 2–15 s with probability 0.8). The demo runs the
same live path as ``record`` on the streamed batches (:class:`posturelog.live_state.LiveFeedback`
with :class:`posturelog.alerts.AlertPolicy`) and stores the alerts and their time to correct in
the alert log, so the report shows its alerts section.

The live engine needs the mounting. A real wearer calibrates live after putting the sensor on
(``posturelog calibrate``); the demo stands for that by giving the engine the simulator's
mounting at each attachment (:meth:`sensor.simulate.SimulatedWearer.mountings`).
"""

from __future__ import annotations

import logging

import numpy as np

from analysis.calibration import Mounting
from analysis.live import LiveEngine
from analysis.settings import AnalysisSettings
from posturelog.alertlog import add_alert, set_seconds_to_correct
from posturelog.alerts import Alert, AlertPolicy, AlertSettings
from posturelog.live_state import LiveFeedback
from posturelog.recorder import RecordResult
from posturelog.store import Store
from sensor.batch import SampleBatch
from sensor.simulate import SimulatedWearer

__all__ = ["DEMO_CHANNELS", "ReplayFeedback"]

log = logging.getLogger(__name__)

#: Channels written into the alert log for simulated alerts (the terminal of ``record``).
DEMO_CHANNELS: tuple[str, ...] = ("terminal",)


def _mounting(matrix: np.ndarray, t_ns: int) -> Mounting:
    """Body → sensor matrix (3, 3) → :class:`Mounting` (sensor up = column z, forward = column x)."""
    m = np.asarray(matrix, dtype=float)
    return Mounting.from_axes(m[:, 2], m[:, 0], "routine", int(t_ns), {"from": "simulation"})


class ReplayFeedback:
    """Recorder listener that runs the live feedback on simulated batches and logs alerts.

    Parameters
    ----------
    store : Store
        Alert log destination.
    wearer : SimulatedWearer
        The simulation being streamed (mountings, rate, gyroscope).
    timezone : str
    alerts : AlertSettings
    settings : AnalysisSettings
    """

    def __init__(self, store: Store, wearer: SimulatedWearer, timezone: str, alerts: AlertSettings,
                 settings: AnalysisSettings) -> None:
        self.store = store
        self._mounts = wearer.mountings()
        self._next = 0
        engine = LiveEngine(wearer.info.rate_hz, None, with_gyroscope=wearer.info.has_gyroscope,
                            settings=settings, timezone=timezone)
        self.policy = AlertPolicy(alerts, timezone)
        self.feedback = LiveFeedback(engine, self.policy, on_alert=self._log)
        self.alerts = 0

    def _log(self, alert: Alert, corrected: bool) -> None:
        if corrected:
            if alert.id is not None and alert.seconds_to_correct is not None:
                set_seconds_to_correct(self.store, alert.id, alert.seconds_to_correct)
            return
        alert.channels = DEMO_CHANNELS
        add_alert(self.store, alert)
        self.alerts += 1

    def __call__(self, batch: SampleBatch, result: RecordResult | None = None) -> None:
        first = int(batch.t_ns[0])
        while self._next < len(self._mounts) and self._mounts[self._next][0] <= first:
            t_ns, matrix = self._mounts[self._next]
            self.feedback.engine.set_mounting(_mounting(matrix, t_ns))
            self._next += 1
        self.feedback(batch, result)

    def finish(self) -> None:
        """Close the last second."""
        self.feedback.finish()
