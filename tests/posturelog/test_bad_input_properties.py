"""Property tests (issue 11): arbitrary text in CSV files and command-line arguments never
produces a traceback, and a failure never leaves a partial write."""

from __future__ import annotations

import contextlib
import io
import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posturelog.cli import main
from posturelog.paths import DB_NAME
from posturelog.store import Store

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

GOOD_CSV = (
    "time,acc_x,acc_y,acc_z\n"
    "2026-11-18T09:00:00+00:00,0.1,0.2,9.8\n"
    "2026-11-18T09:00:00.02+00:00,0.1,0.2,9.8\n"
)


def call(*args: str) -> tuple[int, str, str]:
    """Run the console-script entry point in this process; (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
        else:  # pragma: no cover - main always exits
            code = 0
    return code, out.getvalue(), err.getvalue()


def assert_clean_outcome(code: int, err: str) -> None:
    assert code in (0, 1), err
    assert "Traceback" not in err
    if code == 1:
        assert len([line for line in err.splitlines() if line.strip()]) == 1, err


def stored(data: Path) -> tuple[int, int, int]:
    """(sessions, parquet files, log entries) in a data directory."""
    store = Store(data)
    try:
        return len(store.sessions()), len(list(data.rglob("*.parquet"))), len(store.log_entries())
    finally:
        store.close()


def snapshot(data: Path) -> tuple[str, dict[str, int]]:
    """Everything a data directory holds: the database's full SQL dump and every other file with
    its size (to show that a refused command changed nothing, not even a staged file)."""
    db = sqlite3.connect(data / DB_NAME)
    try:
        dump = "\n".join(db.iterdump())
    finally:
        db.close()
    files = {
        str(p.relative_to(data)): p.stat().st_size
        for p in sorted(data.rglob("*")) if p.is_file() and not p.name.startswith(DB_NAME)
    }
    return dump, files


#: Text as the command line gives it: any character, and bytes that are not UTF-8, which Python
#: turns into lone surrogates U+DC80..U+DCFF.
arg_text = st.text(
    alphabet=st.one_of(st.characters(), st.sampled_from([chr(c) for c in range(0xDC80, 0xDD00)])), max_size=30
)


cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "0", "9.81", "-1e39", "1e39", "nan", "inf", "1_0", "٣", "NaN", " 2 "]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
time_cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from([
        "2026-11-18T09:00:00+00:00", "2026-11-18T09:00:01", "2026-03-29T01:30", "2262-05-01T00:00Z",
        "1600-01-01", "2026-11-18", "9999-12-31T23:59:59-05:00", "2099-01-01T10:00", "now",
    ]),
    st.datetimes().map(lambda d: d.isoformat()),
)


@st.composite
def csv_text(draw: st.DrawFn, header: str, n_cells: int) -> str:
    if draw(st.booleans()):
        return draw(st.text(max_size=200))
    rows = draw(st.lists(st.tuples(time_cell, st.lists(cell, min_size=n_cells, max_size=n_cells)), max_size=5))
    sep = draw(st.sampled_from([",", ";", ",,"]))
    body = "\n".join(sep.join([t, *cells]) for t, cells in rows)
    return header + "\n" + body + draw(st.sampled_from(["", "\n", "\r\n"]))


@SETTINGS
@given(text=csv_text("time,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z", 6), raw=st.binary(max_size=64), use_raw=st.booleans())
def test_sample_csv_import_never_crashes_nor_writes_partially(text: str, raw: bytes, use_raw: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.csv"
        src.write_bytes(raw if use_raw else text.encode("utf-8", "surrogatepass"))
        data = Path(tmp) / "data"
        assert call("pain", "3", "--at", "2026-11-18T08:00Z", "--data-dir", str(data))[0] == 0
        before = snapshot(data)
        code, _, err = call("import", str(src), "--data-dir", str(data), "--timezone", "Europe/London")
        assert_clean_outcome(code, err)
        if code == 1:
            assert snapshot(data) == before
        else:
            assert stored(data)[:2] != (0, 0)


@SETTINGS
@given(text=csv_text("time,kind,score,note", 3), raw=st.binary(max_size=64), use_raw=st.booleans())
def test_log_import_never_crashes_nor_writes_partially(text: str, raw: bytes, use_raw: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        assert call("pain", "3", "--at", "2026-11-18T08:00Z", "--data-dir", str(data))[0] == 0
        before = snapshot(data)
        src = Path(tmp) / "log.csv"
        src.write_bytes(raw if use_raw else text.encode("utf-8", "surrogatepass"))
        code, _, err = call("log", "import", str(src), "--data-dir", str(data), "--timezone", "Europe/London")
        assert_clean_outcome(code, err)
        if code == 1:
            assert snapshot(data) == before


@SETTINGS
@given(note=arg_text, score=st.one_of(st.text(max_size=4), st.integers(-3, 13).map(str)))
def test_pain_note_and_score_text(note: str, score: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        code, _, err = call("pain", score, "--at", "2026-11-18T10:00Z", "--note", note, "--data-dir", str(data))
        assert_clean_outcome(code, err)
        assert stored(data)[2] == (1 if code == 0 else 0)
        code, out, err = call("log", "list", "--data-dir", str(data))
        assert code == 0, err
        assert "\x1b" not in out


@SETTINGS
@given(model=arg_text, name=arg_text.filter(lambda t: t.strip("/.") != "" and "\x00" not in t))
def test_model_names_and_paths(model: str, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        src = Path(tmp) / "in.csv"
        src.write_text(GOOD_CSV)
        code, out, err = call("import", str(src), "--data-dir", str(data), "--model", model)
        assert_clean_outcome(code, err)
        assert "\x1b" not in out + err
        assert stored(data)[:2] == ((1, 1) if code == 0 else (0, 0))
        # an arbitrary --out name: the file is complete, or nothing is written
        before = sorted(p.name for p in Path(tmp).iterdir())
        code, out, err = call("export", "--out", str(Path(tmp) / name), "--data-dir", str(data))
        assert_clean_outcome(code, err)
        after = sorted(p.name for p in Path(tmp).iterdir())
        assert not [n for n in after if n.endswith(".part")]
        if code == 1:
            assert after == before


#: Commands with one argument of arbitrary text (``{}``), in a store holding one log entry.
TEXT_COMMANDS = [
    ("pain", "{}"), ("pain", "3", "--at", "{}"), ("remedy", "{}"), ("remedy", "heat", "--note", "{}"),
    ("log", "edit", "1", "--note", "{}"), ("log", "edit", "1", "--at", "{}"), ("log", "edit", "{}", "--score", "2"),
    ("log", "delete", "{}"), ("log", "list", "--from", "{}"), ("sessions", "delete", "{}", "--yes"),
    ("report", "--week", "{}"), ("report", "--threshold", "{}"), ("report", "--min-duration", "{}"),
    ("export", "--from", "{}", "--out", "out.csv"), ("log", "import", "{}"), ("import", "{}"),
    # --rate 1 is refused, so a valid --days or --start never starts the simulation
    ("demo", "--days", "{}", "--rate", "1"), ("demo", "--start", "{}", "--rate", "1"), ("demo", "--rate", "{}"),
]


def _valid_rate(text: str) -> bool:
    try:
        return 5 <= float(text) <= 200
    except ValueError:
        return False


@SETTINGS
@given(command=st.sampled_from(TEXT_COMMANDS), text=arg_text)
def test_text_arguments_never_crash_nor_change_the_store(command: tuple[str, ...], text: str) -> None:
    """Arbitrary text as a command's argument or option value: exit 0 or one line with exit 1,
    never a traceback or usage box; a refused command leaves the data directory as it was."""
    if command == ("demo", "--rate", "{}") and _valid_rate(text):
        return  # a valid rate would run the whole simulation
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
        data = Path(tmp) / "data"
        assert call("pain", "3", "--at", "2026-11-18T08:00Z", "--data-dir", str(data))[0] == 0
        before = snapshot(data)
        args = [a.replace("{}", text) if a == "{}" else a for a in command]
        if command[0] == "export":
            args[args.index("out.csv")] = str(Path(tmp) / "out.csv")
        code, out, err = call(*args, "--data-dir", str(data) if command[0] != "demo" else str(Path(tmp) / "demo"))
        assert_clean_outcome(code, err)
        assert "\x1b" not in out + err
        if code == 1:
            assert snapshot(data) == before
            assert sorted(p.name for p in Path(tmp).iterdir()) == ["data"]
