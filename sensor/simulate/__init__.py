"""A simulated wearer: physically consistent IMU data with per-sample truth, pain and remedies.

Modules: :mod:`~sensor.simulate.settings` (parameters), :mod:`~sensor.simulate.truth` (what
comes out), :mod:`~sensor.simulate.schedule`, :mod:`~sensor.simulate.activities`,
:mod:`~sensor.simulate.draft` and :mod:`~sensor.simulate.plan` (the day's activities),
:mod:`~sensor.simulate.mounting` (how the sensor sits),
:mod:`~sensor.simulate.curves` and :mod:`~sensor.simulate.synthesis` (per-sample signals),
:mod:`~sensor.simulate.device` (the sensor's clock and errors), :mod:`~sensor.simulate.recording`
(a plan recorded as samples and batches), :mod:`~sensor.simulate.pain` (pain and remedies),
:mod:`~sensor.simulate.stretching` and :mod:`~sensor.simulate.stretch_session` (stretch
sessions), :mod:`~sensor.simulate.wearer` (the whole).

The simulator produces what a commodity IMU (accelerometer + gyroscope) taped between the
shoulder blades (T2–T6) would record over whole days, together with the truth an analysis is
validated against (true gravity direction, trunk angles, context, wear, slouch episodes,
mounting rotations, calibration routines) and a plausible pain / remedy log.

Everything is deterministic given ``SimulationSettings.seed``; day ``k`` depends only on
``(seed, k)`` (and on the two nights around it, which are drawn from ``(seed, night index)``),
so ``day(5)`` never generates days 0–4.

Frames and conventions
----------------------
* World frame ``W``: x horizontal (arbitrary heading origin), y horizontal, z up.
* Body (trunk) frame ``B``: x anterior (forward), y to the wearer's left, z cranial (up the
  spine). ``B`` coincides with the wearer's own "stand tall" upright, so kyphosis is absorbed in
  the mounting rotation and flexion is always relative to the wearer's upright.
* Sensor frame ``S``: the IMU's axes.
* Trunk orientation (body → world) ``Q = Rz(heading) · Ry(flexion) · Rx(lateral) · Rz(axial)``:
  positive flexion tilts the trunk forward, positive lateral bend tilts it to the right, axial
  is a roll about the spine (used for twisting while walking and for side/prone lying).
* Mounting ``M`` (3×3, body → sensor coordinates): ``v_S = M v_B``. Each attachment draws a new
  ``M``: one of 8 nominal axis assignments (sensor flat on the back, its x axis up the spine for
  the default; the other seven rotate the sensor by 90° steps about the skin normal and/or flip
  it face-in; the default is used on about half of the attachments) composed with a tilt of
  0–25° about the medio-lateral axis (kyphosis, shoulder-blade shape), a small random
  rotation (≈4° rms) and a rotation about the skin normal of ±30° (uniform over the full circle
  on 15 % of attachments).
* Sensor orientation (sensor → world) ``R_S = Q Mᵀ`` while worn. Off the body (night table,
  shower shelf) ``R_S`` is a constant random pose (flat on one face, arbitrary, or leaning), and
  while the sensor is handled (attach/detach, a few seconds) it is slerped between the two
  endpoint poses with hand jitter.

Physics of the signals
----------------------
* ``up_sensor = R_Sᵀ e_z`` (unit gravity-opposite direction in the sensor frame).
* Accelerometer (specific force): ``f = R_Sᵀ (a_lin + g e_z)`` with ``g = 9.81 m/s²``. The
  linear acceleration ``a_lin`` comes from gait (below); slow postural motions contribute
  negligible linear acceleration and are ignored.
* Gyroscope: exact discrete kinematics. The angular rate reported with sample ``k`` is the
  rotation from sample ``k−1`` to ``k`` expressed in the sensor frame divided by the true
  sample period: ``ω_k = log(R_S,k−1ᵀ R_S,k) / Δt`` (the usual strapdown update in which
  sample ``k`` advances orientation ``k−1`` to ``k``). Integrating the bias-free gyroscope
  with ``R_k = R_k−1 exp([ω_k Δt]×)`` therefore reproduces ``up_sensor`` to rounding error.
* Trunk angles are keyframed postures joined by C¹ (smoothstep) transitions of a few seconds,
  plus smooth noise (slow drift, small movements, breathing at 0.2–0.3 Hz). Near local
  midnight the noise fades out so the two days meeting there agree exactly (bed postures,
  table poses and the mounting of the night are shared by both days).
* Gait: step frequency 1.6–2.2 Hz (person-specific, per bout jitter), vertical linear
  acceleration 2–3 m/s² amplitude at the step frequency (plus a small 2nd harmonic),
  antero-posterior 1–1.8 m/s² at the step frequency, medio-lateral 0.6–1.2 m/s² at the stride
  frequency (half the step frequency); trunk flexion oscillation 0.8–2°, lateral sway 1.5–3.5°
  and axial twist 2–4° at the stride/step frequency; forward lean 3–8°; turns of 20–180°.
* Other postures: standing 0–5°; meals 3–15° with reaches; sofa sitting −20…+5° (reclined,
  so negative flexion); lying (bed, sofa) with the trunk 72–90° from vertical, supine, on a
  side or (in bed) prone, turning by 90° rolls about the spine.

Daily schedule (local time in ``settings.timezone``, DST-correct; a local day is 23–25 h)
--------------------------------------------------------------------------------------
Night: in bed, sensor on the nightstand (non-wear, perfectly still) or, with probability
``night_wear_probability``, worn lying with turns every ~50 min. Morning: wake (weekday
06:18–07:30, weekend 07:18–09:00), attach 15–45 min later with a new mounting, then on most
days the calibration routine ("stand tall 5 s, bend forward 30–50° and back"). Weekdays:
breakfast, commute (walk, wait, seated train, walk), desk blocks with breaks, lunch, desk,
commute home. Weekends: laptop work, a long walk, lunch, sofa, errands. Every afternoon/evening
a shower (detach, sensor on a shelf 10–25 min, re-attach with a new mounting and sometimes a
routine), dinner, sofa sitting, often sofa lying (worn, trunk near horizontal), bedtime
22:15–23:45 (detach to the nightstand unless worn in bed).

Desk work alternates upright sitting (flexion 0–12°, sub-postures of 1–6 min, forward reaches of
3–20 s hold + transitions, always < 30 s in total) and slouch episodes (flexion 22–45°,
log-normal lengths 1–40 min, 2–6 s transitions). ``slouch`` truth marks the *intended* slouch
episodes, from the middle of the transition in to the middle of the transition out. Reaches
are never slouch, and nothing outside desk work (in particular lying and non-wear) is.
The schedule and the trunk motion do not depend on ``fs_hz``: the same seed at 10 Hz and at
50 Hz describes the same day (only the white noise differs).

Sensor errors
-------------
Accelerometer white noise (``acc_noise_mps2``) and a constant bias per attachment
(``acc_bias_mps2`` rms per axis); gyroscope white noise (``gyr_noise_rads``) and a slowly
varying bias, a bounded quasi-random walk (sum of sinusoids with 0.5–8 h periods around a
per-axis offset, within ±2·``gyr_bias_rads``) defined in absolute time so it is continuous
across days (:meth:`SimulatedWearer.gyroscope_bias`); optional 16-bit quantisation
with saturation (±16 g, ±2000 °/s).

Sensor clock and recorded data
------------------------------
The sensor samples with true period ``(1 + clock_drift_ppm·1e-6) / fs_hz`` starting at local
midnight of ``start_date``; ``t_ns`` are the *true* UTC sample times (so they drift from the
nominal rate, see :attr:`SimulatedWearer.true_rate_hz`). The sensor streams 24 h a day, worn or
not. With ``link_gaps`` 1–3 link losses of 3–60 s per day drop samples: they are absent from
every array of :class:`SimulatedDay`, listed in ``SimulatedDay.gaps``, and the next batch of
:meth:`SimulatedWearer.batches` has ``gap_before=True``.

Pain and remedies
-----------------
3–6 momentary 0–10 ratings per day at random waking times::

    score = round(clip(3 + d + pain_slouch_gain · (slouch minutes in the previous 3 h) / 60
                       + 0.3 · (previous day's slouch hours) − relief + N(0, 1), 0, 10))

with a per-day offset ``d ~ N(0, 0.5)``, where relief comes from
remedies taken in the preceding hours (painkiller −1.5 for 4 h, heat −1 for 3 h, stretch −0.7
for 2 h, ice −0.5 for 2 h). Remedies: painkiller after a rating ≥ 6 (60 %), stretch after a
rating ≥ 5 (50 %) and occasionally otherwise, heat in the evening on ~35 % of days, ice on
~15 % of days. Pain and remedies use only the day schedules, never the raw signal.

Stretch sessions
----------------
With ``SimulationSettings.stretching`` the wearer does prompted stretch routines (thoracic
extension, lying knee twist, doorway, scapular squeeze) after the morning attachment, after
lunch and after the evening shower, done well or with a fault (flexion instead of extension,
too-short holds, bouncing, twisting while sitting, fidgeting or leaning in the doorway), with
per-repetition truth (:mod:`~sensor.simulate.stretching`, :meth:`SimulatedWearer.stretch_sessions`);
each is logged as a ``stretch`` remedy with the note ``posturelog stretch`` writes, with pain
ratings around it. :meth:`SimulatedWearer.stretch_session` synthesises one session on its own.
The option draws from its own random streams: without it the output is unchanged.
"""

from sensor.simulate.settings import SimulationSettings
from sensor.simulate.stretch_session import SimulatedStretch
from sensor.simulate.stretching import FAULTS, StretchRep, StretchSession
from sensor.simulate.truth import (
    CONTEXTS,
    GRAVITY_MPS2,
    REMEDY_KINDS,
    PainRating,
    Remedy,
    SimulatedDay,
)
from sensor.simulate.wearer import SimulatedWearer

__all__ = [
    "CONTEXTS",
    "FAULTS",
    "GRAVITY_MPS2",
    "REMEDY_KINDS",
    "PainRating",
    "Remedy",
    "SimulatedDay",
    "SimulatedStretch",
    "SimulatedWearer",
    "SimulationSettings",
    "StretchRep",
    "StretchSession",
]
