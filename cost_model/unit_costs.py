"""Unit costs in force for a project: defaults ← project overrides ← a section's survey sheet.

Every value carries its source, so the app and the report can show where it came from.
Reading and saving a project's overrides is ``bpr_studio.loading``'s job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from bpr_studio.messages import BilingualError
from bpr_studio.model.unit_costs import DEFAULT_UNIT_COSTS, DEFAULTS_BY_KEY


class UnitCostError(BilingualError, ValueError):
    """A unit cost that cannot be used (negative, not a number, unknown key)."""


@dataclass(frozen=True)
class UnitCostValue:
    key: str
    value: float
    source: str
    is_default: bool


@dataclass
class UnitCostTable:
    """Project-wide values plus per-section overrides."""

    project: dict[str, UnitCostValue] = field(default_factory=dict)
    sections: dict[str, dict[str, UnitCostValue]] = field(default_factory=dict)

    def value(self, key: str, section: str | None = None) -> float:
        if section is not None and key in self.sections.get(section, {}):
            return self.sections[section][key].value
        return self.project[key].value

    def entry(self, key: str) -> UnitCostValue:
        return self.project[key]


MAX_UNIT_COST = 1e12


def validate_unit_cost(key: str, value: object) -> float:
    """The value as a float, or :class:`UnitCostError` with a clear message."""
    if key not in DEFAULTS_BY_KEY:
        known = ", ".join(DEFAULTS_BY_KEY)
        raise UnitCostError(f"単価の項目「{key}」はありません（使える項目: {known}）。",
                            f"Unknown unit cost '{key}' (known: {known}).")
    try:
        number = float(str(value).replace(",", "")) if not isinstance(value, (int, float)) \
            else float(value)
    except ValueError:
        raise UnitCostError(f"単価「{key}」の値「{value}」は数値ではありません。",
                            f"Unit cost '{key}': '{value}' is not a number.") from None
    if math.isnan(number) or math.isinf(number):
        raise UnitCostError(f"単価「{key}」の値「{value}」は数値ではありません。",
                            f"Unit cost '{key}': '{value}' is not a number.")
    if number > MAX_UNIT_COST:  # 1e308 is finite but overflows every total it enters
        raise UnitCostError(f"単価「{key}」の値「{value}」が大きすぎます（上限 {MAX_UNIT_COST:g}）。",
                            f"Unit cost '{key}': '{value}' is too large (limit {MAX_UNIT_COST:g}).")
    if number < 0:
        raise UnitCostError(f"単価「{key}」に負の値（{value}）は使えません。",
                            f"Unit cost '{key}' cannot be negative ({value}).")
    if key == "hours_per_fte" and number == 0:
        raise UnitCostError("1人工あたりの年間勤務時間は0にできません。",
                            "Hours per FTE cannot be zero.")
    return number


def default_table() -> UnitCostTable:
    return UnitCostTable({u.key: UnitCostValue(u.key, u.value, u.source, True)
                          for u in DEFAULT_UNIT_COSTS})
