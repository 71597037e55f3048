"""``nam-web plot``: draw a model's sine responses (gain curve, harmonics, frequency response) to an image.

Uses matplotlib (the ``plot`` extra); the numbers come from :mod:`nam_web.inspect.response`,
the same code the page runs in Pyodide.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nam_web import namfile
from nam_web.errors import NamWebError
from nam_web.inspect.response import Response, measure


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("plot", help="plot a model's gain curve, harmonics and frequency response",
                              description="Measure a .nam model with sine tones and sweeps and plot the "
                              "results (PNG, SVG or PDF, by the output's extension).")
    p.add_argument("model", help=".nam file to measure")
    p.add_argument("--compare", metavar="MODEL_B", help="a second .nam file drawn over the first (A/B)")
    p.add_argument("-o", "--output", required=True, help="image file to write (e.g. response.png)")
    p.set_defaults(func=run)


def draw(responses: dict[str, Response], output: str | Path) -> None:
    """Draw one or more models' responses into a 2×2 figure and save it to ``output``."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise NamWebError("plotting needs matplotlib: pip install 'nam-web[plot]'") from None
    fig, ((ax_gain, ax_thd), (ax_harm, ax_freq)) = plt.subplots(2, 2, figsize=(12, 8), layout="constrained")
    styles = ("-", "--")
    for (label, r), style in zip(responses.items(), styles, strict=False):
        lv = r.levels
        ax_gain.plot(lv.input_db, lv.output_db, style, marker="o", ms=3, label=label)
        ax_thd.semilogy(lv.input_db, [max(t, 1e-4) for t in lv.thd_percent], style, label=label)
        for order, values in enumerate(lv.harmonics_db[:5], start=2):
            ax_harm.plot(lv.input_db, values, style, color=f"C{order - 2}", label=f"{label} H{order}")
        for curve in r.frequency:
            ax_freq.semilogx(curve.frequency_hz, curve.gain_db, style,
                             label=f"{label} {curve.level_db:g} dBFS")
    tone = next(iter(responses.values())).levels.tone_hz
    ax_gain.set(title=f"Gain curve ({tone:.0f} Hz tone)", xlabel="input level (dBFS)", ylabel="output (dBFS)")
    ax_thd.set(title="Total harmonic distortion", xlabel="input level (dBFS)", ylabel="THD (%)")
    ax_harm.set(title="Harmonics", xlabel="input level (dBFS)", ylabel="level (dBc)", ylim=(-120, 0))
    ax_freq.set(title="Frequency response (sine sweep)", xlabel="frequency (Hz)", ylabel="gain (dB)")
    low, high = ax_freq.get_ylim()
    middle = (low + high) / 2
    ax_freq.set_ylim(min(low, middle - 6), max(high, middle + 6))  # a flat response looks flat
    for ax in (ax_gain, ax_thd, ax_harm, ax_freq):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize="small")
    fig.savefig(output)
    plt.close(fig)


def run(args: argparse.Namespace) -> int:
    paths = [args.model] + ([args.compare] if args.compare else [])
    responses = {Path(p).stem if len(paths) == 1 else f"{'AB'[i]}: {Path(p).stem}": measure(namfile.load(p))
                 for i, p in enumerate(paths)}
    draw(responses, args.output)
    print(f"wrote {args.output}")
    return 0
