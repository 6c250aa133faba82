"""``[alerts]`` in ``config.toml``, the snooze setting, and durations like ``30m``.

Example ``config.toml``::

    [alerts]
    enabled = true
    alert_after_s = 30              # seconds of sustained slouch before an alert
    repeat_after_s = 300            # 0 = one alert per slouch
    max_per_hour = 4
    quiet_hours = ["22:00-07:00", "12:30-13:15"]   # local time; may cross midnight
    break_after_min = 50            # break reminder after this much unbroken sitting
    channels = ["terminal", "desktop", "sensor"]
    snooze_min = 30                 # the `s` key in the record live view snoozes this long

``posturelog snooze 30m`` stores the end of the snooze in the store's settings table
(:data:`SNOOZE_KEY`, UTC ns), so a running ``record`` and the next one both see it.
"""

from __future__ import annotations

import re
import tomllib
from datetime import time
from pathlib import Path
from typing import Any

from posturelog.alerts import CHANNELS, AlertSettings
from posturelog.config import CONFIG_NAME
from posturelog.errors import UserError
from posturelog.store import Store
from vocab.units import NS_PER_S

__all__ = [
    "SNOOZE_KEY",
    "load_alert_settings",
    "parse_duration_s",
    "parse_quiet_range",
    "set_snooze",
    "snooze_message",
    "snooze_until_ns",
]

#: Store setting holding the end of the snooze (UTC ns, as a decimal string).
SNOOZE_KEY = "alerts_snooze_until_ns"

_DURATION_RE = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m)?\s*"
                          r"(?:(\d+(?:\.\d+)?)\s*s)?\s*$", re.IGNORECASE)
_RANGE_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_duration_s(text: str) -> float:
    """Seconds in a duration like ``30m``, ``1h``, ``90s``, ``1h30m`` (or a bare number of minutes).

    Raises
    ------
    UserError
        For anything else, or a duration of zero or over 24 h.
    """
    raw = str(text).strip()
    if re.fullmatch(r"\d+(\.\d+)?", raw):
        seconds = float(raw) * 60.0
    else:
        m = _DURATION_RE.match(raw)
        if not raw or m is None or not any(m.groups()):
            raise UserError(f"duration must look like 30m, 1h, 90s or 1h30m, got {text!r}")
        h, mi, s = (float(g) if g else 0.0 for g in m.groups())
        seconds = 3600.0 * h + 60.0 * mi + s
    if not 0 < seconds <= 86400:
        raise UserError(f"duration must be more than 0 and at most 24h, got {text!r}")
    return seconds


def parse_quiet_range(text: str, where: str = "quiet_hours") -> tuple[time, time]:
    """``"22:00-07:00"`` → ``(time(22, 0), time(7, 0))``; the range may cross midnight."""
    m = _RANGE_RE.match(str(text))
    if m is None:
        raise UserError(f"{where}: a quiet range must look like 22:00-07:00, got {text!r}")
    h0, m0, h1, m1 = (int(g) for g in m.groups())
    if h0 > 23 or h1 > 24 or m0 > 59 or m1 > 59 or (h1 == 24 and m1 != 0):
        raise UserError(f"{where}: not a valid time range {text!r}")
    start, end = time(h0, m0), time(0, 0) if h1 == 24 else time(h1, m1)
    if start == end:
        raise UserError(f"{where}: quiet range {text!r} is empty")
    return start, end


def _number(path: Path, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UserError(f"{path}: [alerts] {key} must be a number, got {value!r}")
    return float(value)


def _alerts_section(path: Path) -> dict[str, Any]:
    """The ``[alerts]`` table of ``config.toml`` (empty if the file or table is missing)."""
    if not path.exists():
        return {}
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid TOML ({exc})") from None
    section = doc.get("alerts", {})
    if not isinstance(section, dict):
        raise UserError(f"{path}: [alerts] must be a table")
    return section


def _alert_setting(path: Path, key: str, value: Any) -> tuple[str, Any]:
    """One ``[alerts]`` entry as an ``AlertSettings`` field name and value."""
    if key == "enabled":
        if not isinstance(value, bool):
            raise UserError(f"{path}: [alerts] enabled must be true or false, got {value!r}")
        return key, value
    if key in ("alert_after_s", "repeat_after_s"):
        return key, _number(path, key, value)
    if key == "break_after_min":
        return "break_after_s", 60.0 * _number(path, key, value)
    if key == "snooze_min":
        return "snooze_s", 60.0 * _number(path, key, value)
    if key == "max_per_hour":
        n = _number(path, key, value)
        if not n.is_integer():
            raise UserError(f"{path}: [alerts] max_per_hour must be a whole number, got {value!r}")
        return key, int(n)
    if key == "quiet_hours":
        if not isinstance(value, list):
            raise UserError(f"{path}: [alerts] quiet_hours must be a list like [\"22:00-07:00\"]")
        return key, tuple(parse_quiet_range(v, f"{path}: [alerts] quiet_hours") for v in value)
    if key == "channels":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UserError(f"{path}: [alerts] channels must be a list of {list(CHANNELS)}")
        return key, tuple(value)
    raise UserError(f"{path}: unknown setting [alerts] {key}")


def load_alert_settings(data_dir: Path, *, alert_after_s: float | None = None) -> AlertSettings:
    """Alert settings from the defaults, ``[alerts]`` in ``config.toml`` and ``--alert-after``.

    Raises
    ------
    UserError
        Unreadable TOML, an unknown key, or a value of the wrong type or range (with the file
        and key).
    """
    path = Path(data_dir) / CONFIG_NAME
    kw: dict[str, Any] = {}
    for key, value in _alerts_section(path).items():
        name, converted = _alert_setting(path, key, value)
        kw[name] = converted
    if alert_after_s is not None:
        kw["alert_after_s"] = float(alert_after_s)
    try:
        return AlertSettings(**kw)
    except ValueError as exc:
        where = f"{path}: [alerts]" if path.exists() else "alerts"
        raise UserError(f"{where}: {exc}") from None


def set_snooze(store: Store, now_ns: int, duration_s: float) -> int:
    """Snooze alerts for ``duration_s`` from ``now_ns``; returns the end (UTC ns)."""
    until = int(now_ns + duration_s * NS_PER_S)
    store.set_setting(SNOOZE_KEY, str(until))
    return until


def snooze_until_ns(store: Store) -> int | None:
    """The stored end of the snooze (UTC ns), or None."""
    raw = store.get_setting(SNOOZE_KEY)
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise UserError(f"setting {SNOOZE_KEY} is not a time in ns: {raw!r}") from None


def snooze_message(store: Store, text: str, now_ns: int) -> str:
    """``posturelog snooze TEXT``: snooze for a duration (``30m``), or ``off``; a line for the user."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    if str(text).strip().lower() in ("off", "0", "end", "stop"):
        store.set_setting(SNOOZE_KEY, "")
        return "Alerts are on again."
    until = set_snooze(store, now_ns, parse_duration_s(text))
    local = datetime.fromtimestamp(until / NS_PER_S, tz=ZoneInfo(store.timezone()))
    return f"Alerts snoozed until {local.isoformat(timespec='minutes')}."
