"""Plain per-sample reference of the causal tilt filter (tests only).

The vectorised kernel in ``analysis.tilt`` must match this loop (``test_tilt.py``), as vqf keeps
its reference implementation beside the comparison. It is written independently of the kernel:
Hamilton products with real components, ``math.sin``/``math.cos``, direct-form-II-transposed
biquads, and windows evaluated when they complete. Only the design constants are shared.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from analysis.tilt import TiltSettings
from analysis.tilt._arrays import FloatArray, check_inputs, check_rate
from analysis.tilt.design import FilterDesign

Biquads = list[list[FloatArray]]


class _Segment:
    """State restarted after every gap."""

    def __init__(self) -> None:
        self.q = np.array([1.0, 0.0, 0.0, 0.0])
        self.rest_g: list[FloatArray] = []
        self.rest_a: list[FloatArray] = []
        self.run = 0
        self.hist: list[FloatArray] = []
        self.win_x: list[FloatArray] = []
        self.win_r: list[FloatArray] = []
        self.n_w = 0
        self.init_sum: FloatArray | float = 0.0
        self.z: Biquads | None = None
        self.out_hist: list[FloatArray] = []
        self.u_prev: FloatArray | None = None
        self.info = np.zeros(12)
        self.drift = np.zeros(3)
        self.dz: Biquads | None = None
        self.d_sum = np.zeros(3)
        self.d_n = 0
        self.rest_obs: FloatArray | None = None
        self.slope = np.zeros(3)
        self.prev_ramp: FloatArray | None = None


class _Reference:
    def __init__(self, d: FilterDesign, s: TiltSettings, with_gyr: bool) -> None:
        self.d, self.s = d, s
        self.m = d.win
        self.tri = with_gyr and s.triangular_windows
        self.motion = with_gyr and s.motion_bias_estimation
        self.bias = np.zeros(3)  # a property of the sensor: survives gaps
        self.n_rest_seen = 0
        self.st = _Segment()

    # -- low-pass pieces
    def steady(self, y: FloatArray) -> Biquads:
        z = []
        u = y
        for b0, b1, b2, _a0, a1, a2 in self.d.sos_w:
            gain = (b0 + b1 + b2) / (1.0 + a1 + a2)
            yy = gain * u
            z.append([yy - b0 * u, b2 * u - a2 * yy])
            u = yy
        return z

    def biquads(self, z: Biquads, u: FloatArray) -> FloatArray:
        for sec, (b0, b1, b2, _a0, a1, a2) in zip(z, self.d.sos_w, strict=True):
            yy = b0 * u + sec[0]
            sec[0] = b1 * u - a1 * yy + sec[1]
            sec[1] = b2 * u - a2 * yy
            u = yy
        return u

    # -- rest detection and the rest bias, when a window completes
    def rest_update(self, g: FloatArray, a: FloatArray) -> None:
        d, st = self.d, self.st
        st.rest_g.append(g)
        st.rest_a.append(a)
        if len(st.rest_g) < self.m:
            return
        gm = np.mean(st.rest_g, axis=0)
        am = np.mean(st.rest_a, axis=0)
        vg = float(np.sum(np.mean((np.array(st.rest_g) - gm) ** 2, axis=0)))
        va = float(np.sum(np.mean((np.array(st.rest_a) - am) ** 2, axis=0)))
        # drift against the window n_rest earlier (the segment's first window early on)
        old = st.hist[max(0, len(st.hist) - d.n_rest)] if st.hist else am
        still = (
            vg < d.th_gyr2
            and va < d.th_acc2
            and float(gm @ gm) < d.clip2
            and float(np.sum((am - old) ** 2)) < d.th_drift2
        )
        st.run = st.run + 1 if still else 0
        st.rest_obs = gm if st.run >= d.n_rest else None
        if st.run >= d.n_rest:
            self.n_rest_seen += 1
            if self.n_rest_seen <= d.n_bias_mean:
                self.bias = self.bias + (gm - self.bias) / self.n_rest_seen
            else:
                self.bias = self.bias + d.alpha_bias * (gm - self.bias)
        st.hist.append(am)
        st.rest_g, st.rest_a = [], []

    # -- strapdown step: rotation matrix sensor -> I after this sample
    def rotate(self, w: FloatArray) -> FloatArray:
        h = w * (0.5 * self.d.dt)
        ang = math.sqrt(float(h @ h))
        sc = math.sin(ang) / ang if ang > 0 else 1.0
        dw, dx, dy, dz = math.cos(ang), sc * h[0], sc * h[1], sc * h[2]
        qw, qx, qy, qz = self.st.q
        q = np.array(
            [
                qw * dw - qx * dx - qy * dy - qz * dz,
                qw * dx + qx * dw + qy * dz - qz * dy,
                qw * dy - qx * dz + qy * dw + qz * dx,
                qw * dz + qx * dy - qy * dx + qz * dw,
            ]
        )
        self.st.q = q / np.linalg.norm(q)
        qw, qx, qy, qz = self.st.q
        return np.array(
            [
                [1 - 2 * (qy * qy + qz * qz), 2 * (qx * qy - qw * qz), 2 * (qx * qz + qw * qy)],
                [2 * (qx * qy + qw * qz), 1 - 2 * (qx * qx + qz * qz), 2 * (qy * qz - qw * qx)],
                [2 * (qx * qz - qw * qy), 2 * (qy * qz + qw * qx), 1 - 2 * (qx * qx + qy * qy)],
            ]
        )

    # -- the value for the sample at position j of the open window
    def predict(self, j: int, with_gyr: bool) -> FloatArray:
        st, m = self.st, self.m
        if st.n_w == 0:
            return np.asarray(np.mean(st.win_x, axis=0))
        base = st.out_hist[-1]
        if with_gyr and self.s.motion_bias_estimation:
            slope = st.slope  # predicted by the bias model
        else:
            slope = base - (st.out_hist[-2] if len(st.out_hist) > 1 else base)
        # the last window's low-pass value belongs to its centre (box windows) or its
        # start (triangular windows spanning it and the window before)
        centre = 0.5 * (m - 1) if not self.tri else -0.5
        return np.asarray(base + slope * ((j + m - centre) / m))

    # -- a window completed: its (box or triangular) mean
    def window_input(self, applied: FloatArray) -> FloatArray:
        st, m, motion = self.st, self.m, self.motion
        mean = np.mean(st.win_x, axis=0)
        rbar = np.mean(st.win_r, axis=0) if motion else np.zeros(0)
        rbv = rbar.reshape(3, 3) @ applied if motion else np.zeros(0)
        mean = np.concatenate([mean, rbar, rbv])
        if self.tri:
            w_up = (np.arange(m) + 0.5) / m
            ramp_x = w_up @ np.array(st.win_x) / m
            ramp_r = w_up @ np.array(st.win_r) / m if motion else np.zeros(0)
            ramp_rb = ramp_r.reshape(3, 3) @ applied if motion else np.zeros(0)
            ramp = np.concatenate([ramp_x, ramp_r, ramp_rb])
            prev = st.prev_ramp if st.prev_ramp is not None else ramp
            st.prev_ramp = ramp
            mean = prev + mean - ramp
        st.win_x, st.win_r = [], []
        return mean

    def lowpass(self, mean: FloatArray) -> FloatArray:
        st = self.st
        if st.z is None:
            st.init_sum = st.init_sum + mean
            filt = np.asarray(st.init_sum / (st.n_w + 1))
            if st.n_w + 1 >= self.d.n_init_w:
                st.z = self.steady(filt)
            return filt
        return self.biquads(st.z, mean)

    # -- motion-bias regression and lag correction of the window output
    def motion_correction(self, filt: FloatArray, mean: FloatArray, applied: FloatArray) -> FloatArray:
        d, st = self.d, self.st
        gw = filt[:3]
        tw = self.m * d.dt
        lmat = filt[3:12].reshape(3, 3)
        u = gw / np.linalg.norm(gw)
        yv = (u - (st.u_prev if st.u_prev is not None else u)) / tw + np.cross(filt[12:], u)
        st.u_prev = u
        pmat = lmat.T @ (np.eye(3) - np.outer(u, u)) @ lmat
        feat = np.concatenate([pmat.reshape(9), lmat.T @ np.cross(u, yv)])
        settled = st.n_w >= 2 * d.n_init_w
        st.info = d.motion_lambda * st.info + (feat if settled else 0.0)
        if st.rest_obs is not None:
            st.info = st.info + d.rest_weight * np.concatenate([np.eye(3).reshape(9), st.rest_obs])
        bhat = np.linalg.solve(
            st.info[:9].reshape(3, 3) + d.motion_prior * np.eye(3),
            st.info[9:] + d.motion_prior * applied,
        )
        omega = mean[3:12].reshape(3, 3) @ bhat - mean[12:] if settled else np.zeros(3)
        st.drift = st.drift + omega * tw
        if st.dz is None:
            st.d_sum = st.d_sum + st.drift
            st.d_n += 1
            lp_drift = st.d_sum / st.d_n
            if st.d_n >= d.n_init_w:
                st.dz = self.steady(lp_drift)
        else:
            lp_drift = self.biquads(st.dz, st.drift)
        gw = gw + np.cross(st.drift - lp_drift, gw)
        st.slope = np.cross(omega * tw, gw)
        return np.asarray(gw)

    def step(self, a: FloatArray, g: FloatArray | None) -> FloatArray:
        """Up vector (3,) after one good sample."""
        st = self.st
        applied = np.zeros(3)
        if g is not None:
            applied = self.bias.copy() if self.s.bias_estimation else np.zeros(3)
            if self.s.bias_estimation:
                self.rest_update(g, a)
            rot = self.rotate(g - applied)
            x = rot @ a
            st.win_r.append(rot.reshape(9))
        else:
            rot = np.eye(3)
            x = a
        j = len(st.win_x)
        st.win_x.append(x)
        y = self.predict(j, g is not None)
        if len(st.win_x) == self.m:
            mean = self.window_input(applied)
            filt = self.lowpass(mean)
            gw = self.motion_correction(filt, mean, applied) if self.motion else filt[:3]
            st.out_hist.append(gw)
            st.n_w += 1
        up = rot.T @ y
        return np.asarray(up / np.linalg.norm(up))


def gravity_direction_reference(
    acc_mps2: ArrayLike,
    gyr_rads: ArrayLike | None,
    fs_hz: float,
    settings: TiltSettings | None = None,
) -> FloatArray:
    """Per-sample loop implementation of the causal filter (slow; for tests). (N, 3) unit up."""
    fs = check_rate(fs_hz)
    acc, gyr = check_inputs(acc_mps2, gyr_rads)
    s = settings if settings is not None else TiltSettings()
    d = FilterDesign.make(
        s,
        fs,
        s.tau_acc_s if gyr is not None else s.tau_acc_only_s,
        gyr is not None and s.ramp_tracking,
    )
    ref = _Reference(d, s, gyr is not None)
    out = np.full((acc.shape[0], 3), np.nan)
    for k in range(acc.shape[0]):
        a = acc[k]
        g = None if gyr is None else gyr[k]
        if not np.isfinite(a).all() or (g is not None and not np.isfinite(g).all()):
            ref.st = _Segment()
            continue
        out[k] = ref.step(a, g)
    return out
