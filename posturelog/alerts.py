"""Alert policy: when to tell the wearer about a slouch or a long sitting bout (pure, clock passed in).

:class:`AlertPolicy` is fed one observation per second (time, live state, how long the current
slouch has lasted, seconds since the last break; :class:`analysis.live.LiveSecond` has all of
them) and answers with the alerts to send now and the earlier alerts that were just
*corrected*. It never reads a clock, a file or the store, so it is tested exhaustively with
Hypothesis.

Rules
-----
* **slouch**: the state has been "slouched" for ``alert_after_s`` seconds (default 30), then
  again every ``repeat_after_s`` of the same slouch (0 = once per slouch). The state is never
  "slouched" while lying, walking or not worn, so no slouch alert can fire then.
* **break**: the wearer has sat (upright or slouched) for ``break_after_s`` (default 50 min)
  without a break, then again every ``break_after_s``; never while lying, walking or not worn.
* **suppressed**: while snoozed (``snooze_until_s``), inside quiet hours (local time ranges,
  a range may cross midnight, e.g. 22:00–07:00) and when ``max_per_hour`` alerts were sent in
  the last 3600 s. A suppressed slouch alert fires when the suppression ends if the slouch
  still lasts.
* **time to correct**: for a slouch alert, the seconds until the state is no longer
  "slouched" (the wearer straightened, or started walking or lay down; unknown, None, when
  the sensor came off first); for a break alert, the seconds until the break started (a
  break as the live engine defines it: walking, lying or sensor off for ``break_min_s``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from posturelog.errors import InputError

__all__ = [
    "ALERT_KINDS",
    "CHANNELS",
    "Alert",
    "AlertPolicy",
    "AlertSettings",
    "AlertUpdate",
    "in_quiet_hours",
]

#: Kinds of alert.
ALERT_KINDS: tuple[str, ...] = ("slouch", "break")
#: Channels an alert can go to (:mod:`posturelog.notify`).
CHANNELS: tuple[str, ...] = ("terminal", "desktop", "sensor")

_SITTING = ("upright", "slouched")


@dataclass(frozen=True)
class AlertSettings:
    """Settings of the alert policy (``[alerts]`` in ``config.toml``).

    Attributes
    ----------
    enabled : bool
        Alerts on or off (the live view works either way).
    alert_after_s : float
        Seconds of sustained slouch before the first alert (30 s; shorter than the report's
        60-s minimum episode on purpose: a nudge before it becomes an episode).
    repeat_after_s : float
        Seconds of the same continued slouch between repeated alerts; 0 = once per slouch.
    max_per_hour : int
        At most this many alerts (both kinds) in any 3600 s.
    quiet_hours : tuple of (time, time)
        Local time ranges ``[start, end)`` without alerts; ``start > end`` crosses midnight.
    break_after_s : float
        Seconds of unbroken sitting before a break reminder (50 min).
    channels : tuple of str
        Where alerts go, a subset of :data:`CHANNELS`.
    snooze_s : float
        How long the ``s`` key of the ``record`` live view snoozes alerts (30 min;
        ``snooze_min`` in ``config.toml``).
    """

    enabled: bool = True
    alert_after_s: float = 30.0
    repeat_after_s: float = 300.0
    max_per_hour: int = 4
    quiet_hours: tuple[tuple[time, time], ...] = ()
    break_after_s: float = 50 * 60.0
    channels: tuple[str, ...] = ("terminal", "desktop", "sensor")
    snooze_s: float = 30 * 60.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.alert_after_s) and 1 <= self.alert_after_s <= 3600):
            raise InputError(f"alert_after_s must be 1–3600 seconds, got {self.alert_after_s}")
        if not (math.isfinite(self.repeat_after_s) and 0 <= self.repeat_after_s <= 86400):
            raise InputError(f"repeat_after_s must be 0–86400 seconds, got {self.repeat_after_s}")
        if isinstance(self.max_per_hour, bool) or not 1 <= int(self.max_per_hour) <= 60:
            raise InputError(f"max_per_hour must be 1–60, got {self.max_per_hour}")
        if not (math.isfinite(self.break_after_s) and 60 <= self.break_after_s <= 86400):
            raise InputError(f"break_after_s must be 60–86400 seconds, got {self.break_after_s}")
        for rng in self.quiet_hours:
            if len(rng) != 2 or not all(isinstance(x, time) for x in rng) or rng[0] == rng[1]:
                raise InputError(f"quiet hours must be (start, end) local times that differ, got {rng!r}")
        if not (math.isfinite(self.snooze_s) and 60 <= self.snooze_s <= 86400):
            raise InputError(f"snooze_min must be 1–1440 minutes, got {self.snooze_s / 60:g}")
        unknown = set(self.channels) - set(CHANNELS)
        if unknown:
            raise InputError(f"unknown alert channel(s) {sorted(unknown)}; choose from {list(CHANNELS)}")


@dataclass
class Alert:
    """One alert.

    Attributes
    ----------
    t_s : float
        When it was sent, Unix seconds (UTC).
    kind : str
        ``slouch`` or ``break``.
    channels : tuple of str
    seconds_to_correct : float or None
        Filled in when the wearer corrected (see the module notes); None until then.
    id : int or None
        Row id once stored (:mod:`posturelog.alertlog`).
    """

    t_s: float
    kind: str
    channels: tuple[str, ...]
    seconds_to_correct: float | None = None
    id: int | None = None


@dataclass
class AlertUpdate:
    """What one observation changed: alerts to send now, earlier alerts just corrected."""

    new: list[Alert] = field(default_factory=list)
    corrected: list[Alert] = field(default_factory=list)


def in_quiet_hours(local: time, quiet_hours: tuple[tuple[time, time], ...]) -> bool:
    """Whether a local wall-clock time falls in any ``[start, end)`` range (midnight-crossing ok)."""
    for start, end in quiet_hours:
        if start < end:
            if start <= local < end:
                return True
        elif local >= start or local < end:
            return True
    return False


class AlertPolicy:
    """Decides, second by second, which alerts to send.

    Parameters
    ----------
    settings : AlertSettings
    timezone : str
        IANA zone of the wearer (quiet hours are local).
    snooze_until_s : float, optional
        No alerts before this time (Unix seconds).
    """

    def __init__(self, settings: AlertSettings, timezone: str = "UTC",
                 snooze_until_s: float | None = None) -> None:
        self.settings = settings
        self._tz = ZoneInfo(timezone)
        self.snooze_until_s = snooze_until_s
        self.sent: list[Alert] = []
        self._slouch_alerts_in_run = 0
        self._break_alerts_in_bout = 0
        self._open_slouch: list[Alert] = []
        self._open_break: list[Alert] = []

    def snooze(self, until_s: float | None) -> None:
        """No alerts before ``until_s`` (Unix seconds); None ends the snooze."""
        self.snooze_until_s = until_s

    def suppressed(self, now_s: float) -> str | None:
        """Why an alert cannot be sent at ``now_s`` (``disabled``, ``snoozed``, ``quiet hours``,
        ``hourly limit``), or None."""
        s = self.settings
        if not s.enabled:
            return "disabled"
        if self.snooze_until_s is not None and now_s < self.snooze_until_s:
            return "snoozed"
        if s.quiet_hours:
            local = datetime.fromtimestamp(now_s, tz=self._tz).time()
            if in_quiet_hours(local, s.quiet_hours):
                return "quiet hours"
        recent = sum(1 for a in self.sent if now_s - a.t_s < 3600.0)
        if recent >= s.max_per_hour:
            return "hourly limit"
        return None

    def observe(self, now_s: float, state: str, slouch_run_s: float,
                since_break_s: float) -> AlertUpdate:
        """Take one observation (normally once per second) and decide.

        Parameters
        ----------
        now_s : float
            Time of the observation, Unix seconds (UTC); non-decreasing.
        state : str
            ``upright``, ``slouched``, ``lying``, ``walking`` or ``nonwear``.
        slouch_run_s : float
            Seconds the current slouch has lasted (0 when not slouching).
        since_break_s : float
            Seconds since the last break (0 during a break, NaN when unknown).

        Returns
        -------
        AlertUpdate
        """
        s = self.settings
        out = AlertUpdate()
        # corrections first: they close alerts of earlier seconds
        if state != "slouched":
            self._slouch_alerts_in_run = 0
            if self._open_slouch:
                for a in self._open_slouch:
                    if state != "nonwear":
                        a.seconds_to_correct = max(now_s - a.t_s, 0.0)
                        out.corrected.append(a)
                self._open_slouch = []
        if since_break_s == 0:  # a break began (the engine's definition: long enough)
            for a in self._open_break:
                a.seconds_to_correct = max(now_s - a.t_s, 0.0)
                out.corrected.append(a)
            self._open_break = []
        if not since_break_s >= s.break_after_s:  # a new sitting bout (or unknown)
            self._break_alerts_in_bout = 0
        if self.suppressed(now_s) is not None:
            return out
        if state == "slouched" and slouch_run_s >= s.alert_after_s:
            k = self._slouch_alerts_in_run
            due = k == 0 or (s.repeat_after_s > 0
                             and slouch_run_s >= s.alert_after_s + k * s.repeat_after_s)
            if due:
                a = Alert(now_s, "slouch", s.channels)
                self._slouch_alerts_in_run = k + 1
                self._open_slouch.append(a)
                self.sent.append(a)
                out.new.append(a)
                return out  # one alert per second at most
        if (state in _SITTING and math.isfinite(since_break_s)
                and since_break_s >= s.break_after_s * (self._break_alerts_in_bout + 1)):
            a = Alert(now_s, "break", s.channels)
            self._break_alerts_in_bout += 1
            self._open_break.append(a)
            self.sent.append(a)
            out.new.append(a)
        return out
