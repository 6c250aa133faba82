"""Command-line behaviour: import/export round trip, log commands, one-line errors."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.posturelog.cli_helpers import one_line_error, run, write_samples_csv


def write_csv(path: Path, n: int = 500, gyro: bool = True, offset: str = "+00:00") -> pd.DataFrame:
    rng = np.random.default_rng(3)
    t = pd.date_range("2026-11-18T09:00:00", periods=n, freq="20ms")
    acc = rng.normal([0.3, 0.1, 9.78], 0.05, size=(n, 3)).round(4)
    gyr = rng.normal(0, 0.02, size=(n, 3)).round(5) if gyro else None
    return write_samples_csv(path, t, acc, gyr, offset=offset)


def test_import_then_export_round_trip(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "in.csv")
    data = tmp_path / "data"
    code, out, err = run("import", str(tmp_path / "in.csv"), "--data-dir", str(data), "--timezone", "Europe/Berlin")
    assert code == 0, err
    assert "Imported 500 samples" in out
    code, out, err = run("export", "--out", str(tmp_path / "out.csv"), "--data-dir", str(data))
    assert code == 0, err
    back = pd.read_csv(tmp_path / "out.csv")
    assert list(back.columns) == ["time", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
    assert len(back) == 500
    # times are written in the wearer's zone with the offset; same instants
    assert back["time"].iloc[0].endswith("+01:00")
    np.testing.assert_array_equal(
        pd.to_datetime(back["time"], utc=True).to_numpy(), pd.to_datetime(src["time"], utc=True).to_numpy()
    )
    np.testing.assert_allclose(back[["acc_x", "acc_y", "acc_z"]], src[["acc_x", "acc_y", "acc_z"]], rtol=1e-6)
    np.testing.assert_allclose(back[["gyr_x", "gyr_y", "gyr_z"]], src[["gyr_x", "gyr_y", "gyr_z"]], rtol=1e-6, atol=1e-9)


def test_export_time_range(tmp_path: Path) -> None:
    write_csv(tmp_path / "in.csv")
    data = str(tmp_path / "data")
    assert run("import", str(tmp_path / "in.csv"), "--data-dir", data, "--timezone", "UTC")[0] == 0
    code, _, err = run(
        "export", "--out", str(tmp_path / "o.csv"), "--data-dir", data,
        "--from", "2026-11-18T09:00:01", "--to", "2026-11-18T09:00:02",
    )
    assert code == 0, err
    assert len(pd.read_csv(tmp_path / "o.csv")) == 50


def test_accelerometer_only_import_exports_empty_gyro(tmp_path: Path) -> None:
    write_csv(tmp_path / "in.csv", gyro=False)
    data = str(tmp_path / "data")
    assert run("import", str(tmp_path / "in.csv"), "--data-dir", data, "--timezone", "UTC")[0] == 0
    assert run("export", "--out", str(tmp_path / "o.csv"), "--data-dir", data)[0] == 0
    back = pd.read_csv(tmp_path / "o.csv")
    assert back[["gyr_x", "gyr_y", "gyr_z"]].isna().all().all()


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda df: df.drop(columns=["acc_y"]), "line 1: missing column(s) acc_y"),
        (lambda df: df.assign(time=df["time"].where(df.index != 7, "yesterday")), "line 9: cannot read time 'yesterday'"),
        (lambda df: df.assign(acc_z=df["acc_z"].astype(object).where(df.index != 3, "9,8")), "line 5: acc_z value '9,8' is not a number"),
        (lambda df: df.assign(time=df["time"].where(df.index != 10, df["time"].iloc[2])), "line 12: time"),
    ],
)
def test_bad_csv_is_one_line_and_imports_nothing(
    tmp_path: Path, mutate: Callable[[pd.DataFrame], pd.DataFrame], expected: str
) -> None:
    df = write_csv(tmp_path / "good.csv")
    mutate(df).to_csv(tmp_path / "bad.csv", index=False)
    data = tmp_path / "data"
    code, _, err = run("import", str(tmp_path / "bad.csv"), "--data-dir", str(data), "--timezone", "UTC")
    line = one_line_error(code, err)
    assert "bad.csv" in line and expected in line
    assert not list(data.rglob("*.parquet"))


def test_reimport_is_refused(tmp_path: Path) -> None:
    write_csv(tmp_path / "in.csv")
    data = str(tmp_path / "data")
    assert run("import", str(tmp_path / "in.csv"), "--data-dir", data, "--timezone", "UTC")[0] == 0
    code, _, err = run("import", str(tmp_path / "in.csv"), "--data-dir", data, "--timezone", "UTC")
    assert "overlap" in one_line_error(code, err)


def test_pain_and_remedy_commands(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    code, out, err = run("pain", "4", "--at", "2026-11-18T14:30", "--note", "after meeting", "--data-dir", data)
    assert code == 0, err
    assert run("remedy", "heat", "--at", "2026-11-18T18:00", "--data-dir", data)[0] == 0
    code, out, _ = run("log", "list", "--data-dir", data)
    assert "after meeting" in out and "heat" in out
    assert run("log", "edit", "1", "--score", "6", "--data-dir", data)[0] == 0
    assert run("log", "export", "--out", str(tmp_path / "log.csv"), "--data-dir", data)[0] == 0
    log = pd.read_csv(tmp_path / "log.csv")
    assert log["kind"].tolist() == ["pain", "heat"] and log["score"].iloc[0] == 6
    assert run("log", "delete", "2", "--data-dir", data)[0] == 0
    other = str(tmp_path / "other")
    code, out, err = run("log", "import", str(tmp_path / "log.csv"), "--data-dir", other)
    assert code == 0, err and "Imported 2" in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("pain", "11"), "from 0 to 10"),
        (("pain", "four"), "whole number"),
        (("pain", "3", "--at", "half past two"), "cannot read time"),
        (("pain", "3", "--at", "2099-01-01T10:00"), "in the future"),
        (("remedy", "massage"), "unknown remedy 'massage'"),
        (("log", "delete", "99"), "no log entry with id 99"),
        (("log", "edit", "99", "--note", "x"), "no log entry with id 99"),
        (("import", "missing.csv"), "no such file"),
        (("import", "x.csv", "--timezone", "Mars/Olympus"), "unknown time zone"),
        (("export", "--out", "o.csv"), "no samples stored"),
        (("report", "--week", "2026-W99"), "week"),
    ],
)
def test_user_errors_are_one_line(tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    code, _, err = run(*args, "--data-dir", str(tmp_path / "data"))
    assert expected in one_line_error(code, err)


def test_log_import_rejects_bad_rows_atomically(tmp_path: Path) -> None:
    (tmp_path / "log.csv").write_text("time,kind,score,note\n2026-11-18T10:00,pain,3,\n2026-11-18T11:00,pain,15,\n")
    data = tmp_path / "data"
    code, _, err = run("log", "import", str(tmp_path / "log.csv"), "--data-dir", str(data))
    assert "line 3" in one_line_error(code, err)
    code, out, _ = run("log", "list", "--data-dir", str(data))
    assert "no entries" in out


def test_console_script_exits_1_without_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "posturelog.cli", "pain", "12", "--data-dir", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr


def test_error_text_with_brackets_is_shown_verbatim(tmp_path: Path) -> None:
    code, _, err = run("remedy", "[massage]", "--data-dir", str(tmp_path / "data"))
    assert "'[massage]'" in one_line_error(code, err)


def test_workers_are_read_once_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """``POSTURELOG_WORKERS`` is read by the CLI only and passed down as ``workers``."""
    import os

    from posturelog.commands.common import workers
    from posturelog.errors import UserError

    monkeypatch.delenv("POSTURELOG_WORKERS", raising=False)
    assert workers() == min(2, os.cpu_count() or 1)
    monkeypatch.setenv("POSTURELOG_WORKERS", "3")
    assert workers() == 3
    for bad in ("0", "two"):
        monkeypatch.setenv("POSTURELOG_WORKERS", bad)
        with pytest.raises(UserError, match="POSTURELOG_WORKERS"):
            workers()


def test_verbose_sets_up_progress_logging(tmp_path: Path) -> None:
    """``--verbose`` (one definition, a typer callback) turns on INFO logging for any command
    that takes it; without it only warnings are logged."""
    data = tmp_path / "data"
    assert run("import", str(Path(__file__).parents[2] / "sample_data" / "recording.csv"), "--data-dir", str(data))[0] == 0
    stderr: dict[str | None, str] = {}
    for flag in ("--verbose", None):
        args = [sys.executable, "-m", "posturelog.cli", "export", "--minutes", "--out",
                str(tmp_path / f"{flag}.csv"), "--data-dir", str(data)]
        proc = subprocess.run([*args, *([flag] if flag else [])], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr
        stderr[flag] = proc.stderr
    assert "INFO posturelog.minutes: wrote" in stderr["--verbose"]
    assert "INFO" not in stderr[None]


def test_no_progress_bar_when_output_is_not_a_terminal(tmp_path: Path) -> None:
    """A refused report piped to a script leaves stdout empty (no frozen 'Analysing' bar) and
    says why in one line on stderr."""
    proc = subprocess.run(
        [sys.executable, "-m", "posturelog.cli", "report", "--data-dir", str(tmp_path / "d"),
         "--out", str(tmp_path / "r")],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "no recorded data" in proc.stderr and proc.stderr.strip().count("\n") == 0
