"""Fake sensors that take alert cues: :class:`ThingyCuePeripheral`, a Thingy:52 with its LED
and speaker, which checks every cue write the way the firmware does.
"""

from __future__ import annotations

from typing import Any

from tests.fakebluez.gatt import GattCharacteristic, GattError, GattService, characteristic
from tests.fakebluez.peripherals import ThingyPeripheral, thingy_uuid

__all__ = ["ThingyCuePeripheral"]

#: LED characteristic length per mode (0 off, 1 constant, 2 breathe, 3 one-shot): Thingy:52
#: firmware ``ble_uis.h``, ``BLE_UIS_LED_MODE_*_LENGTH``.
_THINGY_LED_LENGTHS = {0: 1, 1: 4, 2: 5, 3: 3}


class ThingyCuePeripheral(ThingyPeripheral):
    """A Thingy:52 that also exports the UI service (LED ``EF680301``) and the Sound service
    (configuration ``EF680501``, speaker data ``EF680502``), so alert cues can be tested end to end.

    Writes are checked the way the firmware documents them (LED mode lengths 1/4/5/3, colour
    1–7, intensity 1–100 %, breathe delay 50–10000 ms; speaker mode 1–3 and microphone mode
    1–2; speaker data 5 bytes in frequency mode, 1 byte (sample 0–8) in sample mode) and refused
    with ``NotPermitted`` otherwise; accepted ones are kept in :attr:`cue_writes` (every write is
    also in :attr:`FakeDevice.writes`). Sources: the Thingy:52 firmware's ``ble_uis.h`` (LED
    modes and ranges) and Nordic's Web Bluetooth library Nordic-Thingy52-Thingyjs
    (``SoundConfigurationService.js``, ``SpeakerDataService.js``: modes and speaker data).
    """

    led_uuid = thingy_uuid(0x0301)
    sound_config_uuid = thingy_uuid(0x0501)
    speaker_data_uuid = thingy_uuid(0x0502)

    def __init__(self, address: str, name: str = "Thingy", **kwargs: Any) -> None:
        super().__init__(address, name, **kwargs)
        self.services += [
            GattService(thingy_uuid(0x0300), [
                characteristic(self.led_uuid, "read", "write", value=bytes([2, 6, 20]) + (3500).to_bytes(2, "little")),
                characteristic(thingy_uuid(0x0302), "notify"),  # button
            ]),
            GattService(thingy_uuid(0x0500), [
                characteristic(self.sound_config_uuid, "read", "write", value=bytes([1, 1])),
                characteristic(self.speaker_data_uuid, "write-without-response"),
                characteristic(thingy_uuid(0x0503), "notify"),  # speaker status
                characteristic(thingy_uuid(0x0504), "notify"),  # microphone
            ]),
        ]
        self.cue_writes: list[tuple[str, bytes]] = []

    def _valid_cue(self, uuid: str, data: bytes) -> bool:
        if uuid == self.led_uuid:
            if not data or _THINGY_LED_LENGTHS.get(data[0]) != len(data):
                return False
            if data[0] in (2, 3) and not (1 <= data[1] <= 7 and 1 <= data[2] <= 100):
                return False
            return data[0] != 2 or 50 <= int.from_bytes(data[3:5], "little") <= 10000
        if uuid == self.sound_config_uuid:
            return len(data) == 2 and 1 <= data[0] <= 3 and 1 <= data[1] <= 2
        mode = self.char(self.sound_config_uuid).value[0]
        if mode == 1:
            return len(data) == 5 and data[4] <= 100
        if mode == 3:
            return len(data) == 1 and data[0] <= 8
        return len(data) > 0  # 8-bit PCM stream

    def on_write(self, char: GattCharacteristic, data: bytes, response: bool) -> None:
        if char.uuid not in (self.led_uuid, self.sound_config_uuid, self.speaker_data_uuid):
            super().on_write(char, data, response)
            return
        if not self._valid_cue(char.uuid, bytes(data)):
            raise GattError("org.bluez.Error.NotPermitted", "Write not permitted")
        if char.uuid != self.speaker_data_uuid:
            char.value = bytes(data)
        self.cue_writes.append((char.uuid, bytes(data)))
