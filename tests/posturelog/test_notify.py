"""Alert channels: sensor byte encoders, the terminal line, desktop notifications on a fake server."""

from __future__ import annotations

import asyncio
import io
import logging
import shutil

import pytest
from rich.console import Console

from posturelog.alerts import Alert
from posturelog.notify import (
    MICROBIT_LED_MATRIX_UUID,
    MICROBIT_LED_TEXT_UUID,
    THINGY_LED_UUID,
    THINGY_SOUND_CONFIG_UUID,
    THINGY_SPEAKER_DATA_UUID,
    DesktopChannel,
    GattWrite,
    TerminalChannel,
    microbit_led_matrix,
    microbit_led_text,
    microbit_scrolling_delay,
    sensor_cue,
    thingy_led_breathe,
    thingy_led_constant,
    thingy_led_off,
    thingy_led_one_shot,
    thingy_sound_config,
    thingy_speaker_sample,
    thingy_speaker_tone,
    write_cue,
)


def test_thingy_led_bytes() -> None:
    assert thingy_led_off() == b"\x00"
    assert thingy_led_constant(255, 16, 0) == bytes([1, 255, 16, 0])
    # breathe: mode 2, cyan (6), 20 %, 3500 ms = 0x0DAC little-endian (the firmware default)
    assert thingy_led_breathe("cyan", 20, 3500) == bytes([2, 6, 20, 0xAC, 0x0D])
    assert thingy_led_one_shot("red", 100) == bytes([3, 1, 100])
    assert len(thingy_led_breathe(7, 1, 50)) == 5 and len(thingy_led_one_shot(4, 1)) == 3
    for bad in (lambda: thingy_led_constant(256, 0, 0), lambda: thingy_led_breathe("orange", 20, 100),
                lambda: thingy_led_breathe("red", 0, 100), lambda: thingy_led_breathe("red", 20, 49),
                lambda: thingy_led_one_shot(8, 20)):
        with pytest.raises(ValueError):
            bad()


def test_thingy_sound_bytes() -> None:
    assert thingy_sound_config(1, 1) == b"\x01\x01"
    assert thingy_sound_config(3, 2) == b"\x03\x02"
    # 880 Hz = 0x0370, 300 ms = 0x012C, volume 60
    assert thingy_speaker_tone(880, 300, 60) == bytes([0x70, 0x03, 0x2C, 0x01, 60])
    assert thingy_speaker_sample(8) == b"\x08"
    with pytest.raises(ValueError):
        thingy_sound_config(4)
    with pytest.raises(ValueError):
        thingy_speaker_tone(440, 100, 101)
    with pytest.raises(ValueError):
        thingy_speaker_sample(9)


def test_microbit_bytes() -> None:
    rows = ("#...#", ".#.#.", "..#..", ".#.#.", "#...#")
    assert microbit_led_matrix(rows) == bytes([0b10001, 0b01010, 0b00100, 0b01010, 0b10001])
    assert microbit_led_matrix(("#....",) * 5) == bytes([16] * 5)
    assert microbit_led_text("SIT UP") == b"SIT UP"
    assert microbit_scrolling_delay(120) == b"\x78\x00"
    with pytest.raises(ValueError):
        microbit_led_text("x" * 21)
    with pytest.raises(ValueError):
        microbit_led_matrix(("#####",) * 4)
    with pytest.raises(ValueError):
        microbit_led_matrix(("##x##",) * 5)


def test_sensor_cues_per_model() -> None:
    thingy = sensor_cue("Nordic Thingy:52", "slouch")
    assert [w.uuid for w in thingy] == [THINGY_SOUND_CONFIG_UUID, THINGY_SPEAKER_DATA_UUID, THINGY_LED_UUID]
    assert thingy[1].data == thingy_speaker_tone(880, 300, 60)
    mb = sensor_cue("BBC micro:bit", "slouch")
    assert [w.uuid for w in mb] == [MICROBIT_LED_MATRIX_UUID]
    assert sensor_cue("BBC micro:bit", "break")[-1] == GattWrite(MICROBIT_LED_TEXT_UUID, b"BREAK")
    assert sensor_cue("WitMotion WT901BLECL", "slouch") == []
    with pytest.raises(ValueError):
        sensor_cue("BBC micro:bit", "nap")


class _Client:
    def __init__(self, fail_at: int | None = None) -> None:
        self.writes: list[tuple[str, bytes, bool | None]] = []
        self.fail_at = fail_at

    async def write_gatt_char(self, char_specifier: str, data: bytes, response: bool | None = None) -> None:
        if self.fail_at is not None and len(self.writes) == self.fail_at:
            raise RuntimeError("org.bluez.Error.NotPermitted")
        self.writes.append((char_specifier, bytes(data), response))


def test_write_cue_writes_in_order_and_survives_refusal() -> None:
    cue = sensor_cue("Nordic Thingy:52", "break")
    client = _Client()
    assert asyncio.run(write_cue(client, cue)) == 3
    assert client.writes == [(w.uuid, w.data, w.response) for w in cue]
    refusing = _Client(fail_at=1)
    assert asyncio.run(write_cue(refusing, cue)) == 1


def test_terminal_channel_rings_and_highlights() -> None:
    buf = io.StringIO()
    TerminalChannel(Console(file=buf, force_terminal=True, width=120)).send(Alert(0.0, "slouch", ("terminal",)))
    out = buf.getvalue()
    assert out.startswith("\a") and "Sit up" in out and "\x1b[" in out


def test_desktop_channel_without_session_bus_logs_once(monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    ch = DesktopChannel()
    alert = Alert(0.0, "slouch", ("desktop",))
    with caplog.at_level(logging.WARNING, logger="posturelog.notify"):
        assert asyncio.run(ch.send(alert)) is None
        assert asyncio.run(ch.send(alert)) is None
    assert not ch.available
    assert len([r for r in caplog.records if "desktop notifications off" in r.message]) == 1


@pytest.mark.skipif(shutil.which("dbus-daemon") is None, reason="needs dbus-daemon (Debian package dbus)")
def test_desktop_channel_against_fake_server(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fakebluez.bus import PrivateBus
    from tests.fakenotify import start_fake_notifications

    with PrivateBus() as bus:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)

        async def main() -> tuple[list[int | None], list]:
            server_bus, server = await start_fake_notifications(bus.address)
            ch = DesktopChannel()
            ids = [await ch.send(Alert(1.0, "slouch", ("desktop",))),
                   await ch.send(Alert(2.0, "break", ("desktop",)))]
            ch.close()
            server_bus.disconnect()
            return ids, server.log.received

        ids, received = asyncio.run(main())
    assert ids == [1, 2]
    assert [n.summary for n in received] == ["Sit up", "Time for a break"]
    assert received[0].app_name == "posturelog" and received[0].hints["urgency"] == 1
    assert received[0].expire_timeout == 10_000


@pytest.mark.skipif(shutil.which("dbus-daemon") is None, reason="needs dbus-daemon (Debian package dbus)")
def test_desktop_channel_bus_without_server_logs_once(caplog: pytest.LogCaptureFixture) -> None:
    from tests.fakebluez.bus import PrivateBus

    with PrivateBus() as bus:
        ch = DesktopChannel(bus.address)

        async def main() -> list[int | None]:
            out = [await ch.send(Alert(1.0, "slouch", ("desktop",))) for _ in range(3)]
            ch.close()
            return out

        with caplog.at_level(logging.WARNING, logger="posturelog.notify"):
            assert asyncio.run(main()) == [None, None, None]
    assert len([r for r in caplog.records if "desktop notifications off" in r.message]) == 1
