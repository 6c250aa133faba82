"""Issue 11, bad values: user text (notes, models, paths) is shown literally, values out of range
and usage mistakes end with one clear line (exit 1), and inconsistent rows are refused with
their line; nothing changes. Bad files and directories: ``test_bad_input_files.py``."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from posturelog.store import Store
from tests.posturelog.cli_helpers import one_line_error, run, run_main, write_example_csv

if sys.platform == "win32":  # pragma: no cover
    pytest.skip("POSIX file modes", allow_module_level=True)


# --------------------------------------------------------------------------------------------
# user text is printed literally, control characters stripped
def test_notes_with_markup_are_listed_literally(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    for note in ("[/]", "a [b] c", "[bold]loud[/bold]"):
        assert run("pain", "3", "--at", "2026-11-18T10:00", "--note", note, "--data-dir", data)[0] == 0
    code, out, err = run("log", "list", "--data-dir", data)
    assert code == 0, err
    assert "[/]" in out and "a [b] c" in out and "[bold]loud[/bold]" in out


def test_escape_sequences_in_notes_never_reach_the_terminal(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    note = "red\x1b[31m alert\x1b]0;owned\x07\x9b2J\u202eend"
    code, out, err = run("pain", "3", "--at", "2026-11-18T10:00", "--note", note, "--data-dir", data)
    assert code == 0, err
    code, out, err = run("log", "list", "--data-dir", data)
    assert code == 0, err
    assert "red" in out and "alert" in out
    for bad in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert bad not in out
    code, _, err = run("remedy", "massage\x1b[2J", "--data-dir", data)
    assert "\x1b" not in one_line_error(code, err)


def test_paths_with_brackets_are_printed_literally(tmp_path: Path) -> None:
    folder = tmp_path / "[/x]"
    (folder / "in[").mkdir(parents=True)
    write_example_csv(folder / "in[/].csv")
    data = str(folder / "data")
    code, out, err = run("import", str(folder / "in[/].csv"), "--data-dir", data, "--timezone", "UTC")
    assert code == 0, err
    assert "in[/].csv" in out
    out_file = folder / "in[" / "[b]out[i]x.csv"
    code, out, err = run("export", "--out", str(out_file), "--data-dir", data)
    assert code == 0, err
    assert str(out_file) in out.replace("\n", "")


def test_report_with_mathtext_and_markup_in_user_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Model and note with ``$`` (matplotlib mathtext) and an --out path with ``[/x]``: the report
    is complete, and the report folder and files are owner-only."""
    monkeypatch.setenv("POSTURELOG_WORKERS", "1")
    write_example_csv(tmp_path / "in.csv", n=3000)
    data = str(tmp_path / "data")
    code, _, err = run("import", str(tmp_path / "in.csv"), "--data-dir", data, "--timezone", "UTC",
                       "--model", "$\\bad{x$ [/x]")
    assert code == 0, err
    assert run("pain", "3", "--at", "2026-11-18T09:01", "--note", "$\\bad{y$", "--data-dir", data)[0] == 0
    out = tmp_path / "r[/x]"
    code, stdout, err = run("report", "--week", "2026-W47", "--data-dir", data, "--out", str(out))
    assert code == 0, err
    assert "r[/x]" in stdout
    names = sorted(p.name for p in out.iterdir())
    assert names == ["daily.csv", "episodes.csv", "report.html", "report.pdf"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    for p in out.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")


def test_undecodable_bytes_in_arguments(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 in an argument (Python gives them as lone surrogates): a note or
    model name with them is refused with one line and nothing is stored; a file name with them
    is used, and shown with U+FFFD."""
    data = tmp_path / "data"
    bad = "x\udcff\udcfe"
    for args in (("pain", "3", "--note", bad), ("remedy", "heat", "--note", bad)):
        code, _, err = run(*args, "--data-dir", str(data))
        assert "note is not valid UTF-8" in one_line_error(code, err)
    assert run("pain", "3", "--at", "2026-11-18T10:00", "--data-dir", str(data))[0] == 0
    code, _, err = run("log", "edit", "1", "--note", bad, "--data-dir", str(data))
    assert "note is not valid UTF-8" in one_line_error(code, err)
    assert Store(data).log_entries()["note"].tolist() == [""]
    src = tmp_path / f"in{bad}.csv"
    write_example_csv(src)
    code, _, err = run("import", str(src), "--model", bad, "--data-dir", str(data), "--timezone", "UTC")
    assert "model name is not valid UTF-8" in one_line_error(code, err)
    assert Store(data).sessions().empty and not list(data.rglob("*.parquet"))
    code, out, err = run("import", str(src), "--data-dir", str(data), "--timezone", "UTC")
    assert code == 0, err
    assert "inx\ufffd\ufffd.csv" in out
    code, out, err = run("sessions", "list", "--data-dir", str(data))
    assert code == 0 and "\udcff" not in out, err
    code, out, err = run("export", "--out", str(tmp_path / f"out{bad}.csv"), "--data-dir", str(data))
    assert code == 0 and "outx\ufffd\ufffd.csv" in out.replace("\n", ""), err


# --------------------------------------------------------------------------------------------
# values out of range
def test_float32_overflow_in_csv_is_refused_with_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text(
        "time,acc_x,acc_y,acc_z\n2026-11-18T09:00:00+00:00,0,0,9.8\n2026-11-18T09:00:01+00:00,0,1e39,9.8\n"
    )
    data = tmp_path / "data"
    code, _, err = run("import", str(tmp_path / "in.csv"), "--data-dir", str(data))
    line = one_line_error(code, err)
    assert "line 3" in line and "acc_y" in line and "1e39" in line
    assert not list(data.rglob("*.parquet"))


@pytest.mark.parametrize("year", ["2262", "2261", "1969", "9999"])
def test_samples_outside_supported_time_range_are_refused(tmp_path: Path, year: str) -> None:
    (tmp_path / "in.csv").write_text(
        f"time,acc_x,acc_y,acc_z\n{year}-01-01T09:00:00+00:00,0,0,9.8\n{year}-01-01T09:00:01+00:00,0,0,9.8\n"
    )
    data = tmp_path / "data"
    code, _, err = run("import", str(tmp_path / "in.csv"), "--data-dir", str(data))
    line = one_line_error(code, err)
    assert "line 2" in line and ("supported range" in line or "cannot read time" in line)
    assert not list(data.rglob("*.parquet"))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("pain", "3", "--at", "1600-01-01"), "supported range"),
        (("pain", "3", "--at", "0001-01-01T00:00+05:00"), "supported range"),
        (("remedy", "heat", "--at", "1969-12-31T23:00Z"), "supported range"),
        (("log", "delete", "99999999999999999999999"), "entry id"),
        (("log", "edit", "99999999999999999999999", "--note", "x"), "entry id"),
    ],
)
def test_overflowing_numbers_are_one_line(tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    code, _, err = run(*args, "--data-dir", str(tmp_path / "data"))
    assert expected in one_line_error(code, err)


# --------------------------------------------------------------------------------------------
# usage mistakes: the tool's own one line and exit 1, not a usage box with exit 2
def test_demo_start_outside_supported_range(tmp_path: Path) -> None:
    for start in ("1600-01-01", "2199-12-28"):
        code, _, err = run("demo", "--start", start, "--data-dir", str(tmp_path / "demo"))
        assert "--start must lie between" in one_line_error(code, err)
    assert not (tmp_path / "demo").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("pain", "-1"), "pain score"),
        (("log", "edit", "abc", "--note", "x"), "entry id"),
        (("report", "--threshold", "ten"), "ten"),
        (("demo", "--days", "0"), "--days"),
        (("pain", "3", "--no-such-option"), "--no-such-option"),
    ],
)
def test_usage_errors_are_one_line_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], expected: str
) -> None:
    code, _, err = run_main(capsys, *args, "--data-dir", str(tmp_path / "data"))
    assert expected in one_line_error(code, err)


def test_help_still_works(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "pain", "--help")
    assert code == 0 and "Usage:" in out and "Log a pain rating" in out


# --------------------------------------------------------------------------------------------
# inconsistencies
@pytest.mark.parametrize("score", ["1_0", "\u0663", "\uff15", "+3", " 0x3", "3.0"])
def test_pain_score_is_ascii_0_to_10_only(tmp_path: Path, score: str) -> None:
    code, _, err = run("pain", score, "--data-dir", str(tmp_path / "data"))
    assert "pain score" in one_line_error(code, err)


def test_log_import_twice_skips_exact_duplicates(tmp_path: Path) -> None:
    (tmp_path / "log.csv").write_text(
        "time,kind,score,note\n2026-11-18T10:00+00:00,pain,3,a\n2026-11-18T11:00+00:00,heat,,b\n"
    )
    data = str(tmp_path / "data")
    code, out, err = run("log", "import", str(tmp_path / "log.csv"), "--data-dir", data)
    assert code == 0 and "Imported 2 entries" in out, err
    code, out, err = run("log", "import", str(tmp_path / "log.csv"), "--data-dir", data)
    assert code == 0 and "Imported 0 entries" in out and "skipped 2" in out, err
    assert len(Store(Path(data)).log_entries()) == 2


def test_log_csv_with_utf8_bom(tmp_path: Path) -> None:
    (tmp_path / "log.csv").write_bytes("\ufefftime,kind,score,note\n2026-11-18T10:00,pain,3,é\n".encode())
    code, out, err = run("log", "import", str(tmp_path / "log.csv"), "--data-dir", str(tmp_path / "data"))
    assert code == 0 and "Imported 1 entries" in out, err


def test_log_import_refuses_future_rows_like_pain_at(tmp_path: Path) -> None:
    (tmp_path / "log.csv").write_text("time,kind,score,note\n2026-11-18T10:00,pain,3,\n2099-01-01T10:00,pain,4,\n")
    data = tmp_path / "data"
    code, _, err = run("log", "import", str(tmp_path / "log.csv"), "--data-dir", str(data))
    line = one_line_error(code, err)
    assert "line 3" in line and "in the future" in line
    assert Store(data).log_entries().empty


def test_dst_gap_is_refused_by_log_import_and_pain_like_sample_import(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    (tmp_path / "log.csv").write_text("time,kind,score,note\n2026-03-29T00:30,pain,3,\n2026-03-29T01:30,pain,4,\n")
    code, _, err = run("log", "import", str(tmp_path / "log.csv"), "--data-dir", data, "--timezone", "Europe/London")
    line = one_line_error(code, err)
    assert "line 3" in line and "does not exist in Europe/London" in line
    (tmp_path / "s.csv").write_text(
        "time,acc_x,acc_y,acc_z\n2026-03-29T00:59:59,0,0,9.8\n2026-03-29T01:00:00,0,0,9.8\n"
    )
    code, _, err = run("import", str(tmp_path / "s.csv"), "--data-dir", data, "--timezone", "Europe/London")
    line = one_line_error(code, err)
    assert "line 3" in line and "does not exist in Europe/London" in line
    assert "nonexistent" not in line and "argument" not in line
    with Store(Path(data)) as store:
        store.set_setting("timezone", "Europe/London")
    for args in (("pain", "3"), ("remedy", "heat")):
        code, _, err = run(*args, "--at", "2026-03-29T01:30", "--data-dir", data)
        assert "does not exist in Europe/London" in one_line_error(code, err)
    assert Store(Path(data)).log_entries().empty


def test_config_threshold_out_of_range_is_refused_like_the_flag(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run("pain", "3", "--data-dir", str(data))[0] == 0
    (data / "config.toml").write_text("[analysis]\nslouch_threshold_deg = 500\n")
    code, _, err = run("report", "--data-dir", str(data))
    line = one_line_error(code, err)
    assert "config.toml" in line and "between 0 and 90" in line
    code, _, err = run("report", "--data-dir", str(data), "--threshold", "500")
    assert "between 0 and 90" in one_line_error(code, err)


def test_date_only_time_blames_its_own_line(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text(
        "time,acc_x,acc_y,acc_z\n2026-11-18T09:00:00,0,0,9.8\n2026-11-18T09:00:01,0,0,9.8\n2026-11-19,0,0,9.8\n"
    )
    code, _, err = run("import", str(tmp_path / "in.csv"), "--data-dir", str(tmp_path / "data"))
    line = one_line_error(code, err)
    assert "line 4" in line and "2026-11-19" in line
