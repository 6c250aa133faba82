"""Signal synthesis: per-sample trunk and sensor orientation and linear acceleration of a plan.

Vectorised over samples. Trunk orientation (body → world) is
``Q = Rz(heading) · Ry(flexion) · Rx(lateral) · Rz(axial)`` from the plan's keyframed postures
plus smooth noise, breathing and gait; the sensor orientation is ``Q Mᵀ`` while worn, a still
pose off the body, and a slerp with hand jitter while handled.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from kinematics import quaternion as quat
from sensor.simulate.curves import SmoothNoise, eval_keys, smoothstep
from sensor.simulate.plan import FAR_S, MODE_HANDLING, MODE_STATIC, Plan

__all__ = ["Synthesizer"]

FloatArray = NDArray[np.float64]


class Synthesizer:
    """Vectorised per-sample synthesis of one planned day."""

    def __init__(self, plan: Plan, rng: np.random.Generator) -> None:
        self.plan = plan
        lo, hi = -120.0, plan.length_s + 120.0
        self.flex_noise = [
            SmoothNoise.draw(rng, lo, hi, 60.0, 2.0),
            SmoothNoise.draw(rng, lo, hi, 3.0, 0.6),
        ]
        self.lat_noise = [
            SmoothNoise.draw(rng, lo, hi, 90.0, 1.5),
            SmoothNoise.draw(rng, lo, hi, 3.0, 0.5),
        ]
        self.heading_noise = SmoothNoise.draw(rng, lo, hi, 20.0, 5.0)
        self.axial_noise = SmoothNoise.draw(rng, lo, hi, 6.0, 1.5)
        self.jitter = SmoothNoise.draw(rng, lo, hi, 0.4, 0.15, dims=3)
        self.breath_hz = float(rng.uniform(0.2, 0.3))
        self.breath_deg = float(rng.uniform(0.2, 0.5))
        segs = plan.segments
        self.seg_start = np.array([s.start_s for s in segs])
        self.seg_start[0] = -FAR_S
        self.seg_end = np.array([s.end_s for s in segs])
        self.seg_mode = np.array([s.mode for s in segs], dtype=np.int8)
        self.seg_context = np.array([s.context for s in segs], dtype=np.uint8)
        self.seg_worn = np.array([s.worn for s in segs], dtype=bool)
        self.mount_start = np.array([m[0] for m in plan.mounts])
        self.mount_q = np.array([m[1] for m in plan.mounts])
        self.mount_bias = np.array([m[2] for m in plan.mounts])
        self.ep_start = np.array([e[0] for e in plan.episodes])
        self.ep_end = np.array([e[1] for e in plan.episodes])
        identity = np.array([1.0, 0.0, 0.0, 0.0])
        self.seg_pose = np.array([s.pose if s.pose is not None else identity for s in segs])
        self.seg_qa = np.tile(identity, (len(segs), 1))
        self.seg_qb = np.tile(identity, (len(segs), 1))
        for i, s in enumerate(segs):
            if s.mode == MODE_HANDLING:
                self.seg_qa[i] = self._endpoint_pose(i - 1, s.start_s)
                self.seg_qb[i] = self._endpoint_pose(i + 1, s.end_s)

    def _endpoint_pose(self, i: int, t: float) -> FloatArray:
        i = min(max(i, 0), len(self.plan.segments) - 1)
        if self.seg_mode[i] == MODE_STATIC:
            pose: FloatArray = self.seg_pose[i]
            return pose
        q_body, _ = self.body(np.array([t]))
        m = self.mount_q[max(int(np.searchsorted(self.mount_start, t, side="right")) - 1, 0)]
        moving: FloatArray = quat.multiply(q_body, quat.conjugate(m))[0]
        return moving

    def body(self, t: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Trunk orientation (body → world quaternions, (n, 4)) and linear acceleration (n, 3)."""
        plan = self.plan
        kv = eval_keys(plan.key_t, plan.key_v, t)
        window = smoothstep(t / 60.0) * smoothstep((plan.length_s - t) / 60.0)
        g = kv[:, 4] * window
        flex = kv[:, 0] + g * (
            self.flex_noise[0](t)
            + self.flex_noise[1](t)
            + self.breath_deg * np.sin(2 * np.pi * self.breath_hz * t)
        )
        lat = kv[:, 1] + g * (self.lat_noise[0](t) + self.lat_noise[1](t))
        axial = kv[:, 2] + g * self.axial_noise(t)
        heading = kv[:, 3] + g * self.heading_noise(t)
        del kv
        lin = np.zeros((t.size, 3))
        b = plan.bouts
        if b.shape[0]:
            j = np.clip(np.searchsorted(b[:, 0], t, side="right") - 1, 0, b.shape[0] - 1)
            inside = (t >= b[j, 0]) & (t < b[j, 1])
            if np.any(inside):
                ti = t[inside]
                bj = b[j[inside]]
                env = smoothstep(ti - bj[:, 0]) * smoothstep(bj[:, 1] - ti)
                phase = 2.0 * np.pi * bj[:, 2] * (ti - bj[:, 0]) + bj[:, 9]
                flex[inside] += env * bj[:, 6] * np.sin(phase + 0.5)
                lat[inside] += env * bj[:, 7] * np.sin(0.5 * phase)
                axial[inside] += env * bj[:, 8] * np.sin(0.5 * phase + 1.2)
                psi = np.radians(heading[inside])
                a_v = bj[:, 3] * (np.cos(phase) + 0.3 * np.cos(2.0 * phase))
                a_ap = bj[:, 4] * np.cos(phase - 0.9)
                a_ml = bj[:, 5] * np.sin(0.5 * phase + 0.3)
                lin[inside] = env[:, None] * np.stack(
                    (
                        a_ap * np.cos(psi) - a_ml * np.sin(psi),
                        a_ap * np.sin(psi) + a_ml * np.cos(psi),
                        a_v,
                    ),
                    axis=-1,
                )
        # qz(heading) ⊗ qy(flex) and qx(lat) ⊗ qz(axial) in closed form (half angles)
        h = np.radians(0.5) * np.stack((heading, flex, lat, axial))
        c, s = np.cos(h), np.sin(h)
        left = np.stack((c[0] * c[1], -s[0] * s[1], c[0] * s[1], s[0] * c[1]), axis=-1)
        right = np.stack((c[2] * c[3], s[2] * c[3], -s[2] * s[3], c[2] * s[3]), axis=-1)
        return quat.multiply(left, right), lin

    def sensor(
        self, t: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.int64], NDArray[np.int64]]:
        """Sensor → world quaternions (n, 4), linear acceleration (n, 3), body up (n, 3), indices.

        The body-frame up vector is NaN where the sensor lies still off the body. Returns
        segment and mounting indices per sample as the last two items.
        """
        seg = np.clip(
            np.searchsorted(self.seg_start, t, side="right") - 1, 0, self.seg_start.size - 1
        )
        mount = np.clip(
            np.searchsorted(self.mount_start, t, side="right") - 1, 0, self.mount_start.size - 1
        )
        mode = self.seg_mode[seg]
        static = mode == MODE_STATIC
        # the trunk is only needed where the sensor is not lying still somewhere
        s = np.empty((t.size, 4))
        lin = np.zeros((t.size, 3))
        up_body = np.full((t.size, 3), np.nan)
        if np.all(static):
            s[:] = self.seg_pose[seg]
        else:
            moving = ~static
            q_body, lin_moving = self.body(t[moving])
            s[moving] = quat.multiply(q_body, quat.conjugate(self.mount_q[mount[moving]]))
            up_body[moving] = quat.up_in_frame(q_body)
            lin[moving] = lin_moving
            del q_body, lin_moving
            s[static] = self.seg_pose[seg[static]]
        handling = mode == MODE_HANDLING
        if np.any(handling):
            sh = seg[handling]
            th = t[handling]
            frac = np.clip(
                (th - self.seg_start[sh]) / (self.seg_end[sh] - self.seg_start[sh]), 0.0, 1.0
            )
            qa = self.seg_qa[sh]
            rel = quat.to_rotation_vector(quat.multiply(quat.conjugate(qa), self.seg_qb[sh]))
            env = np.sin(np.pi * frac) ** 2
            s[handling] = quat.multiply(
                quat.multiply(qa, quat.from_rotation_vector(rel * smoothstep(frac)[:, None])),
                quat.from_rotation_vector(self.jitter(th) * env[:, None]),
            )
            lin[handling] = 0.0
        s /= np.linalg.norm(s, axis=1, keepdims=True)
        return s, lin, up_body, seg, mount
