"""Run the fake BlueZ by hand: ``python -m tests.fakebluez [--faults drop]``.

Starts a private D-Bus with one fake sensor per supported model, a colleague's second
WitMotion and an unsupported fitness band, prints the environment to use, and runs until
Ctrl-C. In another shell::

    export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/tmp/fakebt-…/bus/bus
    posturelog scan
    posturelog record --device Thingy --duration 30
"""

from __future__ import annotations

import argparse
import signal
import threading

from tests.fakebluez import FakeBluetooth, Faults, UnsupportedPeripheral, make_peripheral


def main() -> None:
    parser = argparse.ArgumentParser(description="fake BlueZ with fake sensors on a private D-Bus")
    parser.add_argument("--drop-every", type=float, default=None, help="drop every link after S seconds")
    args = parser.parse_args()
    faults = Faults(drop_every_s=args.drop_every)
    devices = [
        make_peripheral("witmotion", "C0:FF:EE:00:00:01", "WT901BLE67", faults=faults),
        make_peripheral("witmotion", "C0:FF:EE:00:00:02", "WT901BLE12"),
        make_peripheral("thingy52", "C0:FF:EE:00:00:03", faults=faults),
        make_peripheral("microbit", "C0:FF:EE:00:00:04", faults=faults),
        make_peripheral("sensortag", "C0:FF:EE:00:00:05", faults=faults),
        make_peripheral("polar_h10", "C0:FF:EE:00:00:06", faults=faults),
        UnsupportedPeripheral("C0:FF:EE:00:00:99"),
    ]
    done = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: done.set())
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with FakeBluetooth(devices, set_env=False) as bt:
        print(f"export DBUS_SYSTEM_BUS_ADDRESS={bt.address}")
        print(f"export PATH={bt.bin_dir}:$PATH   # bluetoothctl shim (optional)")
        print("fake sensors: " + ", ".join(f"{d.name} ({d.address})" for d in devices), flush=True)
        done.wait()


if __name__ == "__main__":
    main()
