"""Snooze keys in the ``record`` live view: the key handler, the cbreak reader, and ``record`` on a pty."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from posturelog.alert_config import SNOOZE_KEY, snooze_message, snooze_until_ns
from posturelog.alerts import AlertPolicy, AlertSettings
from posturelog.live_keys import SnoozeKeys, TerminalKeys
from posturelog.store import Store

NOW_NS = 1_800_000_000 * 10**9


def test_s_snoozes_for_the_configured_time_and_u_resumes(tmp_path: Path) -> None:
    policy = AlertPolicy(AlertSettings())
    with Store(tmp_path / "data") as store:
        keys = SnoozeKeys(store, policy, 45 * 60.0, clock_ns=lambda: NOW_NS)
        assert keys("x") is None and store.get_setting(SNOOZE_KEY) is None
        message = keys("s")
        assert message is not None and message.startswith("Alerts snoozed until")
        assert snooze_until_ns(store) == NOW_NS + 45 * 60 * 10**9
        assert policy.suppressed(NOW_NS / 1e9 + 60) == "snoozed"
        key_setting = store.get_setting(SNOOZE_KEY)
        # the same setting as `posturelog snooze 45m`
        snooze_message(store, "45m", NOW_NS)
        assert store.get_setting(SNOOZE_KEY) == key_setting
        assert keys("u") == "Alerts are on again."
        assert snooze_until_ns(store) is None and policy.suppressed(NOW_NS / 1e9 + 60) is None
        keys("s")
        assert keys("S") == "Alerts are on again."
        assert snooze_until_ns(store) is None


def test_terminal_keys_cbreak_reader_restores_the_terminal() -> None:
    master, slave = os.openpty()
    try:
        stdin = os.fdopen(slave, "r", closefd=False)
        before = termios.tcgetattr(slave)
        got: list[str] = []

        async def main() -> bool:
            loop = asyncio.get_running_loop()
            with TerminalKeys(got.append, loop, stdin) as reader:
                mode = termios.tcgetattr(slave)
                assert not mode[3] & termios.ICANON and not mode[3] & termios.ECHO
                assert mode[3] & termios.ISIG  # Ctrl-C still stops the recording
                os.write(master, b"su")  # no Enter needed
                for _ in range(100):
                    await asyncio.sleep(0.01)
                    if len(got) == 2:
                        break
                return reader.active

        assert asyncio.run(main())
        assert got == ["s", "u"]
        assert termios.tcgetattr(slave) == before
    finally:
        os.close(master)
        os.close(slave)


def test_terminal_keys_do_nothing_without_a_terminal(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_text("s")

    async def main() -> bool:
        with path.open() as f, TerminalKeys(lambda k: None, asyncio.get_running_loop(), f) as reader:
            return reader.active

    assert not asyncio.run(main())


@pytest.mark.ble
def test_record_on_a_terminal_snoozes_on_s(fake_bluez: object, tmp_path: Path) -> None:
    """``record`` on a pty (stdin and stdout): pressing ``s`` stores the snooze (``snooze_min``
    from config.toml) and says so; the terminal is back in canonical mode afterwards."""
    from tests.fakebluez import make_peripheral
    from tests.posturelog.test_record import OURS, ROOT

    dev = make_peripheral("microbit", OURS)
    bt = fake_bluez([dev])  # type: ignore[operator]
    data = tmp_path / "data"
    data.mkdir()
    (data / "config.toml").write_text("[alerts]\nsnooze_min = 20\n")
    env = bt.env()
    env["POSTURELOG_SCAN_TIMEOUT"] = "1.0"
    env["COLUMNS"] = "120"
    env["TERM"] = "xterm-256color"
    master, slave = os.openpty()
    out: list[bytes] = []

    def read() -> None:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            if not chunk:
                return
            out.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    before = termios.tcgetattr(slave)
    proc = subprocess.Popen(
        [sys.executable, "-m", "posturelog.cli", "record", "--device", OURS, "--duration", "10",
         "--rate", "50", "--data-dir", str(data)],
        env=env, cwd=ROOT, stdin=slave, stdout=slave, stderr=slave, close_fds=True,
    )
    try:
        deadline = time.monotonic() + 60
        while b"s snooze alerts 20 min" not in b"".join(out):
            assert proc.poll() is None and time.monotonic() < deadline, b"".join(out).decode(errors="replace")
            time.sleep(0.1)
        t_ns = time.time_ns()
        os.write(master, b"s")
        assert proc.wait(timeout=60) == 0, b"".join(out).decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
    after = termios.tcgetattr(slave)
    os.close(slave)
    reader.join(timeout=5)
    os.close(master)
    text = b"".join(out).decode(errors="replace")
    assert "Alerts snoozed until" in text
    with Store(data) as store:
        until = snooze_until_ns(store)
    assert until is not None and abs(until - (t_ns + 20 * 60 * 10**9)) < 10 * 10**9
    assert after[3] & termios.ICANON and after[3] & termios.ECHO
    assert after == before
