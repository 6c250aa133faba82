"""Raw IMU samples → per-second epochs: flexion, wear, context, slouch.

* :mod:`analysis.epochs.features`: per-second features of the samples;
* :mod:`analysis.epochs.mountings`: wear bouts and the mounting (calibration) of each;
* :mod:`analysis.epochs.estimates`: the estimated upright of a bout without a mounting;
* :mod:`analysis.epochs.angles`: per-second angles and calibration labels from the bouts'
  mountings (:class:`BoutRecord`);
* :mod:`analysis.epochs.day`: one day assembled (:func:`epochs_from_arrays`,
  :func:`epochs_from_samples`; :func:`prepare_day` / :func:`finish_day` for days prepared
  in parallel and finished in order).
"""

from analysis.epochs.angles import BoutRecord
from analysis.epochs.day import (
    CALIBRATION_CONFIDENCE,
    CALIBRATION_SOURCES,
    EPOCH_COLUMNS,
    EpochsInfo,
    PreparedDay,
    empty_epochs,
    epochs_from_arrays,
    epochs_from_samples,
    finish_day,
    prepare_day,
)
from analysis.epochs.features import (
    FEATURE_COLUMNS,
    MIN_STEP_RATE_HZ,
    acc_resolution_mps2,
    second_features,
    step_band_availability,
)

__all__ = [
    "BoutRecord",
    "CALIBRATION_CONFIDENCE",
    "CALIBRATION_SOURCES",
    "EPOCH_COLUMNS",
    "EpochsInfo",
    "FEATURE_COLUMNS",
    "MIN_STEP_RATE_HZ",
    "PreparedDay",
    "acc_resolution_mps2",
    "empty_epochs",
    "epochs_from_arrays",
    "epochs_from_samples",
    "finish_day",
    "prepare_day",
    "second_features",
    "step_band_availability",
]
