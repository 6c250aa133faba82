"""Issue 8: public names nothing calls are gone (a re-added one must earn a caller)."""

from __future__ import annotations

import pytest

import posturelog.store
from analysis.settings import AnalysisSettings
from posturelog.store import Store


@pytest.mark.parametrize(
    ("owner", "name"),
    [(Store, "describe"), (Store, "read_samples_arrow"), (AnalysisSettings, "with_"),
     (posturelog.store, "_partition_bound")],
)
def test_dead_surface_is_removed(owner: object, name: str) -> None:
    assert not hasattr(owner, name)
