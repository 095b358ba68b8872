"""Redesign measures: pure functions from an as-is process graph to a to-be graph.

Each measure has named parameters (``analysis.params``) and says why when it cannot
apply to a procedure. A measure never mutates its input. Time changes are recorded on
the steps as *effects*, so that the Monte Carlo can draw the parameters:

    multiplier = 1 − a × (1 − m),   a = max(floor, θ[adoption]) or 1,   m = k0 + k1 × θ[param]

where θ are parameter values (defaults for the deterministic figures). Channel measures
(online application, LINE) also add a *channel* to the procedure: that share of cases
no longer visits the counter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import networkx as nx
import pandas as pd

from analysis.graph import END, STAFF_ACTORS, step_numbers
from analysis.params import IMPLEMENTATION_KEY, value
from cost_model.readiness import Readiness, ReadinessRubric, score_procedure

Params = dict[str, Any]
CITY_HELD = ("住民票", "戸籍", "所得", "課税", "納税", "印鑑")


@dataclass(frozen=True)
class Applicability:
    ok: bool
    reason_ja: str = ""
    reason_en: str = ""


YES = Applicability(True)


@dataclass(frozen=True)
class Measure:
    key: str
    ja: str
    en: str
    parameters: tuple[str, ...]
    effort: int  # 1 small … 3 large: procurement, rules, training
    effort_reason: str
    check: Callable[[nx.DiGraph], Applicability]
    transform: Callable[[nx.DiGraph, Params], None]
    needs_steps: bool = False

    def applicable(self, graph: nx.DiGraph) -> Applicability:
        return self.check(graph)

    def apply(self, graph: nx.DiGraph, params: Params | None = None) -> nx.DiGraph:
        """A new graph with the measure applied (the input is left untouched)."""
        result = copy_graph(graph)
        self.apply_in_place(result, params)
        return result

    def apply_in_place(self, result: nx.DiGraph, params: Params | None = None,
                       checked: bool = False) -> None:
        """Apply to a graph the caller owns (a scenario copies each graph once);
        ``checked``: the caller has just found the measure applicable to it."""
        if checked or self.check(result).ok:
            nodes = result._node
            numbers = [n for n in nodes if n != END]
            before = {n: len(nodes[n]["effects"]) for n in numbers}
            channels = len(result.graph.get("channels", []))
            self.transform(result, params or {})
            # Tag what this measure added, so savings can be attributed to measures.
            for n in numbers:
                for effect in nodes[n]["effects"][before[n]:]:
                    effect["measure"] = self.key
            for channel in result.graph.get("channels", [])[channels:]:
                channel["measure"] = self.key
            result.graph.setdefault("applied", []).append(self.key)


def copy_graph(graph: nx.DiGraph) -> nx.DiGraph:
    """A copy deep enough for a measure to edit: node, edge and graph attribute dicts and
    the effect lists are new; values are shared. (Built from networkx's adjacency dicts
    directly: ``DiGraph.copy`` is four times slower, and a city has thousands of graphs.)"""
    result = nx.DiGraph()
    result.graph.update({k: (list(v) if isinstance(v, list) else v)
                         for k, v in graph.graph.items()})
    nodes = {}
    for n, data in graph._node.items():
        copied = dict(data)
        if "effects" in copied:
            copied["effects"] = list(copied["effects"])
        nodes[n] = copied
    succ = {u: {v: dict(d) for v, d in nbrs.items()} for u, nbrs in graph._succ.items()}
    pred = {v: {u: succ[u][v] for u in nbrs} for v, nbrs in graph._pred.items()}
    result._node, result._succ, result._pred, result._adj = nodes, succ, pred, succ
    return result


def add_effect(graph: nx.DiGraph, step: int, param: str | None, k0: float = 0.0, k1: float = 1.0,
               adoption: str | None = IMPLEMENTATION_KEY, floor: float = 0.0) -> None:
    """Record a time change on a step. ``adoption`` names the share of the step's work the
    change reaches: the channel uptake for online/LINE, else the implementation share
    (planned measures are not all in place); None = all of it (generic edits the user
    designs step by step)."""
    graph.nodes[step]["effects"].append(
        {"adoption": adoption, "floor": floor, "param": param, "k0": k0, "k1": k1})


def effect_multiplier(effect: dict[str, Any], values: dict[str, float] | None = None) -> float:
    a = 1.0 if effect["adoption"] is None else max(effect["floor"], value(effect["adoption"], values))
    m = effect["k0"] + (effect["k1"] * value(effect["param"], values) if effect["param"] else 0.0)
    return 1.0 - a * (1.0 - m)


def _steps(graph: nx.DiGraph, predicate: Callable[[dict[str, Any]], bool]) -> list[int]:
    # networkx's adjacency dict directly: NodeView lookups dominate a city-wide scenario.
    return sorted(n for n, data in graph._node.items() if n != END and predicate(data))


def _online_share(graph: nx.DiGraph) -> float:
    cases = float(graph.graph.get("annual_cases") or 0)
    return min(float(graph.graph.get("online_cases") or 0) / cases, 1.0) if cases > 0 else 0.0


def _level(graph: nx.DiGraph) -> Readiness:
    return score_procedure(ReadinessRubric(), graph.graph)


# --- online application and the LINE smartphone counter ---------------------------

def _check_online(graph: nx.DiGraph, max_level: int = 3) -> Applicability:
    readiness = _level(graph)
    if readiness.level > max_level:
        return Applicability(False, readiness.text("ja"), readiness.text("en"))
    if not step_numbers(graph):
        return Applicability(False, "工程が調査されていない", "no steps surveyed")
    return YES


def _channel(graph: nx.DiGraph, adoption: str, fill: str, floor: float) -> None:
    graph.graph.setdefault("channels", []).append({"adoption": adoption, "floor": floor})
    for step in _steps(graph, lambda d: d["actor"] == "citizen" and d["work_kind"] == "filling_in"):
        add_effect(graph, step, fill, adoption=adoption, floor=floor)
    for step in _steps(graph, lambda d: d["actor"] == "counter" and d["work_kind"] == "reception"):
        add_effect(graph, step, "online_reception_retained", adoption=adoption, floor=floor)
    for step in _steps(graph, lambda d: bool(d.get("manual_entry"))):
        add_effect(graph, step, "online_entry_retained", adoption=adoption, floor=floor)


def _online(graph: nx.DiGraph, params: Params) -> None:
    _channel(graph, "online_adoption", "online_fill_retained", _online_share(graph))


def _line(graph: nx.DiGraph, params: Params) -> None:
    _channel(graph, "line_adoption", "line_fill_retained", 0.0)


# --- seals, attachments, payment --------------------------------------------------

def _check_seals(graph: nx.DiGraph) -> Applicability:
    if graph.graph.get("identity_check") == "registered_seal":
        return Applicability(False, "法令で実印・印鑑証明が必要", "the law requires a registered seal")
    if not _steps(graph, lambda d: bool(d.get("seal"))) and graph.graph.get("identity_check") != "seal":
        return Applicability(False, "押印のある工程がない", "no step uses a seal")
    return YES


def _seals(graph: nx.DiGraph, params: Params) -> None:
    for step in _steps(graph, lambda d: bool(d.get("seal"))):
        graph.nodes[step]["seal"] = False
        add_effect(graph, step, "seal_time_retained")
    if graph.graph.get("identity_check") == "seal":
        graph.graph["identity_check"] = "signature"


def _check_attachments(graph: nx.DiGraph) -> Applicability:
    kind = graph.graph.get("attachment_kind")
    if kind in (None, "none", "linkable"):
        return Applicability(False, "添付書類がない", "no attachments")
    if kind == "original":
        return Applicability(False, "原本の提出が必要", "a paper original is required")
    names = str(graph.graph.get("attachment_names") or "")
    if not any(word in names for word in CITY_HELD):
        return Applicability(False, "市が保有しない書類（データ連携で取得できない）",
                             "documents the city does not hold (no data linkage)")
    return YES


def _attachments(graph: nx.DiGraph, params: Params) -> None:
    graph.graph["attachment_kind"] = "linkable"
    for step in _steps(graph, lambda d: d["work_kind"] == "checking" and d["actor"] in STAFF_ACTORS):
        add_effect(graph, step, "attachment_check_retained")


PAYMENT_CODES = ("cash", "stamp", "reduction", "cashless", "online")


def _has_fee(procedure: dict[str, Any]) -> bool:
    """A fee of more than ¥0, or a payment method recorded. A blank cell is read as NaN,
    which Python counts as true: only a real payment code says there is a fee."""
    fee = procedure.get("fee_yen")
    if fee is not None and not pd.isna(fee) and float(fee) > 0:
        return True
    return procedure.get("fee_payment") in PAYMENT_CODES


def _check_cashless(graph: nx.DiGraph) -> Applicability:
    has_fee = _has_fee(graph.graph)
    if not has_fee:
        return Applicability(False, "手数料がない", "no fee")
    if graph.graph.get("fee_payment") in ("cashless", "online"):
        return Applicability(False, "既にキャッシュレス", "already cashless")
    return YES


def _cashless(graph: nx.DiGraph, params: Params) -> None:
    graph.graph["fee_payment"] = "cashless"
    for step in _steps(graph, lambda d: d["actor"] in STAFF_ACTORS and (
            "手数料" in str(d.get("name")) or "収納" in str(d.get("name")))):
        minutes = float(graph.nodes[step].get("typical_minutes") or 0)
        if minutes > 0:  # minutes − saved, as a share of the step's minutes
            add_effect(graph, step, "cashless_minutes_saved", k0=1.0, k1=-1.0 / minutes)


# --- back-office measures ---------------------------------------------------------

def _check_manual(graph: nx.DiGraph) -> Applicability:
    if not _steps(graph, lambda d: bool(d.get("manual_entry")) and d["actor"] in STAFF_ACTORS):
        return Applicability(False, "手入力の工程がない", "no manual data entry")
    return YES


def rpa_k0(check_minutes: float, typical_minutes: Any) -> float:
    """The k0 of RPA's effect on a step of ``typical_minutes``: checking the output adds
    ``check_minutes`` as a share of the step's time."""
    return 1.0 + check_minutes / max(float(typical_minutes or 0), 1e-9)


def _rpa(graph: nx.DiGraph, params: Params) -> None:
    check = value("rpa_check_minutes", params)
    for step in _steps(graph, lambda d: bool(d.get("manual_entry")) and d["actor"] in STAFF_ACTORS):
        # kept = 1 − expected cut + checking the output, where the expected cut
        # (rpa_time_cut) counts exceptions done by hand and tasks where RPA fails and the
        # work gets slower (analysis.params.DERIVED).
        add_effect(graph, step, "rpa_time_cut",
                   k0=rpa_k0(check, graph.nodes[step].get("typical_minutes")), k1=-1.0)
        graph.nodes[step]["manual_entry"] = False


# Parameters a measure bakes into the k0 of the effects it adds, and how (k0 from the
# parameter's value and the step's minutes, which no measure changes): the sensitivity
# analysis sets them again in the to-be tables instead of applying the measure again.
K0_PARAMETERS: dict[str, tuple[str, Callable[[float, Any], float]]] = {
    "rpa_check_minutes": ("rpa_ocr", rpa_k0)}


def _check_approval(graph: nx.DiGraph) -> Applicability:
    if not _steps(graph, lambda d: d["work_kind"] == "approval"):
        return Applicability(False, "決裁の工程がない", "no approval step")
    return YES


# Words that make a step more than carrying: drafting a notice and sending it on is
# work e-approval does not do (e.g. 死亡届's 「関係課への連絡票の作成・回付」).
DRAFTING_WORDS = ("作成", "起案", "入力", "記入", "現地")


def _carries_to_approval(graph: nx.DiGraph, step: int) -> bool:
    """A staff step that only carries the approval file to the approver: kind 移動・運搬,
    followed by an approval step, and not named as drafting or field work."""
    d = graph._node[step]
    if d["work_kind"] != "moving" or d["actor"] not in STAFF_ACTORS:
        return False
    if any(word in str(d.get("name")) for word in DRAFTING_WORDS):
        return False
    return any(t != END and graph._node[t]["work_kind"] == "approval" for t in graph._succ[step])


def _e_approval(graph: nx.DiGraph, params: Params) -> None:
    """Only the approval itself changes: its handling time, its waiting days, its seal,
    and the carrying of the file to the approver. Other steps (drafting and routing
    notices to other sections, filing) are left to their own measures."""
    # Waiting days are not an effect (no Monte Carlo draw): the expected share of approvals
    # that are electronic (implementation) loses the rest of its wait.
    wait_kept = 1.0 - value(IMPLEMENTATION_KEY, params) * (
        1.0 - value("e_approval_wait_retained", params))
    for step in _steps(graph, lambda d: d["work_kind"] == "approval"):
        node = graph.nodes[step]
        node["seal"] = False
        node["medium"] = "electronic"
        node["wait_days"] = float(node.get("wait_days") or 0) * wait_kept
        add_effect(graph, step, "e_approval_time_retained")
    for step in [s for s in step_numbers(graph) if _carries_to_approval(graph, s)]:
        add_effect(graph, step, None, k0=0.0)  # the file no longer carried by hand


def _check_paper(graph: nx.DiGraph) -> Applicability:
    if not _steps(graph, lambda d: d.get("medium") == "paper" and d["actor"] in STAFF_ACTORS):
        return Applicability(False, "紙の工程がない", "no paper step")
    return YES


def _paperless(graph: nx.DiGraph, params: Params) -> None:
    for step in _steps(graph, lambda d: d.get("medium") == "paper" and d["actor"] in STAFF_ACTORS):
        graph.nodes[step]["medium"] = "electronic"
        if graph.nodes[step]["work_kind"] == "filing":
            add_effect(graph, step, "paperless_filing_retained")


def _check_counter(graph: nx.DiGraph) -> Applicability:
    if not graph.graph.get("visit_required"):
        return Applicability(False, "来庁を伴わない手続", "no counter visit")
    return YES


def _no_form(graph: nx.DiGraph, params: Params) -> None:
    """The published outcome is the whole visit (岩見沢市: 窓口手続時間 18 → 10 minutes, the
    citizen's filling in and the counter's reception together, rework included), so one
    share is applied to both and nothing else changes: no double counting."""
    for step in _steps(graph, lambda d: (d["actor"] == "citizen" and d["work_kind"] == "filling_in")
                       or (d["actor"] == "counter" and d["work_kind"] == "reception")):
        add_effect(graph, step, "no_form_visit_retained")


# --- generic edits ------------------------------------------------------------------

def _check_steps(graph: nx.DiGraph) -> Applicability:
    return YES if step_numbers(graph) else Applicability(False, "工程がない", "no steps")


def _targets(graph: nx.DiGraph, params: Params) -> list[int]:
    wanted = [int(s) for s in params.get("steps", [])]
    return [s for s in wanted if s in graph.nodes]  # int(...) never equals END


def _remove(graph: nx.DiGraph, params: Params) -> None:
    for step in _targets(graph, params):
        add_effect(graph, step, None, k0=0.0, adoption=None)
        graph.nodes[step]["wait_days"] = 0.0


def _automate(graph: nx.DiGraph, params: Params) -> None:
    for step in _targets(graph, params):
        add_effect(graph, step, "automate_retained", adoption=None)
        graph.nodes[step]["manual_entry"] = False
        graph.nodes[step]["medium"] = "electronic"


def _merge(graph: nx.DiGraph, params: Params) -> None:
    targets = _targets(graph, params)
    if len(targets) < 2:
        return
    keep, rest = targets[0], targets[1:]
    total = sum(float(graph.nodes[s].get("typical_minutes") or 0) for s in targets)
    own = max(float(graph.nodes[keep].get("typical_minutes") or 0), 1e-9)
    add_effect(graph, keep, "merge_retained", k0=0.0, k1=total / own, adoption=None)
    for step in rest:
        add_effect(graph, step, None, k0=0.0, adoption=None)


MEASURES: dict[str, Measure] = {m.key: m for m in (
    Measure("online_application", "オンライン申請", "online application",
            ("online_uptake_ceiling", "online_uptake_growth", "adoption_year",
             "online_fill_retained", "online_reception_retained", "online_entry_retained"), 2,
            "申請フォームの作成と審査手順の見直し", _check_online, _online),
    Measure("line_counter", "スマホ窓口（LINE）", "LINE smartphone counter",
            ("line_uptake_ceiling", "online_uptake_growth", "adoption_year",
             "line_fill_retained", "online_reception_retained", "online_entry_retained"), 2, "対話シナリオの作成",
            lambda g: _check_online(g, max_level=2), _line),
    Measure("abolish_seals", "押印廃止", "abolish seals", ("seal_time_retained",), 1,
            "様式・要綱の改正", _check_seals, _seals),
    Measure("drop_attachments", "添付書類の省略（ワンスオンリー）", "drop attachments (once-only)",
            ("attachment_check_retained",), 2, "庁内データ連携と条例・要綱の改正",
            _check_attachments, _attachments),
    Measure("rpa_ocr", "RPA・AI-OCR", "RPA / AI-OCR",
            ("rpa_reduction", "rpa_failure_share", "rpa_failure_time_ratio", "rpa_exception_rate",
             "rpa_check_minutes"), 2,
            "シナリオ作成と例外処理の設計", _check_manual, _rpa),
    Measure("e_approval", "電子決裁", "e-approval",
            ("e_approval_time_retained", "e_approval_wait_retained"), 3,
            "文書管理システムの導入・運用", _check_approval, _e_approval),
    Measure("paperless", "ペーパーレス", "paperless", ("paperless_filing_retained",), 2,
            "電子保存の規程と端末", _check_paper, _paperless),
    Measure("cashless", "キャッシュレス決済", "cashless payment", ("cashless_minutes_saved",), 2,
            "決済端末・収納代行の契約", _check_cashless, _cashless),
    Measure("no_form_counter", "書かない窓口", "no-form-filling counter",
            ("no_form_visit_retained",), 3,
            "窓口支援システムと職員研修", _check_counter, _no_form),
    Measure("remove_step", "工程の削除", "remove steps", (), 1, "手順の見直し", _check_steps,
            _remove, needs_steps=True),
    Measure("merge_steps", "工程の統合", "merge steps", ("merge_retained",), 1, "手順の見直し",
            _check_steps, _merge, needs_steps=True),
    Measure("automate_step", "工程の自動化", "automate steps", ("automate_retained",), 2,
            "システム改修", _check_steps, _automate, needs_steps=True),
)}
