"""Issue 11, bad files and directories: a data directory, input or output that is missing, of the
wrong kind, unreadable, shared or corrupt ends with one clear line (exit 1) and changes nothing;
exports are exact and owner-only; the data directory is guarded. Bad values:
``test_bad_input.py``."""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from posturelog.store import Store
from tests.posturelog.cli_helpers import one_line_error, run, run_main, write_example_csv

if sys.platform == "win32":  # pragma: no cover
    pytest.skip("POSIX file modes", allow_module_level=True)

as_root = pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")


def _content(path: Path) -> int | str:
    """A file's size, or for the SQLite database its full SQL dump: the database file's
    size depends on when the write-ahead log was last folded in, its content does not."""
    if path.suffix != ".db":
        return path.stat().st_size
    db = sqlite3.connect(path)
    try:
        return "\n".join(db.iterdump())
    finally:
        db.close()


def snapshot(root: Path) -> dict[str, tuple[int | str, int]]:
    """Every file under ``root`` with its content measure and mode (to show nothing changed)."""
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): (_content(p), p.stat().st_mode)
        for p in sorted(root.rglob("*")) if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


# --------------------------------------------------------------------------------------------
# tracebacks where one line is promised
def test_data_dir_that_is_a_file_or_dangling_link(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    for name, expected in (("file", "not a directory"), ("dangling", "link to nothing")):
        code, _, err = run("pain", "3", "--data-dir", str(tmp_path / name))
        assert expected in one_line_error(code, err)
    assert (tmp_path / "file").read_text() == "x" and not (tmp_path / "nowhere").exists()


def test_data_dir_under_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    code, _, err = run("pain", "3", "--data-dir", str(tmp_path / "file" / "data"))
    assert "cannot create data directory" in one_line_error(code, err)


@as_root
def test_data_dir_with_unwritable_parent(tmp_path: Path) -> None:
    parent = tmp_path / "ro"
    parent.mkdir(mode=0o500)
    code, _, err = run("pain", "3", "--data-dir", str(parent / "data"))
    assert "permission denied" in one_line_error(code, err)


@as_root
def test_report_into_read_only_directory(tmp_path: Path) -> None:
    write_example_csv(tmp_path / "in.csv")
    data = str(tmp_path / "data")
    assert run("import", str(tmp_path / "in.csv"), "--data-dir", data, "--timezone", "UTC")[0] == 0
    out = tmp_path / "ro"
    out.mkdir(mode=0o500)
    code, _, err = run("report", "--week", "2026-W47", "--data-dir", data, "--out", str(out))
    assert "permission denied" in one_line_error(code, err)


def test_report_into_unwritable_directory_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As :func:`test_report_into_read_only_directory`, also when running as root."""
    import posturelog.outputs

    write_example_csv(tmp_path / "in.csv")
    data = str(tmp_path / "data")
    assert run("import", str(tmp_path / "in.csv"), "--data-dir", data, "--timezone", "UTC")[0] == 0

    def denied(*args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(posturelog.outputs.tempfile, "mkdtemp", denied)
    out = tmp_path / "out"
    out.mkdir()
    code, _, err = run("report", "--week", "2026-W47", "--data-dir", data, "--out", str(out))
    assert "permission denied" in one_line_error(code, err)
    assert list(out.iterdir()) == []


def test_unreadable_import_file_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import posturelog.csvio

    write_example_csv(tmp_path / "in.csv")

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(tmp_path / "in.csv"))

    monkeypatch.setattr(posturelog.csvio.pd, "read_csv", denied)
    data = tmp_path / "data"
    code, _, err = run("import", str(tmp_path / "in.csv"), "--data-dir", str(data))
    assert "cannot read" in one_line_error(code, err)
    assert not list(data.rglob("*.parquet"))


def test_report_out_is_a_file(tmp_path: Path) -> None:
    write_example_csv(tmp_path / "in.csv")
    data = str(tmp_path / "data")
    assert run("import", str(tmp_path / "in.csv"), "--data-dir", data, "--timezone", "UTC")[0] == 0
    (tmp_path / "out").write_text("mine")
    code, _, err = run("report", "--week", "2026-W47", "--data-dir", data, "--out", str(tmp_path / "out"))
    assert "not a directory" in one_line_error(code, err)
    assert (tmp_path / "out").read_text() == "mine"


def test_config_toml_that_is_a_directory(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run("pain", "3", "--data-dir", str(data))[0] == 0
    (data / "config.toml").mkdir()
    code, _, err = run("report", "--data-dir", str(data))
    assert "config.toml" in one_line_error(code, err)


@pytest.mark.parametrize("command", [("export",), ("log", "export")])
@pytest.mark.parametrize("target", ["dir", "missing/out.csv"])
def test_export_to_directory_or_missing_parent(tmp_path: Path, command: tuple[str, ...], target: str) -> None:
    write_example_csv(tmp_path / "in.csv")
    data = str(tmp_path / "data")
    assert run("import", str(tmp_path / "in.csv"), "--data-dir", data, "--timezone", "UTC")[0] == 0
    assert run("pain", "3", "--at", "2026-11-18T10:00", "--data-dir", data)[0] == 0
    (tmp_path / "dir").mkdir()
    before = snapshot(tmp_path)
    code, _, err = run(*command, "--out", str(tmp_path / target), "--data-dir", data)
    assert ("is a directory" if target == "dir" else "does not exist") in one_line_error(code, err)
    assert snapshot(tmp_path) == before
    assert not list(tmp_path.rglob("*.part"))


def test_binary_log_csv(tmp_path: Path) -> None:
    (tmp_path / "log.csv").write_bytes(b"time,kind,score,note\n\x00\xff\xfe\x89PNG\r\n\x1a\n\x00\x00")
    data = tmp_path / "data"
    code, _, err = run("log", "import", str(tmp_path / "log.csv"), "--data-dir", str(data))
    assert "log.csv" in one_line_error(code, err)
    assert "no entries" in run("log", "list", "--data-dir", str(data))[1]


def test_binary_sample_csv(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe" * 10)
    code, _, err = run("import", str(tmp_path / "in.csv"), "--data-dir", str(tmp_path / "data"))
    assert "in.csv" in one_line_error(code, err)


@as_root
def test_unreadable_import_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_example_csv(tmp_path / "in.csv")
    os.chmod(tmp_path / "in.csv", 0)
    code, _, err = run_main(capsys, "import", str(tmp_path / "in.csv"), "--data-dir", str(tmp_path / "data"))
    assert "cannot read" in one_line_error(code, err)


@pytest.mark.parametrize("command", [("import",), ("log", "import")])
def test_directory_is_not_called_missing(tmp_path: Path, command: tuple[str, ...]) -> None:
    (tmp_path / "d.csv").mkdir()
    code, _, err = run(*command, str(tmp_path / "d.csv"), "--data-dir", str(tmp_path / "data"))
    line = one_line_error(code, err)
    assert "is a directory" in line and "no such file" not in line


@pytest.mark.parametrize("command", [("import",), ("log", "import")])
def test_input_that_is_not_a_regular_file(tmp_path: Path, command: tuple[str, ...]) -> None:
    """A device, a pipe and a link to nothing each get their own line (not "no such file"),
    and a pipe is never opened (reading it would wait for ever)."""
    os.mkfifo(tmp_path / "pipe")
    os.symlink(tmp_path / "nowhere.csv", tmp_path / "dangling.csv")
    data = tmp_path / "data"
    for path, expected in (("/dev/null", "not a regular file"), (str(tmp_path / "pipe"), "not a regular file"),
                           (str(tmp_path / "dangling.csv"), "symbolic link to nothing")):
        code, _, err = run(*command, path, "--data-dir", str(data))
        line = one_line_error(code, err)
        assert expected in line and "no such file" not in line
    assert not list(data.rglob("*.parquet"))


@pytest.mark.parametrize("command", [("report",), ("demo",)])
def test_empty_report_out_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]) -> None:
    """``--out ""`` would mean the current directory; it is refused like ``--data-dir ""``."""
    write_example_csv(tmp_path / "in.csv")
    data = str(tmp_path / "data")
    assert run("import", str(tmp_path / "in.csv"), "--data-dir", data, "--timezone", "UTC")[0] == 0
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    code, _, err = run(*command, "--out", "", "--data-dir", str(tmp_path / "demo") if command == ("demo",) else data)
    assert "--out must not be empty" in one_line_error(code, err)
    assert list(cwd.iterdir()) == [] and not (tmp_path / "demo").exists()


_SYSFS = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not os.path.isdir("/sys/kernel"), reason="needs Linux sysfs"
)


@_SYSFS
def test_unwritable_places_even_for_root(tmp_path: Path) -> None:
    """sysfs refuses new files and folders even to root: the data directory, report folder and
    export cases of an unwritable parent, checked without mocks whoever runs the tests."""
    code, _, err = run("pain", "3", "--data-dir", "/sys/posturelog-test-data")
    assert "cannot create data directory" in one_line_error(code, err)
    write_example_csv(tmp_path / "in.csv")
    data = str(tmp_path / "data")
    assert run("import", str(tmp_path / "in.csv"), "--data-dir", data, "--timezone", "UTC")[0] == 0
    for out, expected in (("/sys", "cannot write to /sys"), ("/sys/posturelog-test-report", "cannot create directory")):
        code, _, err = run("report", "--week", "2026-W47", "--data-dir", data, "--out", out)
        assert expected in one_line_error(code, err)
    for command in (("export",), ("log", "export")):
        code, _, err = run(*command, "--out", "/sys/posturelog-test.csv", "--data-dir", data)
        assert "cannot write /sys/posturelog-test.csv" in one_line_error(code, err)
    assert not [p for p in os.listdir("/sys") if p.startswith((".posturelog", "posturelog"))]


def test_failed_report_removes_the_folder_it_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A report that fails after its new --out folder was made (here in the analysis) leaves no
    empty folder behind; an existing folder stays."""
    import posturelog.analyze
    from posturelog.errors import UserError

    write_example_csv(tmp_path / "in.csv")
    data = str(tmp_path / "data")
    assert run("import", str(tmp_path / "in.csv"), "--data-dir", data, "--timezone", "UTC")[0] == 0

    def fails(*args: object, **kwargs: object) -> None:
        raise UserError("analysis failed")

    monkeypatch.setattr(posturelog.analyze, "analyze_week", fails)
    (tmp_path / "old").mkdir()
    for name in ("new", "old"):
        code, _, err = run("report", "--week", "2026-W47", "--data-dir", data, "--out", str(tmp_path / name))
        assert "analysis failed" in one_line_error(code, err)
    assert not (tmp_path / "new").exists() and (tmp_path / "old").is_dir()


def test_failed_report_write_leaves_nothing(tmp_path: Path) -> None:
    from posturelog.outputs import staged_dir

    out = tmp_path / "report"
    with pytest.raises(RuntimeError), staged_dir(out) as stage:
        (stage / "report.html").write_text("half")
        raise RuntimeError("PDF failed")
    assert list(out.iterdir()) == []


# --------------------------------------------------------------------------------------------
# export fidelity
def test_export_round_trips_bit_for_bit(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    n = 2000
    t_ns = 1_795_161_600_000_000_000 + np.cumsum(rng.integers(1, 40_000_000, n))
    values = rng.normal(0, 5, size=(n, 6)).astype(np.float32)
    values[:5, 0] = np.array([np.float32(1) + np.finfo(np.float32).eps, 3.4028235e38, -1e-45, 1e-38, 9.80665])
    values[100:200, 3:] = np.nan  # accelerometer-only stretch
    times = pd.to_datetime(t_ns, unit="ns", utc=True).tz_convert("Europe/Berlin")
    lines = ["time,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z"]
    for ts, row in zip(times, values, strict=True):
        cells = ["" if np.isnan(v) else f"{float(v):.17g}" for v in row]
        lines.append(ts.isoformat() + "," + ",".join(cells))
    (tmp_path / "in.csv").write_text("\n".join(lines) + "\n")
    first = tmp_path / "first"
    assert run("import", str(tmp_path / "in.csv"), "--data-dir", str(first), "--timezone", "UTC")[0] == 0
    code, _, err = run("export", "--out", str(tmp_path / "out.csv"), "--data-dir", str(first))
    assert code == 0, err
    assert stat.S_IMODE((tmp_path / "out.csv").stat().st_mode) == 0o600
    second = tmp_path / "second"
    code, _, err = run("import", str(tmp_path / "out.csv"), "--data-dir", str(second), "--timezone", "UTC")
    assert code == 0, err
    a = Store(first).read_samples()
    b = Store(second).read_samples()
    np.testing.assert_array_equal(a.index.as_unit("ns").asi8, t_ns)
    np.testing.assert_array_equal(b.index.as_unit("ns").asi8, t_ns)
    cols = ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
    stored = a[cols].to_numpy(np.float32)
    assert stored.view(np.uint32).tolist() == values.view(np.uint32).tolist() or np.array_equal(
        stored, values, equal_nan=True
    )
    assert b[cols].to_numpy(np.float32).view(np.uint32).tolist() == stored.view(np.uint32).tolist()
    assert pd.read_csv(tmp_path / "out.csv", dtype=str)["time"].str.match(r".*:\d\d\.\d{9}[+-]\d\d:\d\d$").all()


# --------------------------------------------------------------------------------------------
# privacy
def test_log_export_is_owner_only(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    assert run("pain", "3", "--data-dir", data)[0] == 0
    assert run("log", "export", "--out", str(tmp_path / "log.csv"), "--data-dir", data)[0] == 0
    assert stat.S_IMODE((tmp_path / "log.csv").stat().st_mode) == 0o600


def test_empty_data_dir_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    mode = stat.S_IMODE(tmp_path.stat().st_mode)
    code, _, err = run("pain", "3", "--data-dir", "")
    assert "--data-dir" in one_line_error(code, err)
    assert list(tmp_path.iterdir()) == [] and stat.S_IMODE(tmp_path.stat().st_mode) == mode


@pytest.mark.parametrize("command", [("log", "list"), ("pain", "3"), ("report",)])
def test_shared_directory_is_refused_and_never_chmodded(tmp_path: Path, command: tuple[str, ...]) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    (shared / "someone-elses.txt").write_text("x")
    code, _, err = run(*command, "--data-dir", str(shared))
    assert "other files" in one_line_error(code, err)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert sorted(p.name for p in shared.iterdir()) == ["someone-elses.txt"]


def test_empty_shared_directory_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    code, _, err = run("pain", "3", "--data-dir", str(shared))
    assert "shared" in one_line_error(code, err)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777 and not list(shared.iterdir())


def test_own_data_dir_tightened_by_writes_not_by_reads(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run("pain", "3", "--data-dir", str(data))[0] == 0
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    os.chmod(data, 0o755)
    assert run("log", "list", "--data-dir", str(data))[0] == 0
    assert stat.S_IMODE(data.stat().st_mode) == 0o755
    assert run("pain", "4", "--data-dir", str(data))[0] == 0
    assert stat.S_IMODE(data.stat().st_mode) == 0o700


def test_new_data_dir_is_created_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "a" / "b"
    assert run("pain", "3", "--data-dir", str(data))[0] == 0
    assert stat.S_IMODE(data.stat().st_mode) == 0o700


def test_corrupt_database_is_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "posturelog.db").write_bytes(b"not a database at all" * 100)
    code, _, err = run("pain", "3", "--data-dir", str(data))
    assert "database" in one_line_error(code, err)


def test_command_closes_the_database_when_it_ends(tmp_path: Path) -> None:
    """The write-ahead log is folded in and removed when a command ends, so the database file
    alone holds everything (a copy or backup of it taken between commands is complete)."""
    data = tmp_path / "data"
    for _ in range(3):
        assert run("pain", "3", "--at", "2026-11-18T10:00", "--data-dir", str(data))[0] == 0
        assert not (data / "posturelog.db-wal").exists()
    (tmp_path / "dir").mkdir()  # a failing command closes it too
    assert run("log", "export", "--out", str(tmp_path / "dir"), "--data-dir", str(data))[0] == 1
    assert not (data / "posturelog.db-wal").exists()
