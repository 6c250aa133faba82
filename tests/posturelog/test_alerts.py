"""Alert policy (Hypothesis properties), [alerts] config, snooze, and the alert log."""

from __future__ import annotations

import math
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posturelog.alert_config import (
    SNOOZE_KEY,
    load_alert_settings,
    parse_duration_s,
    snooze_message,
    snooze_until_ns,
)
from posturelog.alertlog import (
    add_alert,
    daily_alert_summary,
    read_alerts,
    set_seconds_to_correct,
    weekly_alert_trend,
)
from posturelog.alerts import Alert, AlertPolicy, AlertSettings, in_quiet_hours
from posturelog.errors import UserError
from posturelog.store import Store

TZ = "Europe/London"
T0 = datetime(2026, 11, 16, 9, 0, tzinfo=ZoneInfo(TZ)).timestamp()
STATES = ("upright", "slouched", "lying", "walking", "nonwear")


def run(policy: AlertPolicy, states: list[str], t0: float = T0) -> list[tuple[float, str, Alert]]:
    """Feed a per-second state sequence (with the run lengths the live engine would give)."""
    out: list[tuple[float, str, Alert]] = []
    run_s = 0
    sitting = 0
    for i, st_ in enumerate(states):
        now = t0 + i
        run_s = run_s + 1 if st_ == "slouched" else 0
        sitting = sitting + 1 if st_ in ("upright", "slouched") else 0
        upd = policy.observe(now, st_, run_s, float(sitting))
        out.extend((now, st_, a) for a in upd.new)
    return out


def test_slouch_alert_after_30_s_and_time_to_correct() -> None:
    p = AlertPolicy(AlertSettings(repeat_after_s=0), TZ)
    states = ["upright"] * 10 + ["slouched"] * 45 + ["upright"] * 10
    sent = run(p, states)
    assert [(t - T0, a.kind) for t, _, a in sent] == [(10 + 29, "slouch")]
    assert p.sent[0].seconds_to_correct == pytest.approx(16.0)  # 39 → 55


def test_short_slouch_never_alerts_and_repeat() -> None:
    assert run(AlertPolicy(AlertSettings(), TZ), ["slouched"] * 29 + ["upright"] * 5) == []
    p = AlertPolicy(AlertSettings(repeat_after_s=60, max_per_hour=10), TZ)
    sent = run(p, ["slouched"] * 200)
    assert [t - T0 for t, _, _ in sent] == [29, 89, 149]


def test_break_reminder_after_50_min() -> None:
    p = AlertPolicy(AlertSettings(), TZ)
    sent = run(p, ["upright"] * 3010 + ["walking"] * 5)
    assert [(t - T0, a.kind) for t, _, a in sent] == [(2999, "break")]
    assert p.sent[0].seconds_to_correct == pytest.approx(11.0)


def test_short_walk_is_not_a_break_and_does_not_rearm_the_reminder() -> None:
    p = AlertPolicy(AlertSettings(max_per_hour=10), TZ)
    kinds = []
    for i in range(3400):
        state = "walking" if 3100 <= i < 3110 else "upright"  # 10 s walk: not a break (< 60 s)
        kinds += [(i, a.kind) for a in p.observe(T0 + i, state, 0.0, float(i + 1)).new]
    assert kinds == [(2999, "break")]
    assert p.sent[0].seconds_to_correct is None


def test_quiet_hours_cross_midnight() -> None:
    q = ((time(22, 0), time(7, 0)),)
    assert in_quiet_hours(time(23, 30), q) and in_quiet_hours(time(6, 59), q)
    assert not in_quiet_hours(time(7, 0), q) and not in_quiet_hours(time(21, 59), q)
    assert in_quiet_hours(time(12, 45), ((time(12, 30), time(13, 15)),))


def test_suppressed_alert_fires_after_snooze_if_still_slouching() -> None:
    p = AlertPolicy(AlertSettings(), TZ, snooze_until_s=T0 + 60)
    sent = run(p, ["slouched"] * 90)
    assert [t - T0 for t, _, _ in sent] == [60]


def test_settings_validation() -> None:
    with pytest.raises(ValueError, match="alert_after_s"):
        AlertSettings(alert_after_s=0)
    with pytest.raises(ValueError, match="channel"):
        AlertSettings(channels=("pager",))
    with pytest.raises(ValueError, match="quiet hours"):
        AlertSettings(quiet_hours=((time(8), time(8)),))


states_st = st.lists(st.sampled_from(STATES), min_size=1, max_size=40).flatmap(
    lambda base: st.lists(st.integers(1, 400), min_size=len(base), max_size=len(base)).map(
        lambda reps: [s for s, r in zip(base, reps, strict=True) for _ in range(r)]))
settings_st = st.builds(
    AlertSettings,
    alert_after_s=st.integers(1, 120).map(float),
    repeat_after_s=st.sampled_from([0.0, 30.0, 120.0]),
    max_per_hour=st.integers(1, 6),
    quiet_hours=st.sampled_from([(), ((time(9, 10), time(9, 40)),), ((time(23, 0), time(9, 5)),)]),
    break_after_s=st.sampled_from([60.0, 600.0, 3000.0]),
)


@settings(max_examples=60, deadline=None)
@given(states=states_st, s=settings_st, snooze=st.one_of(st.none(), st.integers(0, 4000)))
def test_policy_properties(states: list[str], s: AlertSettings, snooze: int | None) -> None:
    until = None if snooze is None else T0 + snooze
    p = AlertPolicy(s, TZ, snooze_until_s=until)
    sent = run(p, states)
    times = np.array([t for t, _, _ in sent])
    for t, st_, a in sent:
        # never while lying, walking or not worn
        assert st_ in ("upright", "slouched")
        if a.kind == "slouch":
            assert st_ == "slouched"
        # never in quiet hours or while snoozed
        local = datetime.fromtimestamp(t, tz=ZoneInfo(TZ)).time()
        assert not in_quiet_hours(local, s.quiet_hours)
        assert until is None or t >= until
        # never more than max_per_hour in any hour
        assert ((times > t - 3600) & (times <= t)).sum() <= s.max_per_hour
    for a in p.sent:
        assert a.seconds_to_correct is None or a.seconds_to_correct >= 0


def _write_config(tmp_path: Path, text: str) -> Path:
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_load_alert_settings(tmp_path: Path) -> None:
    assert load_alert_settings(tmp_path) == AlertSettings()
    d = _write_config(tmp_path, '[alerts]\nalert_after_s = 45\nmax_per_hour = 3\n'
                      'quiet_hours = ["22:00-07:00"]\nbreak_after_min = 40\nchannels = ["terminal"]\n')
    s = load_alert_settings(d)
    assert (s.alert_after_s, s.max_per_hour, s.break_after_s, s.channels) == (45.0, 3, 2400.0, ("terminal",))
    assert s.quiet_hours == ((time(22, 0), time(7, 0)),)
    assert load_alert_settings(d, alert_after_s=20).alert_after_s == 20.0


@pytest.mark.parametrize("text, match", [
    ("[alerts]\nalert_after = 3\n", "unknown setting \\[alerts\\] alert_after"),
    ("[alerts]\nalert_after_s = 'x'\n", "alert_after_s must be a number"),
    ("[alerts]\nalert_after_s = 0\n", "alert_after_s must be 1"),
    ("[alerts]\nquiet_hours = ['22-7']\n", "quiet range must look like 22:00-07:00"),
    ("[alerts]\nchannels = ['pager']\n", "unknown alert channel"),
    ("[alerts]\nmax_per_hour = 2.5\n", "whole number"),
    ("[alerts\n", "not valid TOML"),
])
def test_bad_alert_config(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(UserError, match=match) as err:
        load_alert_settings(_write_config(tmp_path, text))
    assert "config.toml" in str(err.value)


@pytest.mark.parametrize("text, seconds", [("30m", 1800), ("1h", 3600), ("90s", 90), ("1h30m", 5400),
                                           ("45", 2700), ("2H", 7200)])
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration_s(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "0m", "25h", "-5m", "m"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(UserError, match="duration"):
        parse_duration_s(text)


def test_snooze_stored_in_settings(tmp_path: Path) -> None:
    store = Store(tmp_path)
    now = int(T0 * 1e9)
    assert "snoozed until" in snooze_message(store, "30m", now)
    assert snooze_until_ns(store) == now + 1800 * 10**9
    assert store.get_setting(SNOOZE_KEY) == str(now + 1800 * 10**9)
    assert snooze_message(store, "off", now) == "Alerts are on again."
    assert snooze_until_ns(store) is None


def test_snooze_cli(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from posturelog.cli import app

    r = CliRunner().invoke(app, ["snooze", "30m", "--data-dir", str(tmp_path)])
    assert r.exit_code == 0 and "snoozed until" in r.output
    r = CliRunner().invoke(app, ["snooze", "later", "--data-dir", str(tmp_path)])
    assert r.exit_code == 1 and "duration must look like" in r.output


def test_alert_log_roundtrip_and_summary(tmp_path: Path) -> None:
    store = Store(tmp_path)
    day = 86400.0
    alerts = [Alert(T0, "slouch", ("terminal",), 12.0), Alert(T0 + 600, "slouch", ("terminal", "desktop")),
              Alert(T0 + 900, "break", ("desktop",)), Alert(T0 + 7 * day, "slouch", ("terminal",), 4.0),
              Alert(T0 + 8 * day, "slouch", ("terminal",), 6.0)]
    ids = [add_alert(store, a) for a in alerts]
    assert ids == [1, 2, 3, 4, 5] and alerts[1].id == 2
    set_seconds_to_correct(store, 2, 20.0)
    with pytest.raises(ValueError, match="no alert with id 99"):
        set_seconds_to_correct(store, 99, 1.0)
    with pytest.raises(ValueError, match="kind"):
        add_alert(store, Alert(T0, "nap", ("terminal",)))
    df = read_alerts(store)
    assert list(df["kind"]) == ["slouch", "slouch", "break", "slouch", "slouch"]
    assert df.loc[1, "channel"] == "terminal,desktop" and df.loc[1, "seconds_to_correct"] == 20.0
    assert math.isnan(df.loc[2, "seconds_to_correct"])
    assert len(read_alerts(store, int(T0 * 1e9) + 1, int((T0 + 7 * day) * 1e9))) == 2
    days = [date(2026, 11, 16) + (date(2026, 11, 17) - date(2026, 11, 16)) * k for k in range(10)]
    daily = daily_alert_summary(df, TZ, days)
    first = daily.iloc[0]
    assert (first.alerts, first.slouch_alerts, first.break_alerts) == (3, 2, 1)
    assert first.median_seconds_to_correct == 16.0
    assert daily.iloc[1].alerts == 0 and math.isnan(daily.iloc[1].median_seconds_to_correct)
    weekly, slope = weekly_alert_trend(daily)
    assert list(weekly["week"]) == ["2026-W47", "2026-W48"]
    assert list(weekly["days"]) == [7, 3]
    assert weekly["median_seconds_to_correct"].tolist() == [16.0, 5.0]
    assert slope == pytest.approx(-11.0)
