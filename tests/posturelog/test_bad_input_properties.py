"""Property tests (issue 11): arbitrary text in CSV files and command-line arguments never
produces a traceback, and a failure never leaves a partial write."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posturelog.cli import main
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
        code, _, err = call("import", str(src), "--data-dir", str(data), "--timezone", "Europe/London")
        assert_clean_outcome(code, err)
        if code == 1:
            assert stored(data)[:2] == (0, 0)


@SETTINGS
@given(text=csv_text("time,kind,score,note", 3), raw=st.binary(max_size=64), use_raw=st.booleans())
def test_log_import_never_crashes_nor_writes_partially(text: str, raw: bytes, use_raw: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        assert call("pain", "3", "--at", "2026-11-18T08:00Z", "--data-dir", str(data))[0] == 0
        before = stored(data)
        src = Path(tmp) / "log.csv"
        src.write_bytes(raw if use_raw else text.encode("utf-8", "surrogatepass"))
        code, _, err = call("log", "import", str(src), "--data-dir", str(data), "--timezone", "Europe/London")
        assert_clean_outcome(code, err)
        if code == 1:
            assert stored(data) == before


@SETTINGS
@given(note=st.text(max_size=40), score=st.one_of(st.text(max_size=4), st.integers(-3, 13).map(str)))
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
@given(model=st.text(max_size=30), name=st.text(min_size=1, max_size=20))
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
