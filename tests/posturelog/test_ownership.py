"""Ownership of sessions (lock with liveness), recovery of dead owners only, readers that see
only committed files, staged imports and ``sessions list|delete``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from posturelog.cli import app
from posturelog.importing import import_csv
from posturelog.layout import date_dir, date_dirs, participant_dir
from posturelog.ownership import LOCK_NAME, OwnerLock, is_owned
from posturelog.recorder import Recorder, record_batches
from posturelog.store import Store
from sensor.batch import SampleBatch, SourceInfo
from tests.posturelog.test_store import FS, T0, make_batches

ROOT = Path(__file__).resolve().parents[2]

#: A process that records 30 s of samples (flushed, segment still open) and then waits.
_LIVE_RECORDER = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from posturelog.recorder import Recorder
    from posturelog.store import Store
    from sensor.batch import SampleBatch, SourceInfo
    store = Store(sys.argv[1])
    t0, fs = 1_795_185_000_000_000_000, 50
    with Recorder(store, SourceInfo(model="test"), "UTC") as rec:
        for k in range(30):
            t = t0 + (k * fs + np.arange(fs, dtype=np.int64)) * (10**9 // fs)
            rec.add(SampleBatch(t, np.tile([0.0, 0.0, 9.81], (fs, 1)), None))
        rec.flush()
        print(rec.result.session_id, flush=True)
        time.sleep(600)
    """
)


def _start_live_recorder(data: Path) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _LIVE_RECORDER, str(data)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip().isdigit(), "recorder did not start"
    return proc, int(line)


def _kill(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def test_lock_tells_live_owner_from_dead_one(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys,time; from posturelog.ownership import OwnerLock; "
         "OwnerLock.acquire(__import__('pathlib').Path(sys.argv[1])); print('ok', flush=True); time.sleep(600)",
         str(tmp_path / "s")],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        assert is_owned(tmp_path / "s")
        assert OwnerLock.try_acquire(tmp_path / "s") is None
        with pytest.raises(TimeoutError, match="owns it"):
            OwnerLock.acquire(tmp_path / "s", timeout_s=0.2)
    finally:
        _kill(holder)
    # the kernel dropped the dead holder's lock: its pid (even if reused) does not matter
    assert not is_owned(tmp_path / "s")
    lock = OwnerLock.try_acquire(tmp_path / "s")
    assert lock is not None
    lock.release()
    assert not (tmp_path / "s").exists()
    assert not is_owned(tmp_path / "never")  # nothing created for a mere question
    assert not (tmp_path / "never").exists()


def test_lock_on_a_removed_file_is_not_ownership(tmp_path: Path) -> None:
    first = OwnerLock.acquire(tmp_path / "s")
    fd = os.open(tmp_path / "s" / LOCK_NAME, os.O_RDWR)  # opened just before the owner leaves
    first.release()
    try:
        # a process that locks the now nameless file must not think it owns the directory
        assert OwnerLock.try_acquire(tmp_path / "s", create=False) is None
    finally:
        os.close(fd)
    second = OwnerLock.acquire(tmp_path / "s")  # a new owner gets a fresh lock file
    assert is_owned(tmp_path / "s")
    second.release()


def test_recovery_skips_a_live_recorder_and_recovers_a_dead_one(tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc, sid = _start_live_recorder(data)
    try:
        segments = list((data / "segments").glob("session-*/seg-*.arrows"))
        assert len(segments) == 1
        size = segments[0].stat().st_size
        for _ in range(3):  # any number of commands opening the store meanwhile
            with Store(data) as store:
                assert store.compact_pending() == 0
                assert store.is_live(sid)
        assert segments[0].exists() and segments[0].stat().st_size == size
        result = CliRunner().invoke(app, ["sessions", "list", "--data-dir", str(data)])
        assert result.exit_code == 0 and "recording" in result.output
        result = CliRunner().invoke(app, ["sessions", "delete", str(sid), "--yes", "--data-dir", str(data)])
        assert result.exit_code == 1 and "running posturelog process" in result.output
        assert segments[0].exists()
    finally:
        _kill(proc)
    with Store(data) as store:
        assert store.compact_pending() == 1
        session = store.sessions().iloc[0]
        assert session["status"] == "interrupted" and session["n_samples"] == 30 * FS
        assert session["ended_ns"] == T0 + (30 * FS - 1) * (10**9 // FS)
        assert len(store.read_samples()) == 30 * FS
    assert not (data / "segments" / f"session-{sid:06d}").exists()


def test_own_store_compaction_never_touches_an_owned_session(tmp_path: Path) -> None:
    recorder_store = Store(tmp_path)
    sid = recorder_store.start_session(SourceInfo(model="test"), "UTC")
    with recorder_store.segment_writer(sid) as writer:
        for b in make_batches(5):
            writer.append(b)
        writer.flush()
        with Store(tmp_path) as other:  # a second opening, as by another command
            assert other.compact_pending() == 0
    recorder_store.end_session(sid, n_samples=5 * FS)
    assert len(recorder_store.read_samples()) == 5 * FS
    assert not (tmp_path / "segments" / f"session-{sid:06d}").exists()  # lock removed on end


def test_readers_ignore_temporary_and_staged_files(tmp_path: Path) -> None:
    store = Store(tmp_path)
    record_batches(make_batches(10), store, SourceInfo(model="test"), "UTC")
    part = next(d for _, d in date_dirs(participant_dir(tmp_path / "samples", "me")))
    # half-written compaction outputs, old and new naming
    (part / "session-000099-seg-000000.parquet.tmp").write_bytes(b"PAR1 half written")
    (part / ".session-000098-seg-000000.parquet.tmp").write_bytes(b"PAR1 half written")
    # an import still staging: its files already moved into place, not yet committed
    later = make_batches(10, start_ns=T0 + 3600 * 10**9, seed=1)
    with Recorder(store, SourceInfo(model="imp"), "UTC", staged=True) as rec:
        for b in later:
            rec.add(b)
        with Store(tmp_path) as reader:
            assert len(reader.read_samples()) == 10 * FS
            assert reader.sessions()["model"].tolist() == ["test"]
        rec._writer.close()  # type: ignore[union-attr]  # compact into staging/
        staged = list((tmp_path / "staging").rglob("*.parquet"))
        assert staged
        with Store(tmp_path) as reader:
            assert len(reader.read_samples()) == 10 * FS
            assert len(reader.local_dates()) == 1
    # committed on leaving the context: all of it at once
    assert len(store.read_samples()) == 20 * FS
    assert store.sessions()["status"].tolist() == ["closed", "closed"]
    assert store.sessions()["n_samples"].tolist() == [10 * FS, 10 * FS]
    assert not (tmp_path / "staging").exists() or not list((tmp_path / "staging").rglob("*"))


def test_failed_import_leaves_nothing_and_does_not_poison_later_commands(tmp_path: Path) -> None:
    csv = tmp_path / "in.csv"
    t = pd.DatetimeIndex(T0 + np.arange(3000, dtype=np.int64) * 20_000_000, tz="UTC")
    pd.DataFrame(
        {"time": t.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"), "acc_x": 0.1, "acc_y": 0.2, "acc_z": 9.8}
    ).to_csv(csv, index=False)
    data = tmp_path / "data"
    # a file where the import's date partition must go: the move into place fails
    blocker = date_dir(participant_dir(data / "samples", "me"), "2026-11-20")
    blocker.parent.mkdir(parents=True)
    blocker.write_text("in the way")
    runner = CliRunner()
    result = runner.invoke(app, ["import", str(csv), "--timezone", "UTC", "--data-dir", str(data)])
    assert result.exit_code != 0
    with Store(data) as store:
        assert store.sessions().empty and len(store.read_samples()) == 0
        assert store._db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0
    for args in (["pain", "3"], ["log", "list"], ["sessions", "list"]):
        result = runner.invoke(app, [*args, "--data-dir", str(data)])
        assert result.exit_code == 0, (args, result.output)
    blocker.unlink()
    with Store(data) as store:
        store.compact_pending()
        assert store.sessions().empty  # the failed import was not committed later
        assert import_csv(store, csv, "UTC").n_samples == 3000
        assert len(store.read_samples()) == 3000


def test_dead_import_is_removed_never_shown(tmp_path: Path) -> None:
    store = Store(tmp_path)
    rec = Recorder(store, SourceInfo(model="imp"), "UTC", staged=True)
    rec.__enter__()
    for b in make_batches(10):
        rec.add(b)
    rec._writer.close()  # type: ignore[union-attr]  # staged files written
    store.close()  # the importer dies before its commit
    with Store(tmp_path) as fresh:
        fresh.compact_pending()
        assert fresh._db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0
        assert len(fresh.read_samples()) == 0
    assert not list(tmp_path.rglob("*.parquet")) and not list(tmp_path.rglob("*.arrows"))


def test_sessions_delete_is_crash_safe_and_confirms(tmp_path: Path) -> None:
    store = Store(tmp_path)
    keep = record_batches(make_batches(5), store, SourceInfo(model="keep"), "UTC")
    gone = record_batches(make_batches(5, start_ns=T0 + 10**12), store, SourceInfo(model="gone"), "UTC")
    store.add_gap(gone.session_id, T0 + 10**12, T0 + 10**12 + 1)
    runner = CliRunner()
    args = ["sessions", "delete", str(gone.session_id), "--data-dir", str(tmp_path)]
    result = runner.invoke(app, args, input="n\n")
    assert result.exit_code == 1 and "not deleted" in result.output
    assert len(store.sessions()) == 2
    for bad in ("abc", "99", "-1", "1e3", "99999999999999999999999"):
        result = runner.invoke(app, ["sessions", "delete", bad, "--yes", "--data-dir", str(tmp_path)])
        assert result.exit_code == 1 and "Traceback" not in result.output, (bad, result.output)
        assert len([line for line in result.output.splitlines() if line.strip()]) == 1, result.output
    # a deletion interrupted after its first step: already invisible, finished by recovery
    with store.transaction() as db:
        db.execute("UPDATE sessions SET status = 'deleting' WHERE id = ?", (gone.session_id,))
    assert store.sessions()["model"].tolist() == ["keep"] and len(store.read_samples()) == 5 * FS
    store.compact_pending()
    assert store._db.execute("SELECT COUNT(*) FROM gaps").fetchone()[0] == 0
    assert len(list((tmp_path / "samples").rglob("*.parquet"))) == 1
    result = runner.invoke(app, ["sessions", "delete", str(keep.session_id), "--data-dir", str(tmp_path)], input="y\n")
    assert result.exit_code == 0, result.output
    assert store.sessions().empty and not list((tmp_path / "samples").rglob("*.parquet"))


def test_interrupted_status_and_list_output(tmp_path: Path) -> None:
    store = Store(tmp_path)
    sid = store.start_session(SourceInfo(model="[/]odd"), "Europe/Berlin")
    with store.segment_writer(sid) as w:
        w.append(SampleBatch(np.array([T0], dtype=np.int64), np.array([[0.0, 0.0, 9.81]]), None))
    store.close()  # died before end_session
    result = CliRunner().invoke(app, ["sessions", "list", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "interrupted" in result.output and "[/]odd" in result.output
    assert "2026-11-20 15:30" in result.output  # local time (Berlin)


def test_old_database_gets_a_status_column(tmp_path: Path) -> None:
    import sqlite3

    db = sqlite3.connect(tmp_path / "posturelog.db")
    db.executescript(
        "CREATE TABLE sessions (id INTEGER PRIMARY KEY, participant TEXT NOT NULL, model TEXT NOT NULL, "
        "address TEXT NOT NULL DEFAULT '', name TEXT NOT NULL DEFAULT '', firmware TEXT NOT NULL DEFAULT '', "
        "battery_pct INTEGER, rate_hz REAL NOT NULL, has_gyroscope INTEGER NOT NULL, timezone TEXT NOT NULL, "
        "started_ns INTEGER NOT NULL, ended_ns INTEGER, n_samples INTEGER NOT NULL DEFAULT 0, "
        "source TEXT NOT NULL DEFAULT '');"
        "INSERT INTO sessions VALUES (1, 'me', 'm', '', '', '', NULL, 50, 1, 'UTC', 1, 2, 10, '');"
        "INSERT INTO sessions VALUES (2, 'me', 'm', '', '', '', NULL, 50, 1, 'UTC', 3, NULL, 0, '');"
    )
    db.commit()
    db.close()
    with Store(tmp_path) as store:
        assert store.sessions()["status"].tolist() == ["closed", "interrupted"]


def test_reads_during_compaction_never_fail(tmp_path: Path) -> None:
    """Reads racing a recorder that compacts a segment every simulated hour all succeed."""
    import threading

    store = Store(tmp_path)
    hours = 60
    t = T0 + np.arange(hours * 120, dtype=np.int64) * 30 * 10**9  # every 30 s for 60 h
    batches = [SampleBatch(t[i : i + 120], np.tile([0.0, 0.0, 9.81], (120, 1)), None) for i in range(0, t.size, 120)]
    _, per_hour = np.unique(t // (3600 * 10**9), return_counts=True)
    whole_hours = {0, *np.cumsum(per_hour).tolist()}
    errors: list[BaseException] = []
    done = threading.Event()

    def record() -> None:
        with Store(tmp_path) as writer_store:
            record_batches(batches, writer_store, SourceInfo(model="test"), "UTC")
        done.set()

    thread = threading.Thread(target=record)
    thread.start()
    reads = 0
    while not done.is_set() or reads < 50:
        try:
            n = len(store.read_samples())
            assert n in whole_hours  # whole hourly segments only: never a half-written file
        except BaseException as exc:  # noqa: BLE001 - count every failure
            errors.append(exc)
        reads += 1
    thread.join()
    assert not errors, f"{len(errors)} of {reads} reads failed: {errors[0]!r}"
    assert len(store.read_samples()) == t.size
