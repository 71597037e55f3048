"""What the player tells us about their capture: gear and tone fields, dBu calibration levels.

Written into the .nam ``metadata`` with the same keys and choices as the NAM trainer uses.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from nam_web.errors import NamWebError

GEAR_TYPES = ("amp", "pedal", "pedal_amp", "amp_cab", "amp_pedal_cab", "preamp", "studio")
TONE_TYPES = ("clean", "overdrive", "crunch", "hi_gain", "fuzz")


@dataclass
class UserMetadata:
    """What the player tells us about the capture (all optional). Levels in dBu at 0 dBFS."""

    name: str | None = None
    modeled_by: str | None = None
    gear_type: str | None = None
    gear_make: str | None = None
    gear_model: str | None = None
    tone_type: str | None = None
    input_level_dbu: float | None = None
    output_level_dbu: float | None = None

    def __post_init__(self) -> None:
        if self.gear_type is not None and self.gear_type not in GEAR_TYPES:
            raise NamWebError(f"gear type {self.gear_type!r} is not one of {', '.join(GEAR_TYPES)}")
        if self.tone_type is not None and self.tone_type not in TONE_TYPES:
            raise NamWebError(f"tone type {self.tone_type!r} is not one of {', '.join(TONE_TYPES)}")
        for key in ("input_level_dbu", "output_level_dbu"):
            value = getattr(self, key)
            if value is not None and not -60.0 <= float(value) <= 60.0:
                raise NamWebError(f"{key} {value} dBu is outside −60..60 dBu")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
