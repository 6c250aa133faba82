"""Sensor profiles: one class per supported IMU model, plus lookup helpers.

>>> profile_by_key("witmotion").key
'witmotion'
"""

from __future__ import annotations

from sensor.profiles.base import ConfigWrite, Decoded, DecodeError, SensorProfile
from sensor.profiles.microbit import MicrobitProfile
from sensor.profiles.polar_h10 import PolarH10Profile
from sensor.profiles.sensortag import SensorTagProfile
from sensor.profiles.thingy52 import Thingy52Profile
from sensor.profiles.witmotion import WitMotionProfile, find_characteristic, uuid16

__all__ = [
    "PROFILES",
    "ConfigWrite",
    "DecodeError",
    "Decoded",
    "MicrobitProfile",
    "PolarH10Profile",
    "SensorProfile",
    "SensorTagProfile",
    "Thingy52Profile",
    "WitMotionProfile",
    "find_characteristic",
    "profile_by_key",
    "profile_for_advertisement",
    "uuid16",
]

#: Profile classes by key, in the order advertisements are matched.
PROFILES: dict[str, type[SensorProfile]] = {
    cls.key: cls
    for cls in (
        PolarH10Profile,
        Thingy52Profile,
        MicrobitProfile,
        SensorTagProfile,
        WitMotionProfile,
    )
}


def profile_for_advertisement(
    name: str | None, service_uuids: list[str] | tuple[str, ...] | None = None
) -> type[SensorProfile] | None:
    """The profile class whose model matches an advertisement, or ``None``.

    Parameters
    ----------
    name : str or None
        Advertised local name.
    service_uuids : list of str
        Advertised service UUIDs (any case).
    """
    uuids = [u.lower() for u in (service_uuids or [])]
    for cls in PROFILES.values():
        if cls.matches(name, uuids):
            return cls
    return None


def profile_by_key(key: str) -> type[SensorProfile]:
    """The profile class for ``key`` (``witmotion``, ``thingy52``, ``microbit``, ``sensortag``,
    ``polar_h10``; case and surrounding blanks ignored). The one lookup by key; make an
    instance with :meth:`SensorProfile.from_rate`.

    Raises
    ------
    ValueError
        For an unknown key (the message lists the known ones).
    """
    try:
        return PROFILES[key.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown sensor profile {key!r}; known: {', '.join(PROFILES)}") from None
