"""Stretch verification against the simulator's truth: reps, holds and wrong stretches.

For every routine and way of doing it (well, or each fault of
``sensor.simulate.stretching.FAULTS``), ``--sessions`` simulated sessions at ``--rate`` Hz go
through the ``posturelog stretch`` path (zero-phase tilt filter → angles →
``analysis.stretches``), both as the final check and as the live verdicts per repetition, and
are compared with the truth:

* sessions whose counted reps equal the correct reps (must be all),
* repetitions done wrong but counted (must be 0),
* |hold − true hold| of the counted reps, seconds (median and max; the squeeze is timing only),
* live verdicts per repetition that disagree with the truth.

Usage::

    python benchmarks/validate_stretch.py [--sessions 20] [--rate 50]
"""

from __future__ import annotations

import argparse
import logging

import numpy as np

from analysis.calibration import Mounting
from posturelog.stretch import (
    RepetitionFeedback,
    angles_from_samples,
    check_stretch,
    prompt_schedule,
)
from sensor.batch import SampleBatch
from sensor.simulate import FAULTS, SimulatedWearer, SimulationSettings

log = logging.getLogger("validate_stretch")


def main() -> None:
    """Run the validation and log one line per routine and fault."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rate", type=float, default=50.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    w = SimulatedWearer(SimulationSettings(days=1, fs_hz=args.rate, seed=2026))
    log.info("%-20s %-8s %9s %10s %10s %14s %9s", "routine", "done", "sessions", "exact reps",
             "wrong cnt", "|hold err| s", "live off")
    for routine, faults in FAULTS.items():
        plan = prompt_schedule(routine)
        for fault in ("", *faults):
            exact = wrong_counted = live_off = 0
            errors: list[float] = []
            for k in range(args.sessions):
                sim = w.stretch_session(routine, fault, index=k)
                s, d = sim.session, sim.samples
                mounting = Mounting.from_axes(sim.mounting[:, 2], sim.mounting[:, 0], "routine")
                inside = (d.t_ns >= s.start_ns) & (d.t_ns < s.end_ns)
                angles = angles_from_samples(sim.seconds()[inside], d.acc_mps2[inside],
                                             d.gyr_rads[inside], w.true_rate_hz, mounting)
                res = check_stretch(plan, angles)
                good = [r for r in s.reps if r.correct]
                exact += res.reps == len(good)
                wrong_counted += max(res.reps - len(good), 0)
                if res.reps == len(good) and routine != "scapular-squeeze":
                    errors += list(np.abs(np.subtract(res.holds_s, [r.hold_s for r in good])))
                live = RepetitionFeedback(plan, mounting)
                i0 = int(np.searchsorted(d.t_ns, s.start_ns))
                checks = []
                for i in range(i0, d.t_ns.size, 5):
                    checks += live.add(SampleBatch(d.t_ns[i:i + 5], d.acc_mps2[i:i + 5],
                                                   d.gyr_rads[i:i + 5]), s.start_ns)
                live_off += sum(c.counted != r.correct for c, r in zip(checks, s.reps, strict=True))
            err = (f"{np.median(errors):.2f} / {np.max(errors):.2f}" if errors else "—")
            log.info("%-20s %-8s %9d %10d %10d %14s %9d", routine, fault or "well", args.sessions,
                     exact, wrong_counted, err, live_off)


if __name__ == "__main__":
    main()
