"""Issue 8: each shared concept is defined once and every package uses that definition."""

from __future__ import annotations

import numpy as np
import pytest

import analysis.context
import posturelog.eventlog
import posturelog.segments
import sensor.simulate
from posturelog.errors import InputError
from posturelog.painscore import check_pain_score
from vocab.samples import SAMPLE_COLUMNS, rate_from_times
from vocab.terms import CONTEXTS, REMEDY_KINDS
from vocab.units import NS_PER_S, require_positive_finite


def test_store_and_simulator_share_the_vocabulary() -> None:
    assert posturelog.eventlog.REMEDY_KINDS is REMEDY_KINDS
    assert sensor.simulate.REMEDY_KINDS is REMEDY_KINDS
    assert sensor.simulate.CONTEXTS is CONTEXTS
    assert list(analysis.context.CONTEXT_DTYPE.categories) == list(CONTEXTS)
    assert posturelog.segments.SAMPLE_COLUMNS is SAMPLE_COLUMNS


def test_rate_from_times_uses_the_median_interval() -> None:
    t = np.arange(0, 10 * NS_PER_S, NS_PER_S // 50, dtype=np.int64)
    t = np.insert(t, 100, t[100] - 1)  # one odd interval does not move the median
    assert rate_from_times(np.sort(t)) == pytest.approx(50.0)
    assert rate_from_times(t[:1]) == 0.0


@pytest.mark.parametrize("value", [0, float("nan"), float("inf"), -1.0, "x"])
def test_positive_finite_refuses(value: object) -> None:
    with pytest.raises(ValueError, match="speed must be a positive finite number"):
        require_positive_finite("speed", value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [0, 10, "7", " 3 ", 4.0])
def test_pain_score_accepts(value: object) -> None:
    assert check_pain_score(value) == int(str(value).strip().split(".")[0])


@pytest.mark.parametrize("value", [-1, 11, 2.5, True, "٣", "3.0", None, ""])
def test_pain_score_refuses(value: object) -> None:
    with pytest.raises(InputError, match="from 0 to 10"):
        check_pain_score(value)
