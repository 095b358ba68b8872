"""Assumptions of the citizen's journey (life events): default, range, unit, source.

The same convention as ``analysis.params``: the value shown is the mean of the Beta the
Monte Carlo draws from on [low, high]; a figure no publication gives is a 提案値 with its
reasoning. The 書かない窓口 figure is the catalogue's own (``no_form_visit_retained``,
岩見沢市 18 → 10 minutes), so a journey and a procedure tell the same story.

>>> value("walk_minutes")
3.0
>>> round(value("no_form_visit_retained"), 2)
0.65
"""

from __future__ import annotations

from typing import Any

from analysis import journey_sources as J
from analysis import params as P
from analysis import sources as S
from analysis.params import Parameter

_OWN = (
    Parameter("walk_minutes", "窓口間の移動と案内", "Walking between counters", 3.0, 1.0, 8.0,
              "分/回", (J.OMITAMA_OKUYAMI, J.JOETSU_OKUYAMI),
              "提案値: 同じ庁舎内の別の課へ歩き、案内を聞き、番号札を取るまで。公表値はなく、"
              "ワンストップで「庁舎内の移動が不要」になった例（小美玉市）が根拠"),
    Parameter("missing_attachment_share", "添付書類の不足で再来庁する割合", "Share missing an attachment",
              0.08, 0.02, 0.2, "割合", (),
              "提案値: 他機関の証明書・原本を要する手続で、持参漏れ・不備により出直す市民の割合"),
    Parameter("one_stop_service_retained", "ワンストップで残る窓口時間", "Counter time kept at a one-stop",
              0.85, 0.6, 1.0, "割合", (J.BEPPU_OKUYAMI, J.NARA_OKUYAMI),
              "提案値: 本人確認・聞き取り・説明が手続ごとに繰り返されず一度で済む"),
    Parameter("reservation_share", "予約して来庁する割合", "Share of visits booked", 0.7, 0.3, 0.95,
              "割合", (J.JOETSU_OKUYAMI, J.GIFU_OKUYAMI, J.OMITAMA_OKUYAMI),
              "提案値: おくやみ窓口は予約制が多い（上越市・岐阜市）; 小美玉市は遺族の約9割が利用"),
    Parameter("reserved_wait_minutes", "予約した人の待ち時間", "Wait of a booked visit", 3.0, 0.0, 10.0,
              "分", (J.SAPPORO_PRE_RECEPTION_MAX,),
              "提案値: 予約枠の前後のずれだけ待つ"),
    Parameter("prefill_uptake", "来庁前のオンライン事前入力の利用率", "Share pre-filling online",
              0.15, 0.02, 0.5, "割合", (S.INVENTORY, S.MYNUMBER_CARD),
              "提案値: マイナンバーカード保有75%が上限; 事前入力は申請そのものより手軽で、"
              "オンライン申請の件数加重4.3%より高いとみる"),
)
PARAMETERS: dict[str, Parameter] = {p.key: p for p in _OWN}
# The catalogue's 書かない窓口 figure, shared with the procedure measures.
PARAMETERS["no_form_visit_retained"] = P.PARAMETERS["no_form_visit_retained"]


def value(key: str, overrides: dict[str, float] | None = None) -> float:
    """A journey assumption's value: the override, else its default (the mean)."""
    if overrides and key in overrides:
        return float(overrides[key])
    return PARAMETERS[key].default


def draws(rng: Any, key: str, n: int, overrides: dict[str, float] | None = None) -> Any:
    """``n`` draws of a parameter: Beta on [low, high] whose mean is its value (a value on an
    edge of the range, or outside it, is used as given)."""
    import numpy as np

    p = PARAMETERS[key]
    mean = value(key, overrides)
    alpha, beta = P.beta_shape(mean, p.low, p.high)
    if alpha <= 0 or beta <= 0:
        return np.full(n, mean)
    return p.low + (p.high - p.low) * rng.beta(alpha, beta, n)


def rows(overrides: dict[str, float] | None = None, lang: str = "ja") -> list[dict[str, Any]]:
    """Every journey assumption with its value, range, unit and cited sources (the report's
    and the app's assumption table)."""
    out = []
    for key, p in PARAMETERS.items():
        out.append({"key": key, "label": p.ja if lang == "ja" else p.en,
                    "value": value(key, overrides), "low": p.low, "high": p.high,
                    "unit": p.unit, "proposal": p.reasoning.startswith(S.PROPOSAL) or not p.sources,
                    "reasoning": p.reasoning,
                    "sources": [s.cite(lang) for s in p.sources]})
    return out
