"""``posturelog stretch``: prompt a routine on the live sensor, check it, log a ``stretch`` remedy."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from rich.console import Console

from posturelog.live_state import latest_mounting
from posturelog.store import Store
from posturelog.stretch import (
    RepCheck,
    RepetitionFeedback,
    StretchPlan,
    angles_from_samples,
    check_stretch,
    prompt_schedule,
    stretch_note,
)
from sensor.batch import SampleBatch

__all__ = ["live_feedback", "log_stretch", "run_stretch"]

log = logging.getLogger(__name__)


def log_stretch(store: Store, t_ns: int, note: str) -> int:
    """Store a ``stretch`` remedy at ``t_ns`` with ``note``; returns its id."""
    return int(store.add_events([(int(t_ns), "stretch", None, note)])[0])


def _say(console: Console, check: RepCheck) -> None:
    colour = "green" if check.counted else "yellow"
    console.print(f"[{colour}]{'✓' if check.counted else '✗'}[/] {check.line()}")
    log.info("%s", check.line())


def live_feedback(feedback: RepetitionFeedback, console: Console) -> Callable[[SampleBatch, int], None]:
    """The ``run_guided`` listener that prints each repetition's verdict once it is due."""

    def on_batch(batch: SampleBatch, start_ns: int) -> None:
        for check in feedback.add(batch, start_ns):
            _say(console, check)

    return on_batch


def run_stretch(store: Store, routine: str | None, reps: int | None, console: Console) -> str:
    """Prompt the routine, check it with the sensor stream, log it; a line for the user.

    Raises
    ------
    UserError
        Unknown routine or reps, no calibration yet (for routines the sensor checks), or the
        sensor not found.
    """
    from posturelog.errors import UserError
    from posturelog.guided import run_guided

    plan: StretchPlan = prompt_schedule(routine or "thoracic-extension", reps)
    mounting = latest_mounting(store)
    if mounting is None and plan.routine != "scapular-squeeze":
        raise UserError("no calibration yet: run `posturelog calibrate` with the sensor on first, "
                        "so that the stretch can be checked")
    feedback = RepetitionFeedback(plan, mounting)
    collected = run_guided(store, plan.prompts, plan.duration_s, console, record=False,
                           on_batch=live_feedback(feedback, console))
    for check in feedback.finish(collected.start_ns):
        _say(console, check)
    angles = None
    if mounting is not None and collected.t_ns.size >= 2:
        angles = angles_from_samples(collected.t_s, collected.acc_mps2, collected.gyr_rads,
                                     collected.fs_hz, mounting)
    result = check_stretch(plan, angles)
    note = stretch_note(plan, result)
    log_stretch(store, collected.start_ns if collected.start_ns else time.time_ns(), note)
    return f"Logged a stretch: {note}"
