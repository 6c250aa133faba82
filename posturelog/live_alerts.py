"""Where a live alert goes while ``record`` runs: channels, the alert log, the snooze setting.

:class:`AlertDispatcher` is the ``on_alert`` callback of
:class:`posturelog.live_state.LiveFeedback`. For a new alert it

* stores it in the alert log (:func:`posturelog.alertlog.add_alert`) with the channels it
  goes to;
* rings the terminal (:class:`posturelog.notify.TerminalChannel`) at once;
* schedules the desktop notification (only when a session D-Bus exists) and the sensor cue
  (only for models with an actuator: Thingy:52, micro:bit) as asyncio tasks, so the
  recording loop never waits for them.

When the alert's time to correct becomes known it is written into the log
(:func:`posturelog.alertlog.set_seconds_to_correct`).

:class:`SnoozeWatcher` re-reads the snooze setting (``posturelog snooze 30m`` from another
terminal) at most every ``every_s`` seconds and passes it to the policy.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from typing import Any

from rich.console import Console

from posturelog.alert_config import load_alert_settings, snooze_until_ns
from posturelog.alertlog import add_alert, set_seconds_to_correct
from posturelog.alerts import Alert, AlertPolicy, AlertSettings
from posturelog.config import load_settings
from posturelog.errors import UserError
from posturelog.live_state import LiveFeedback, make_engine, status_text
from posturelog.notify import DesktopChannel, TerminalChannel, sensor_cue, write_cue
from posturelog.recorder import RecordResult
from posturelog.store import Store
from sensor.batch import SampleBatch, SourceInfo
from vocab.units import NS_PER_S

__all__ = [
    "AlertDispatcher",
    "LiveSession",
    "SnoozeWatcher",
    "active_channels",
    "session_bus_available",
    "start_live_session",
]

log = logging.getLogger(__name__)

_NS = NS_PER_S


def active_channels(settings: AlertSettings, model: str, *, session_bus: bool) -> tuple[str, ...]:
    """The configured channels that can work here.

    Parameters
    ----------
    settings : AlertSettings
    model : str
        The connected sensor's model (``SourceInfo.model``).
    session_bus : bool
        Whether a session D-Bus is known (``$DBUS_SESSION_BUS_ADDRESS``).

    Returns
    -------
    tuple of str
        ``terminal`` always when configured; ``desktop`` only with a session bus; ``sensor`` only
        when the model has a cue (:func:`posturelog.notify.sensor_cue`).
    """
    out: list[str] = []
    for ch in settings.channels:
        if ch == "desktop" and not session_bus:
            continue
        if ch == "sensor" and not sensor_cue(model, "slouch"):
            continue
        out.append(ch)
    return tuple(out) or ("terminal",)


class AlertDispatcher:
    """Send and log alerts (the ``on_alert`` callback of ``LiveFeedback``).

    Parameters
    ----------
    store : Store
        Where the alert log lives.
    channels : tuple of str
        From :func:`active_channels`.
    model : str
        Sensor model, for the cue bytes.
    console : Console, optional
        Terminal channel's console.
    client : callable, optional
        Returns the connected bleak client (``SensorStream.client``) or None.
    loop : asyncio.AbstractEventLoop, optional
        Loop for the desktop and sensor sends; without one they are skipped.
    desktop : DesktopChannel, optional
    """

    def __init__(
        self,
        store: Store,
        channels: tuple[str, ...],
        model: str,
        *,
        console: Console | None = None,
        client: Callable[[], Any] | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        desktop: DesktopChannel | None = None,
    ) -> None:
        self.store = store
        self.channels = channels
        self.model = model
        self.terminal = TerminalChannel(console) if "terminal" in channels else None
        self.desktop = (desktop or DesktopChannel()) if "desktop" in channels else None
        self.client = client
        self.loop = loop
        self.sent = 0
        self.cues_written = 0
        self.latency_s: list[float] = []
        self._tasks: set[asyncio.Task[Any]] = set()

    def __call__(self, alert: Alert, corrected: bool) -> None:
        if corrected:
            if alert.id is not None and alert.seconds_to_correct is not None:
                set_seconds_to_correct(self.store, alert.id, alert.seconds_to_correct)
            return
        alert.channels = self.channels
        add_alert(self.store, alert)
        self.sent += 1
        self.latency_s.append(time.time() - alert.t_s)  # wall clock vs the second's end
        if self.terminal is not None:
            self.terminal.send(alert)
        if self.loop is None:
            return
        if self.desktop is not None:
            self._spawn(self.desktop.send(alert))
        if "sensor" in self.channels and self.client is not None:
            self._spawn(self._cue(alert.kind))

    async def _cue(self, kind: str) -> None:
        client = self.client() if self.client is not None else None
        if client is None:
            log.info("sensor alert cue skipped: the sensor is not connected")
            return
        self.cues_written += await write_cue(client, sensor_cue(self.model, kind))

    def _spawn(self, coro: Any) -> None:
        assert self.loop is not None
        task = self.loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, timeout_s: float = 2.0) -> None:
        """Wait (briefly) for pending desktop and sensor sends; close the desktop connection."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout_s)
        if self.desktop is not None:
            self.desktop.close()


class SnoozeWatcher:
    """Re-read the stored snooze every ``every_s`` seconds and apply it to the policy."""

    def __init__(self, store: Store, policy: AlertPolicy, every_s: float = 3.0) -> None:
        self.store = store
        self.policy = policy
        self.every_s = float(every_s)
        self._last = -float("inf")

    def poll(self, now_mono: float | None = None) -> None:
        """Apply the stored snooze if ``every_s`` has passed since the last read."""
        now = time.monotonic() if now_mono is None else now_mono
        if now - self._last < self.every_s:
            return
        self._last = now
        try:
            until = snooze_until_ns(self.store)
        except UserError as exc:
            log.warning("ignoring the snooze setting: %s", exc)
            return
        self.policy.snooze(None if until is None else until / _NS)


def session_bus_available() -> bool:
    """Whether ``$DBUS_SESSION_BUS_ADDRESS`` names a session bus."""
    return bool(os.environ.get("DBUS_SESSION_BUS_ADDRESS"))


class LiveSession:
    """The live view and alerts of one recording: feedback, dispatcher and snooze watcher.

    Built by :func:`start_live_session`; ``listener`` goes to ``Recorder.on_batch``. An error
    inside the live analysis is logged once and switches the live view off; the recording goes on.
    """

    def __init__(self, feedback: LiveFeedback, dispatcher: AlertDispatcher, snooze: SnoozeWatcher,
                 settings: AlertSettings) -> None:
        self.feedback = feedback
        self.dispatcher = dispatcher
        self.snooze = snooze
        self.settings = settings
        self.failed = False
        #: what the live view's keys do (set while they are read), shown under the status line
        self.key_hint = ""

    def listener(self, batch: SampleBatch, result: RecordResult | None = None) -> None:
        if self.failed:
            return
        try:
            self.snooze.poll()
            self.feedback(batch, result)
        except Exception:
            self.failed = True
            log.exception("live view stopped (the recording goes on)")

    def finish(self) -> None:
        """Close the last second (its alert corrections are logged)."""
        if not self.failed:
            try:
                self.feedback.finish()
            except Exception:
                log.exception("live view: closing the last second failed")

    def status(self) -> str:
        """The live part of the status line."""
        if self.failed:
            return "live view off (error, see log)"
        sec = self.feedback.latest
        if sec is None:
            return "live: waiting for the first second…"
        text = status_text(sec)
        if self.dispatcher.sent:
            text += f" · {self.dispatcher.sent} alert(s)"
        if self.feedback.policy is not None:
            why = self.feedback.policy.suppressed(time.time())
            if why in ("snoozed", "quiet hours", "disabled"):
                text += f" · alerts {why}"
        return text


def start_live_session(
    store: Store,
    info: SourceInfo,
    timezone: str,
    *,
    alert_after_s: float | None = None,
    console: Console | None = None,
    client: Callable[[], Any] | None = None,
    loop: asyncio.AbstractEventLoop | None = None,
) -> LiveSession:
    """Build the live engine (latest mounting), alert policy (``[alerts]``, ``--alert-after``,
    the stored snooze) and channels for a recording from ``info``'s sensor.

    Raises
    ------
    UserError
        A bad ``config.toml`` (``[analysis]`` or ``[alerts]``) or ``--alert-after``.
    """
    settings = load_alert_settings(store.data_dir, alert_after_s=alert_after_s)
    engine = make_engine(store, info, load_settings(store.data_dir), timezone)
    until = snooze_until_ns(store)
    policy = AlertPolicy(settings, timezone, snooze_until_s=None if until is None else until / _NS)
    channels = active_channels(settings, info.model, session_bus=session_bus_available())
    dispatcher = AlertDispatcher(store, channels, info.model, console=console, client=client, loop=loop)
    feedback = LiveFeedback(engine, policy, on_alert=dispatcher)
    return LiveSession(feedback, dispatcher, SnoozeWatcher(store, policy), settings)
