"""Training losses: ESR, MSE, pre-emphasis filters and a multi-resolution STFT term.

All take (B, L) tensors of prediction and target and return a scalar.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

MRSTFT_RESOLUTIONS = ((1024, 120, 600), (2048, 240, 1200), (512, 50, 240))
"""(FFT size, hop, window length) in samples for each STFT resolution."""


def esr(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Error-to-signal ratio per example, averaged: mean_b Σ(pred − target)² / Σ target²."""
    return torch.mean(torch.mean((pred - target) ** 2, dim=-1) / (torch.mean(target**2, dim=-1) + 1e-12))


def mse(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error."""
    return torch.mean((pred - target) ** 2)


def first_order_pre_emphasis(x: torch.Tensor, coef: float = 0.85) -> torch.Tensor:
    """y[n] = x[n] − coef·x[n−1] (a gentle high-pass that weights the top end); length L − 1."""
    return x[..., 1:] - coef * x[..., :-1]


def a_weighting_gain(f: torch.Tensor) -> torch.Tensor:
    """A-weighting (IEC 61672) as a linear gain at frequencies ``f`` (Hz), 1.0 (0 dB) at 1 kHz."""

    def curve(f2: torch.Tensor) -> torch.Tensor:
        poles = (f2 + 20.6**2) * torch.sqrt((f2 + 107.7**2) * (f2 + 737.9**2)) * (f2 + 12194.0**2)
        return 12194.0**2 * f2**2 / poles

    f2 = f.double() ** 2
    return curve(f2) / curve(torch.tensor(1000.0**2, dtype=torch.float64))


def a_weighting(x: torch.Tensor, sample_rate: float = 48_000.0) -> torch.Tensor:
    """Filter (B, L) by the A-weighting curve, zero-phase, in the frequency domain (length L)."""
    n = x.shape[-1]
    gain = a_weighting_gain(torch.fft.rfftfreq(n, 1.0 / sample_rate)).to(device=x.device, dtype=x.dtype)
    return torch.fft.irfft(torch.fft.rfft(x) * gain, n)


def mrstft(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Multi-resolution STFT loss: spectral convergence + L1 of log magnitudes, averaged over resolutions.

    Magnitudes are floored at 1e-4 (power 1e-8) so silence does not dominate the log term.
    Resolutions whose FFT is longer than the signal are left out (0 when none fits).
    """
    total = pred.new_zeros(())
    resolutions = [r for r in MRSTFT_RESOLUTIONS if r[0] // 2 < pred.shape[-1]]
    for n_fft, hop, win in resolutions:
        window = torch.hann_window(win, device=pred.device, dtype=pred.dtype)
        spectra = [torch.stft(s, n_fft, hop, win, window, return_complex=True) for s in (pred, target)]
        mags = [torch.sqrt(z.abs().square().clamp_min(1e-8)) for z in spectra]
        convergence = torch.linalg.norm(mags[1] - mags[0]) / torch.linalg.norm(mags[1]).clamp_min(1e-8)
        log_mag = torch.mean(torch.abs(torch.log(mags[1]) - torch.log(mags[0])))
        total = total + convergence + log_mag
    return total / max(len(resolutions), 1)


@dataclass(frozen=True)
class LossConfig:
    """What training minimises: ``main`` (esr or mse) + ``pre_emphasis_weight`` × the same on a
    pre-emphasised signal + ``mrstft_weight`` × MRSTFT (on the pre-emphasised signal when one is set).

    ``pre_emphasis``: none, first-order (coefficient ``pre_emphasis_coef``) or a-weighting.
    """

    main: str = "mse"
    pre_emphasis: str = "first-order"
    pre_emphasis_coef: float = 0.85
    pre_emphasis_weight: float = 0.0
    mrstft_weight: float = 2e-4
    sample_rate: float = 48_000.0

    def __post_init__(self) -> None:
        if self.main not in ("esr", "mse"):
            raise ValueError(f"loss must be 'esr' or 'mse', not {self.main!r}")
        if self.pre_emphasis not in ("none", "first-order", "a-weighting"):
            raise ValueError(
                f"pre-emphasis must be none, first-order or a-weighting, not {self.pre_emphasis!r}"
            )


class TrainingLoss:
    """The callable loss for a :class:`LossConfig`."""

    def __init__(self, config: LossConfig) -> None:
        self.config = config
        self._main = esr if config.main == "esr" else mse

    def emphasise(self, x: torch.Tensor) -> torch.Tensor:
        if self.config.pre_emphasis == "first-order":
            return first_order_pre_emphasis(x, self.config.pre_emphasis_coef)
        if self.config.pre_emphasis == "a-weighting":
            return a_weighting(x, self.config.sample_rate)
        return x

    def __call__(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        c = self.config
        loss = self._main(pred, target)
        if c.pre_emphasis_weight > 0 or c.mrstft_weight > 0:
            ep, et = self.emphasise(pred), self.emphasise(target)
            if c.pre_emphasis_weight > 0:
                loss = loss + c.pre_emphasis_weight * self._main(ep, et)
            if c.mrstft_weight > 0:
                loss = loss + c.mrstft_weight * mrstft(ep, et)
        return loss
