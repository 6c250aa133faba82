"""User configuration: ``config.toml`` in the data directory, overridden by command-line flags.

Example ``config.toml``::

    [analysis]
    slouch_threshold_deg = 15      # degrees beyond your calibrated upright
    slouch_min_duration_s = 120    # seconds a slouch must last to count

Any field of :class:`analysis.settings.AnalysisSettings` may be set in ``[analysis]``.
How the sensor is worn (:mod:`analysis.upaxis`) goes in ``[sensor]``::

    [sensor]
    up_axis = "+y"                 # the device axis pointing toward the head when standing
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path
from typing import Any

from analysis.settings import AnalysisSettings
from analysis.upaxis import parse_up_axis
from posturelog.errors import UserError

__all__ = ["CONFIG_NAME", "check_setting", "load_settings", "load_up_axis", "parse_number",
           "resolve_up_axis"]

CONFIG_NAME = "config.toml"

#: Allowed ranges of the settings people set (in config.toml or by flag): (low, high,
#: low inclusive, description).
_LIMITS: dict[str, tuple[float, float, bool, str]] = {
    "slouch_threshold_deg": (0.0, 90.0, False, "slouch threshold must be between 0 and 90 degrees"),
    "slouch_min_duration_s": (0.0, 3600.0, True, "minimum slouch duration must be 0–3600 s"),
}


_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def parse_number(text: str, flag: str) -> float:
    """A number given on the command line (ASCII decimal, e.g. ``20`` or ``12.5``).

    Raises
    ------
    UserError
        Naming the flag and the text when it is not a number.
    """
    value = text.strip()
    if not _NUMBER.fullmatch(value):
        raise UserError(f"{flag} must be a number, got {text!r}")
    return float(value)


def check_setting(name: str, value: float, where: str) -> float:
    """``value`` as a float if it is in the allowed range of setting ``name``.

    One rule for ``config.toml`` and the command-line flags.

    Raises
    ------
    UserError
        Naming ``where`` the value came from (a flag or the config file and key).
    """
    low, high, low_inclusive, text = _LIMITS[name]
    number = float(value)
    inside = low <= number <= high if low_inclusive else low < number < high
    if not inside:
        raise UserError(f"{where}: {text}, got {value:g}")
    return number


def _coerce(name: str, value: Any, default: Any, path: Path) -> Any:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise UserError(f"{path}: [analysis] {name} must be true or false, got {value!r}")
        return value
    if isinstance(default, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UserError(f"{path}: [analysis] {name} must be a number, got {value!r}")
        return type(default)(value) if isinstance(default, float) or float(value).is_integer() else value
    if isinstance(default, tuple):
        if not isinstance(value, list):
            raise UserError(f"{path}: [analysis] {name} must be a list, got {value!r}")
        return tuple(value)
    return value


def load_settings(
    data_dir: Path,
    *,
    threshold_deg: float | None = None,
    min_duration_s: float | None = None,
) -> AnalysisSettings:
    """Analysis settings from the defaults, ``config.toml`` and command-line overrides.

    Raises
    ------
    UserError
        For an unreadable config file, an unknown key or a value of the wrong type or range.
    """
    settings = AnalysisSettings()
    path = Path(data_dir) / CONFIG_NAME
    overrides: dict[str, Any] = {}
    if path.exists() or path.is_symlink():
        if not path.is_file():
            raise UserError(f"{path}: is not a file (expected the TOML settings file)")
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UserError(f"{path}: not valid TOML ({exc})") from None
        except OSError as exc:
            raise UserError(f"{path}: cannot read it ({(exc.strerror or str(exc)).lower()})") from None
        section = doc.get("analysis", {})
        if not isinstance(section, dict):
            raise UserError(f"{path}: [analysis] must be a table")
        fields = {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)}
        for key, value in section.items():
            if key not in fields:
                raise UserError(f"{path}: unknown setting [analysis] {key}")
            overrides[key] = _coerce(key, value, fields[key], path)
            if key in _LIMITS:
                check_setting(key, overrides[key], f"{path}: [analysis] {key}")
    if threshold_deg is not None:
        overrides["slouch_threshold_deg"] = check_setting("slouch_threshold_deg", threshold_deg, "--threshold")
    if min_duration_s is not None:
        overrides["slouch_min_duration_s"] = check_setting("slouch_min_duration_s", min_duration_s, "--min-duration")
    try:
        return dataclasses.replace(settings, **overrides)
    except (TypeError, ValueError) as exc:
        raise UserError(f"invalid analysis setting: {exc}") from None


def _read_config(path: Path) -> dict[str, Any]:
    """The parsed ``config.toml`` (empty when there is none)."""
    if not (path.exists() or path.is_symlink()):
        return {}
    if not path.is_file():
        raise UserError(f"{path}: is not a file (expected the TOML settings file)")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read it ({(exc.strerror or str(exc)).lower()})") from None


def load_up_axis(data_dir: Path) -> str:
    """``[sensor] up_axis`` of ``config.toml``, normalised (``"+y"``); ``""`` when not set.

    Raises
    ------
    UserError
        For an unreadable config file or a value that is not one of ±x ±y ±z.
    """
    path = Path(data_dir) / CONFIG_NAME
    section = _read_config(path).get("sensor", {})
    if not isinstance(section, dict):
        raise UserError(f"{path}: [sensor] must be a table")
    value = section.get("up_axis")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise UserError(f"{path}: [sensor] up_axis must be text like \"+y\", got {value!r}")
    try:
        return parse_up_axis(value)
    except ValueError as exc:
        raise UserError(f"{path}: [sensor] {exc}") from None


def resolve_up_axis(flag: str | None, data_dir: Path) -> str:
    """How the sensor is worn for a new session: ``--up-axis`` if given, else ``[sensor]
    up_axis`` of ``config.toml``, else ``""`` (unknown; no sensor profile documents how it is
    attached, ``docs/sensors.md``).

    Raises
    ------
    UserError
        One line, for a flag or config value that is not one of ±x ±y ±z.
    """
    if flag is not None:
        try:
            return parse_up_axis(flag)
        except ValueError as exc:
            raise UserError(f"--up-axis: {exc}") from None
    return load_up_axis(data_dir)
