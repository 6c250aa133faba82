"""The store: sessions, crash-safe segments, compaction, partitioned reads, the log."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from posturelog.layout import date_dirs, participant_dir
from posturelog.recorder import Recorder, record_batches
from posturelog.segments import read_segment
from posturelog.store import Store
from sensor.batch import SampleBatch, SourceInfo

T0 = 1_795_185_000_000_000_000  # 2026-11-20T14:30:00Z
FS = 50
PERIOD = 1_000_000_000 // FS


def make_batches(seconds: int, start_ns: int = T0, gyro: bool = True, seed: int = 0) -> list[SampleBatch]:
    rng = np.random.default_rng(seed)
    out = []
    for k in range(seconds):
        t = start_ns + (k * FS + np.arange(FS, dtype=np.int64)) * PERIOD
        acc = rng.normal([0.0, 0.0, 9.81], 0.05, size=(FS, 3))
        gyr = rng.normal(0.0, 0.01, size=(FS, 3)) if gyro else None
        out.append(SampleBatch(t, acc, gyr))
    return out


def test_round_trip_keeps_every_sample_as_float32(tmp_path: Path) -> None:
    store = Store(tmp_path)
    batches = make_batches(120)
    result = record_batches(batches, store, SourceInfo(model="test"), "Europe/London")
    df = store.read_samples()
    assert result.n_samples == len(df) == 120 * FS
    acc = np.concatenate([b.acc_mps2 for b in batches])
    np.testing.assert_allclose(df[["acc_x", "acc_y", "acc_z"]].to_numpy(), acc.astype(np.float32), rtol=0, atol=0)
    t = np.concatenate([b.t_ns for b in batches])
    np.testing.assert_array_equal(df.index.asi8, t)
    assert str(df.index.tz) == "UTC" and df.index.name == "time"


def test_partitions_follow_local_date_and_hours(tmp_path: Path) -> None:
    # 22:30 UTC on 2026-06-30 is 23:30 in London (BST): an hour later it is the next local date.
    start = int(pd.Timestamp("2026-06-30T22:30:00Z").value)
    store = Store(tmp_path)
    record_batches(make_batches(3600, start), store, SourceInfo(model="test"), "Europe/London")
    assert [d.isoformat() for d in store.local_dates()] == ["2026-06-30", "2026-07-01"]
    files = sorted((p for _, d in date_dirs(participant_dir(tmp_path / "samples", "me")) for p in d.glob("*.parquet")))
    assert len(files) == 2
    day2 = pd.read_parquet(files[1])
    assert day2["time"].min() == pd.Timestamp("2026-06-30T23:00:00Z")


def test_accelerometer_only_stores_nan_gyro(tmp_path: Path) -> None:
    store = Store(tmp_path)
    record_batches(make_batches(5, gyro=False), store, SourceInfo(model="acc", has_gyroscope=False), "UTC")
    df = store.read_samples()
    assert df[["gyr_x", "gyr_y", "gyr_z"]].isna().all().all()


def test_time_filter_and_gaps(tmp_path: Path) -> None:
    store = Store(tmp_path)
    batches = make_batches(10)
    later = make_batches(10, start_ns=T0 + 60 * 1_000_000_000)
    later[0] = SampleBatch(later[0].t_ns, later[0].acc_mps2, later[0].gyr_rads, gap_before=True)
    result = record_batches(batches + later, store, SourceInfo(model="test"), "UTC")
    assert len(result.gaps) == 1
    assert store.gaps()["session_id"].tolist() == [result.session_id]
    part = store.read_samples(T0 + 2 * 1_000_000_000, T0 + 3 * 1_000_000_000)
    assert len(part) == FS
    assert store.sessions()["gaps"].tolist() == [1]


def test_repeated_samples_after_reconnect_are_not_stored_twice(tmp_path: Path) -> None:
    store = Store(tmp_path)
    batches = make_batches(4)
    with Recorder(store, SourceInfo(model="test"), "UTC") as rec:
        for b in batches:
            rec.add(b)
        rec.add(batches[-1])  # the same notification delivered again
    assert len(store.read_samples()) == 4 * FS


def test_killed_recorder_leaves_flushed_samples_readable(tmp_path: Path) -> None:
    store = Store(tmp_path)
    sid = store.start_session(SourceInfo(model="test"), "UTC")
    writer = store.segment_writer(sid)
    for b in make_batches(30):
        writer.append(b)
    writer.flush()
    segment = next((tmp_path / "segments").glob("session-*/seg-*.arrows"))
    # simulate a kill in the middle of the next write: append half a message of garbage
    with open(segment, "ab") as fh:
        fh.write(b"\xff\xff\xff\xff\x80\x00\x00\x00partial")
    table, truncated = read_segment(segment)
    assert truncated and table.num_rows == 30 * FS
    # the recorder dies (its ownership lock goes with it); a new process compacts what it left
    store.close()
    fresh = Store(tmp_path)
    assert fresh.compact_pending() == 1
    assert len(fresh.read_samples()) == 30 * FS
    assert not list((tmp_path / "segments").glob("session-*/seg-*.arrows"))
    # compaction is idempotent
    assert fresh.compact_pending() == 0


def test_data_dir_is_owner_only(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    record_batches(make_batches(2), store, SourceInfo(model="test"), "UTC")
    assert stat.S_IMODE(os.stat(tmp_path / "data").st_mode) == 0o700
    for f in (tmp_path / "data").rglob("*.parquet"):
        assert stat.S_IMODE(os.stat(f).st_mode) & 0o077 == 0


def test_pain_log_validates_and_edits(tmp_path: Path) -> None:
    store = Store(tmp_path)
    pid = store.add_pain(T0, 4, "after lunch")
    rid = store.add_remedy(T0 + 1, "heat")
    with pytest.raises(ValueError, match="0 to 10"):
        store.add_pain(T0, 11)
    with pytest.raises(ValueError, match="unknown remedy"):
        store.add_remedy(T0, "massage gun")
    with pytest.raises(ValueError, match="has no score"):
        store.edit_entry(rid, score=3)
    store.edit_entry(pid, score=6)
    assert store.pain_log()["score"].tolist() == [6]
    assert store.remedy_log()["kind"].tolist() == ["heat"]
    store.delete_entry(pid)
    with pytest.raises(ValueError, match="no log entry"):
        store.delete_entry(pid)


def test_add_events_is_all_or_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with pytest.raises(ValueError):
        store.add_events([(T0, "pain", 3, ""), (T0 + 1, "pain", 12, "")])
    assert store.log_entries().empty


def test_writer_rejects_time_going_backwards(tmp_path: Path) -> None:
    store = Store(tmp_path)
    sid = store.start_session(SourceInfo(model="test"), "UTC")
    with store.segment_writer(sid) as writer:
        b = make_batches(2)
        writer.append(b[1])
        with pytest.raises(ValueError, match="must increase"):
            writer.append(b[0])


def test_read_arrays_is_the_reader_behind_read_samples(tmp_path: Path) -> None:
    """Issue 8: one reader; the DataFrame is the same numbers as the arrays."""
    store = Store(tmp_path)
    record_batches(make_batches(3), store, SourceInfo(model="test"), "UTC")
    arrays = store.read_arrays(T0 + 1_000_000_000, T0 + 2 * 1_000_000_000)
    df = store.read_samples(T0 + 1_000_000_000, T0 + 2 * 1_000_000_000)
    assert arrays.t_ns.dtype == np.int64 and arrays.acc_mps2.shape == (len(df), 3)
    np.testing.assert_array_equal(arrays.t_ns, df.index.as_unit("ns").asi8)
    np.testing.assert_array_equal(arrays.acc_mps2, df[["acc_x", "acc_y", "acc_z"]].to_numpy())
    np.testing.assert_array_equal(arrays.gyr_rads, df[["gyr_x", "gyr_y", "gyr_z"]].to_numpy())
    assert len(store.read_arrays(T0 - 10 * 1_000_000_000, T0)) == 0


def test_overlapping_sessions_read_sorted_with_each_row_whole(tmp_path: Path) -> None:
    """Two recordings that overlap in time (e.g. an import of a file already recorded live):
    the reader sorts them, keeps the first of equal times, and every row keeps its own
    acceleration and rotation (the per-sample arrays are filled column by column)."""
    store = Store(tmp_path)
    first = make_batches(6, seed=1)
    second = make_batches(6, start_ns=T0 + 3 * 1_000_000_000 + PERIOD // 2, seed=2)
    record_batches(first, store, SourceInfo(model="a"), "UTC")
    record_batches(second, store, SourceInfo(model="b"), "UTC")
    again = make_batches(2, start_ns=T0, seed=3)  # same times as the first session's start
    record_batches(again, store, SourceInfo(model="c"), "UTC")
    got = store.read_arrays()
    batches = first + second + again
    t = np.concatenate([b.t_ns for b in batches])
    acc = np.concatenate([b.acc_mps2 for b in batches]).astype(np.float32)
    gyr = np.concatenate([b.gyr_rads for b in batches if b.gyr_rads is not None]).astype(np.float32)
    order = np.argsort(t, kind="stable")  # the sessions' own order breaks ties
    keep = np.concatenate(([True], np.diff(t[order]) != 0))
    np.testing.assert_array_equal(got.t_ns, t[order][keep])
    np.testing.assert_array_equal(got.acc_mps2, acc[order][keep])
    np.testing.assert_array_equal(got.gyr_rads, gyr[order][keep])
    assert got.acc_mps2.flags["C_CONTIGUOUS"] and got.gyr_rads.flags["C_CONTIGUOUS"]
