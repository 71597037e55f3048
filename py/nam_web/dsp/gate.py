"""The NAM plugin's noise gate: a detector on the input, its gain applied to the model's output.

Detector (the plugin's ``Trigger``): a power follower l[n] = α·l[n−1] + (1−α)·x[n]², α = ½^(1/(τ·fs)),
τ = 10 ms, kept within [10⁻¹², 10³]. Below the threshold T (dB) it targets a gain reduction of
−ratio·(L − T)² dB (ratio 0.1, quadratic), reached at most −GR_max/5 ms per second when opening and
GR_max/50 ms per second when closing, each sample moving half-way to the target; once fully open it
holds for 10 ms of level below T before it may close. GR_max is the reduction at −120 dB.
The gain is 10^(GR/10), as the plugin applies it. Off by default; at the plugin's default
threshold of −80 dB it only acts on near-silence. Unlike the plugin's hard switch, switching it on
starts it open and switching it off lets the gain rise back over :data:`RELEASE_S`.

Vectorised per block: the follower is a one-pole filter plus a closed form for the floor clamp;
holding is a run-length search; moving is the linear recursion g = ½·g + ½·target solved by a
convolution, with a per-sample step only where the rate limits bite (a few samples per note).
"""

from __future__ import annotations

import math

import numpy as np

from nam_web.dsp.base import MAX_CHUNK, as_block, chunks
from nam_web.dsp.linear_filter import OnePole

DETECTOR_S = 0.01
RATIO = 0.1
OPEN_S = 0.005
HOLD_S = 0.01
CLOSE_S = 0.05
RELEASE_S = 0.02
"""Seconds the gain takes to return to 1 when the gate is switched off (the plugin jumps)."""
DEFAULT_THRESHOLD_DB = -80.0
MIN_LOUDNESS_DB = -120.0
MIN_POWER = 10.0 ** (MIN_LOUDNESS_DB / 10.0)
MAX_POWER = 1000.0
_SMALLEST_NORMAL = 2.2250738585072014e-308  # the plugin flushes denormals to zero
_HALVES = 0.5 ** np.arange(1, MAX_CHUNK + 2)  # ½^(k+1)
_KERNEL = _HALVES[:64]


class NoiseGate:
    """Detector + gain. ``gains(x)`` returns the amplitude gain for each input sample;
    ``delay`` (samples) postpones them to line up with a model path that has latency."""

    def __init__(self, sample_rate: float, threshold_db: float = DEFAULT_THRESHOLD_DB, active: bool = False,
                 delay: int = 0) -> None:
        self.sample_rate = float(sample_rate)
        self.active = active
        self.threshold_db = threshold_db
        alpha = 0.5 ** (1.0 / (DETECTOR_S * self.sample_rate))
        self.alpha = alpha
        self.follower = OnePole(alpha)
        j = np.arange(MAX_CHUNK)
        self._decay, self._grow = alpha ** j, alpha ** (-j.astype(float))
        self.hold_samples = max(1, math.ceil(HOLD_S * self.sample_rate - 1e-9))
        self._release_samples = max(1, round(RELEASE_S * self.sample_rate))
        self._release_left, self.last_gain = 0, 1.0
        self.set(threshold_db)
        self.set_delay(delay)
        self.reset()

    def set(self, threshold_db: float | None = None, active: bool | None = None) -> None:
        """Threshold in dB (−100..0 in the plugin) and on/off."""
        if threshold_db is not None:
            if not (math.isfinite(threshold_db) and -120.0 < threshold_db <= 20.0):
                raise ValueError(f"gate threshold {threshold_db!r} dB is outside −120..20")
            self.threshold_db = float(threshold_db)
            self.max_reduction_db = self._target(MIN_LOUDNESS_DB)
            dt = 1.0 / self.sample_rate
            self.d_open = -self.max_reduction_db / OPEN_S * dt
            self.d_close = self.max_reduction_db / CLOSE_S * dt
        if active is not None and bool(active) != self.active:
            self.active = bool(active)
            self._pending = np.ones(self.delay, dtype=np.float32)
            if self.active:  # switched on mid-play: start open, so it can only close gently
                self.holding, self.reduction_db, self.held = True, 0.0, 0
            else:  # switched off: let the last gain rise back to 1 instead of jumping
                self._release_left = self._release_samples

    @property
    def sounding(self) -> bool:
        """Whether ``gains`` still has to be applied (on, or releasing after being switched off)."""
        return self.active or self._release_left > 0

    def set_delay(self, delay: int) -> None:
        self.delay = int(delay)
        self._pending = np.ones(self.delay, dtype=np.float32)

    def reset(self) -> None:
        """Closed and quiet, as the plugin starts."""
        self.level = MIN_POWER
        self.holding = False
        self.reduction_db = self.max_reduction_db
        self.held = 0
        self._pending = np.ones(self.delay, dtype=np.float32)

    def _target(self, level_db: float) -> float:
        over = level_db - self.threshold_db
        return -RATIO * over * over if over < 0.0 else 0.0

    def levels_db(self, x: np.ndarray) -> np.ndarray:
        """The follower's level (dB, power) after each sample of ``x``."""
        power = x.astype(np.float64) ** 2
        out = np.empty(power.size)
        for start, stop in chunks(power.size, MAX_CHUNK):
            n = stop - start
            self.follower.state = self.level
            free = self.follower.run((1.0 - self.alpha) * power[start:stop])  # without the floor clamp
            # The floor clamp in closed form: l = free + max(0, max_(j≤k) α^(k−j)·(floor − free_j)).
            lift = self._decay[:n] * np.maximum.accumulate(self._grow[:n] * (MIN_POWER - free))
            level = np.minimum(free + np.maximum(lift, 0.0), MAX_POWER)
            out[start:stop] = level
            if n:
                self.level = float(level[-1]) if math.isfinite(level[-1]) else MIN_POWER
        return 10.0 * np.log10(out)

    def reductions_db(self, x: np.ndarray) -> np.ndarray:
        """Gain reduction (dB, ≤ 0) for each sample of ``x``, advancing the gate."""
        level_db = self.levels_db(as_block(x))
        out = np.empty(level_db.size)
        for start, stop in chunks(level_db.size, MAX_CHUNK):
            pos = start
            while pos < stop:
                stage = self._hold if self.holding else self._move
                pos = stage(level_db, out, pos, stop)
        return out

    def gains(self, x: np.ndarray) -> np.ndarray:
        """Amplitude gains (float32) for ``x``, delayed by ``delay`` samples; after the gate was
        switched off, a ramp from its last gain up to 1."""
        if not self.active:
            done = self._release_samples - self._release_left
            ramp = np.minimum((done + np.arange(1, x.size + 1)) / self._release_samples, 1.0)
            self._release_left = max(0, self._release_left - x.size)
            return (self.last_gain + (1.0 - self.last_gain) * ramp).astype(np.float32)
        g = (10.0 ** (self.reductions_db(x) / 10.0)).astype(np.float32)
        if self.delay:
            both = np.concatenate((self._pending, g))
            self._pending = both[g.size:]
            g = both[: g.size]
        if g.size:
            self.last_gain = float(g[-1])
        return g

    def _hold(self, level_db: np.ndarray, out: np.ndarray, pos: int, stop: int) -> int:
        below = level_db[pos:stop] < self.threshold_db
        idx = np.arange(below.size)
        last_above = np.maximum.accumulate(np.where(below, -1, idx))
        run = np.where(last_above >= 0, idx - last_above, idx + 1 + self.held)
        hit = np.flatnonzero(run >= self.hold_samples)
        end = below.size if hit.size == 0 else int(hit[0]) + 1
        out[pos:pos + end] = 0.0
        if hit.size:
            self.holding, self.held, self.reduction_db = False, 0, 0.0
        else:
            self.held = int(run[-1])
        return pos + end

    def _move(self, level_db: np.ndarray, out: np.ndarray, pos: int, stop: int) -> int:
        over = np.minimum(level_db[pos:stop] - self.threshold_db, 0.0)
        target = -RATIO * over * over
        n, g0 = target.size, self.reduction_db
        g = np.convolve(target, _KERNEL)[:n] + g0 * _HALVES[:n]
        step = 0.5 * (target - np.concatenate(([g0], g[:-1])))
        bad = ((step > self.d_open) | (step < self.d_close) | (g < self.max_reduction_db)
               | (g >= -_SMALLEST_NORMAL))
        hit = np.flatnonzero(bad)
        good = n if hit.size == 0 else int(hit[0])
        out[pos:pos + good] = g[:good]
        if good:
            self.reduction_db = float(g[good - 1])
        pos += good
        for t in target[good:].tolist():  # per sample while a rate limit or a bound is active
            limited = self._step(t)
            out[pos] = self.reduction_db
            pos += 1
            if self.holding or not limited:
                break
        return pos

    def _step(self, target: float) -> bool:
        """One sample of the plugin's moving state; True if a rate limit or a bound acted."""
        g = self.reduction_db
        half = 0.5 * (target - g)
        if target > g:
            g += min(half, self.d_open)
            if g >= 0.0 or -g < _SMALLEST_NORMAL:
                self.reduction_db, self.holding, self.held = 0.0, True, 0
                return True
            self.reduction_db = g
            return half > self.d_open
        if target < g:
            g += max(half, self.d_close)
            self.reduction_db = max(g, self.max_reduction_db)
            return half < self.d_close or g < self.max_reduction_db
        return False
