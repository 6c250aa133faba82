"""Alert channels: the terminal, the desktop (freedesktop notifications), the sensor itself.

* **terminal** (:class:`TerminalChannel`): a bell (``\\a``) and a highlighted rich line.
* **desktop** (:class:`DesktopChannel`): ``org.freedesktop.Notifications.Notify`` on the
  session D-Bus with dbus-fast (a dependency of bleak). Without a session bus (a server, an
  SSH session) it logs one warning and stays quiet afterwards.
* **sensor** (:func:`sensor_cue`, :func:`write_cue`): GATT writes that make the sensor buzz or
  light up, where the stock firmware allows it. The byte layouts and their sources:

  - Nordic Thingy:52 firmware v2 (base UUID ``EF68xxxx-9B35-4933-9B10-52FFA9740042``;
    "Firmware architecture → BLE services" of the Thingy:52 firmware documentation,
    nordicsemiconductor.github.io/Nordic-Thingy52-FW/documentation/firmware_architecture.html,
    and ``ble_uis.h`` / ``ble_tss.c`` of the firmware):

    * UI service ``0300``, LED characteristic ``0301`` (write/read): byte 0 mode
      (0 off, 1 constant, 2 breathe, 3 one-shot); constant: R, G, B (0–255); breathe: colour
      (1 red, 2 green, 3 yellow, 4 blue, 5 purple, 6 cyan, 7 white), intensity 1–100 %,
      delay uint16 LE 50–10000 ms; one-shot: colour, intensity (lengths 1/4/5/3 bytes,
      ``BLE_UIS_LED_MODE_*_LENGTH``).
    * Sound service ``0500``: configuration ``0501`` = speaker mode (1 frequency, 2 8-bit PCM,
      3 sample), microphone mode (1 ADPCM, 2 SPL); speaker data ``0502`` in frequency mode =
      frequency uint16 LE (Hz), duration uint16 LE (ms), volume uint8 (0–100 %), in sample
      mode = one sample id byte (Nordic's Web Bluetooth library ``Nordic-Thingy52-Thingyjs``,
      ``SpeakerDataService.js`` / ``SoundConfigurationService.js``).

  - BBC micro:bit Bluetooth profile, LED service ``E95DD91D-251D-470A-A062-FA1922DFA9A8``
    (micro:bit Bluetooth profile specification; MIT App Inventor's micro:bit LED extension
    documentation): LED Matrix State ``E95D7B77-…`` = 5 bytes, one per row from the top, bit 4
    the leftmost LED (values 16, 8, 4, 2, 1); LED Text ``E95D93EE-…`` = UTF-8 text of at most
    20 bytes, scrolled; Scrolling Delay ``E95D0D2D-…`` = uint16 LE milliseconds. The service
    must be enabled in the micro:bit program (MakeCode: ``bluetooth led service``).

  The encoders are pure functions; :func:`write_cue` writes through any object with bleak's
  ``BleakClient.write_gatt_char(uuid, data, response=...)``.
"""

from __future__ import annotations

import logging
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rich.console import Console
from rich.text import Text

from posturelog.alerts import Alert
from posturelog.errors import InputError

__all__ = [
    "DesktopChannel",
    "GattWrite",
    "MICROBIT_LED_MATRIX_UUID",
    "MICROBIT_LED_SCROLL_DELAY_UUID",
    "MICROBIT_LED_SERVICE_UUID",
    "MICROBIT_LED_TEXT_UUID",
    "THINGY_LED_UUID",
    "THINGY_SOUND_CONFIG_UUID",
    "THINGY_SPEAKER_DATA_UUID",
    "TerminalChannel",
    "alert_text",
    "microbit_led_matrix",
    "microbit_led_text",
    "microbit_scrolling_delay",
    "sensor_cue",
    "thingy_led_breathe",
    "thingy_led_constant",
    "thingy_led_off",
    "thingy_led_one_shot",
    "thingy_sound_config",
    "thingy_speaker_sample",
    "thingy_speaker_tone",
    "write_cue",
]

log = logging.getLogger(__name__)

_THINGY_BASE = "ef68{:04x}-9b35-4933-9b10-52ffa9740042"
THINGY_UI_SERVICE_UUID = _THINGY_BASE.format(0x0300)
THINGY_LED_UUID = _THINGY_BASE.format(0x0301)
THINGY_SOUND_SERVICE_UUID = _THINGY_BASE.format(0x0500)
THINGY_SOUND_CONFIG_UUID = _THINGY_BASE.format(0x0501)
THINGY_SPEAKER_DATA_UUID = _THINGY_BASE.format(0x0502)

_MICROBIT_BASE = "e95d{:04x}-251d-470a-a062-fa1922dfa9a8"
MICROBIT_LED_SERVICE_UUID = _MICROBIT_BASE.format(0xD91D)
MICROBIT_LED_MATRIX_UUID = _MICROBIT_BASE.format(0x7B77)
MICROBIT_LED_TEXT_UUID = _MICROBIT_BASE.format(0x93EE)
MICROBIT_LED_SCROLL_DELAY_UUID = _MICROBIT_BASE.format(0x0D2D)

#: Thingy:52 LED colour codes of the breathe and one-shot modes.
THINGY_COLOURS: dict[str, int] = {
    "red": 1, "green": 2, "yellow": 3, "blue": 4, "purple": 5, "cyan": 6, "white": 7,
}


# ----------------------------------------------------------------------------------------------
# byte encoders (pure)


def _byte(name: str, value: int, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise InputError(f"{name} must be an integer in {lo}..{hi}, got {value!r}")
    return value


def _colour(colour: str | int) -> int:
    if isinstance(colour, str):
        if colour not in THINGY_COLOURS:
            raise InputError(f"Thingy LED colour must be one of {list(THINGY_COLOURS)}, got {colour!r}")
        return THINGY_COLOURS[colour]
    return _byte("colour", colour, 1, 7)


def thingy_led_off() -> bytes:
    """Thingy:52 LED characteristic: off (``00``)."""
    return bytes([0])


def thingy_led_constant(red: int, green: int, blue: int) -> bytes:
    """Thingy:52 LED characteristic: constant colour, ``01 RR GG BB`` (0–255 each)."""
    return bytes([1, _byte("red", red, 0, 255), _byte("green", green, 0, 255),
                  _byte("blue", blue, 0, 255)])


def thingy_led_breathe(colour: str | int, intensity_pct: int, delay_ms: int) -> bytes:
    """Thingy:52 LED characteristic: breathe, ``02 colour intensity delay(uint16 LE)``."""
    return bytes([2, _colour(colour), _byte("intensity_pct", intensity_pct, 1, 100)]) + struct.pack(
        "<H", _byte("delay_ms", delay_ms, 50, 10000))


def thingy_led_one_shot(colour: str | int, intensity_pct: int) -> bytes:
    """Thingy:52 LED characteristic: one flash, ``03 colour intensity``."""
    return bytes([3, _colour(colour), _byte("intensity_pct", intensity_pct, 1, 100)])


def thingy_sound_config(speaker_mode: int, microphone_mode: int = 1) -> bytes:
    """Thingy:52 sound configuration: speaker mode (1 frequency, 2 PCM, 3 sample), mic mode
    (1 ADPCM, 2 SPL)."""
    return bytes([_byte("speaker_mode", speaker_mode, 1, 3),
                  _byte("microphone_mode", microphone_mode, 1, 2)])


def thingy_speaker_tone(frequency_hz: int, duration_ms: int, volume_pct: int) -> bytes:
    """Thingy:52 speaker data in frequency mode: ``freq(uint16 LE) duration(uint16 LE) volume``."""
    return struct.pack("<HHB", _byte("frequency_hz", frequency_hz, 1, 65535),
                       _byte("duration_ms", duration_ms, 1, 65535),
                       _byte("volume_pct", volume_pct, 0, 100))


def thingy_speaker_sample(sample_id: int) -> bytes:
    """Thingy:52 speaker data in sample mode: one byte, a pre-stored sound (0–8)."""
    return bytes([_byte("sample_id", sample_id, 0, 8)])


def microbit_led_matrix(rows: Sequence[str]) -> bytes:
    """micro:bit LED Matrix State from 5 rows of 5 characters (``#`` on, ``.`` off), top first.

    Each row is one byte, the leftmost LED in bit 4 (value 16), the rightmost in bit 0.
    """
    if len(rows) != 5 or any(len(r) != 5 or set(r) - {"#", "."} for r in rows):
        raise InputError(f"LED matrix must be 5 rows of 5 '#'/'.' characters, got {list(rows)!r}")
    return bytes(sum(16 >> i for i, c in enumerate(r) if c == "#") for r in rows)


def microbit_led_text(text: str) -> bytes:
    """micro:bit LED Text: UTF-8, at most 20 bytes (one ATT write), scrolled across the matrix."""
    data = str(text).encode("utf-8")
    if not data or len(data) > 20:
        raise InputError(f"micro:bit LED text must be 1–20 UTF-8 bytes, got {len(data)} ({text!r})")
    return data


def microbit_scrolling_delay(delay_ms: int) -> bytes:
    """micro:bit Scrolling Delay: uint16 LE milliseconds per scroll step."""
    return struct.pack("<H", _byte("delay_ms", delay_ms, 0, 65535))


@dataclass(frozen=True)
class GattWrite:
    """One characteristic write: UUID, value, and whether a write response is wanted."""

    uuid: str
    data: bytes
    response: bool = True


#: Arrow pointing up on the micro:bit matrix ("sit up").
_MICROBIT_UP = ("..#..", ".###.", "#.#.#", "..#..", "..#..")


def sensor_cue(model: str, kind: str) -> list[GattWrite]:
    """The writes that make the sensor signal an alert of ``kind``; empty where it cannot.

    Parameters
    ----------
    model : str
        The profile's model name (``Nordic Thingy:52``, ``BBC micro:bit``, ...).
    kind : str
        ``slouch`` or ``break``.

    Returns
    -------
    list of GattWrite
        Thingy:52: speaker to frequency mode, a short tone (880 Hz slouch, 440 Hz break), then
        one LED flash (red slouch, blue break). micro:bit: an up arrow (slouch) or
        the text "BREAK" (break). Other models: none (no actuator in the stock firmware).
    """
    if kind not in ("slouch", "break"):
        raise InputError(f"alert kind must be 'slouch' or 'break', got {kind!r}")
    if model == "Nordic Thingy:52":
        tone = thingy_speaker_tone(880 if kind == "slouch" else 440, 300, 60)
        led = thingy_led_one_shot("red" if kind == "slouch" else "blue", 80)
        return [GattWrite(THINGY_SOUND_CONFIG_UUID, thingy_sound_config(1, 1)),
                GattWrite(THINGY_SPEAKER_DATA_UUID, tone, response=False),
                GattWrite(THINGY_LED_UUID, led)]
    if model == "BBC micro:bit":
        if kind == "slouch":
            return [GattWrite(MICROBIT_LED_MATRIX_UUID, microbit_led_matrix(_MICROBIT_UP))]
        return [GattWrite(MICROBIT_LED_SCROLL_DELAY_UUID, microbit_scrolling_delay(120)),
                GattWrite(MICROBIT_LED_TEXT_UUID, microbit_led_text("BREAK"))]
    return []


class _GattWriter(Protocol):
    async def write_gatt_char(self, char_specifier: Any, data: Any, response: bool | None = ...) -> None:
        ...


async def write_cue(client: _GattWriter, writes: Sequence[GattWrite]) -> int:
    """Write a cue through a connected bleak client; returns the writes that succeeded.

    A refused write (the characteristic is missing: a micro:bit program without the LED
    service) is logged and the rest are skipped; recording must never stop for a cue.
    """
    done = 0
    for w in writes:
        try:
            await client.write_gatt_char(w.uuid, w.data, response=w.response)
        except Exception as exc:  # bleak raises BleakError and D-Bus errors; any is non-fatal
            log.warning("sensor alert cue: write to %s failed (%s); skipping the cue", w.uuid, exc)
            break
        done += 1
    return done


# ----------------------------------------------------------------------------------------------
# terminal and desktop


def alert_text(alert: Alert) -> tuple[str, str]:
    """Summary and body of an alert for people."""
    if alert.kind == "slouch":
        return "Sit up", "You have been slouching for a while: straighten up and roll your shoulders back."
    return "Time for a break", "You have been sitting for a long time: stand up and walk for a minute or two."


class TerminalChannel:
    """Bell + highlighted line on a rich console."""

    def __init__(self, console: Console | None = None, *, bell: bool = True) -> None:
        self.console = console or Console(stderr=True)
        self.bell = bell

    def send(self, alert: Alert) -> None:
        summary, body = alert_text(alert)
        if self.bell:
            self.console.file.write("\a")
        style = "bold black on yellow" if alert.kind == "slouch" else "bold white on blue"
        # one print: under a rich Live view every print is redrawn on its own, so a first
        # part printed without its line end would be overwritten by the live status
        self.console.print(Text.assemble((f" {summary} ", style), " ", body))


class DesktopChannel:
    """``org.freedesktop.Notifications.Notify`` on the session bus (dbus-fast).

    Parameters
    ----------
    bus_address : str, optional
        Bus to use; default ``$DBUS_SESSION_BUS_ADDRESS``.
    app_name : str
    timeout_ms : int
        Expiry requested from the notification server (-1 = server default).
    """

    DESTINATION = "org.freedesktop.Notifications"
    PATH = "/org/freedesktop/Notifications"

    def __init__(self, bus_address: str | None = None, *, app_name: str = "posturelog",
                 timeout_ms: int = 10_000) -> None:
        self.bus_address = bus_address
        self.app_name = app_name
        self.timeout_ms = int(timeout_ms)
        self._bus: Any = None
        self._unavailable = False
        self._last_id = 0

    @property
    def available(self) -> bool:
        """False once connecting or sending has failed (logged once)."""
        return not self._unavailable

    def _give_up(self, why: str) -> None:
        if not self._unavailable:
            log.warning("desktop notifications off: %s", why)
        self._unavailable = True

    async def _connect(self) -> Any:
        from dbus_fast.aio import MessageBus

        address = self.bus_address or os.environ.get("DBUS_SESSION_BUS_ADDRESS")
        if not address:
            raise ConnectionError("no session D-Bus (DBUS_SESSION_BUS_ADDRESS is not set)")
        return await MessageBus(bus_address=address).connect()

    async def send(self, alert: Alert) -> int | None:
        """Show the notification; returns the server's id, or None when unavailable."""
        if self._unavailable:
            return None
        from dbus_fast import Message, MessageType, Variant

        summary, body = alert_text(alert)
        try:
            if self._bus is None:
                self._bus = await self._connect()
            reply = await self._bus.call(Message(
                destination=self.DESTINATION, path=self.PATH, interface=self.DESTINATION,
                member="Notify", signature="susssasa{sv}i",
                body=[self.app_name, 0, "dialog-warning", summary, body, [],
                      {"urgency": Variant("y", 1), "category": Variant("s", "posturelog.alert")},
                      self.timeout_ms],
            ))
        except Exception as exc:  # no bus, no server, connection lost: log once, carry on
            self._give_up(str(exc) or type(exc).__name__)
            return None
        if reply is None or reply.message_type == MessageType.ERROR:
            self._give_up(f"{self.DESTINATION} answered {getattr(reply, 'error_name', None)}")
            return None
        self._last_id = int(reply.body[0])
        return self._last_id

    def close(self) -> None:
        if self._bus is not None:
            self._bus.disconnect()
            self._bus = None
