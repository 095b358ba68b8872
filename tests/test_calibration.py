"""Calibration (issue 9): defaults against published figures, real uptake and whole-office
bands; one set of numbers (point figures inside their own P5–P95)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.calibration import (
    INVENTORY_UPTAKE,
    PUBLISHED_RANGE,
    band_of,
    band_text,
    calibration_table,
    inventory_uptake,
    uptake_comparison,
)
from analysis.compare import compare_both
from analysis.draws import beta_draws
from analysis.measures import MEASURES, effect_multiplier
from analysis.montecarlo import PARAM_INDEX, _theta
from analysis.params import PARAMETERS, adoption_year, potential_values, uptake, value
from analysis.scenario import DEFAULT_SCENARIO
from bpr_studio.io.survey_import import import_surveys
from bpr_studio.loading import get_scenario
from bpr_studio.pipeline import load_model, run_pipeline
from bpr_studio.store import open_project
from sample_surveys.build_samples import sample_files
from tests.test_analysis import small_graph

DATA = Path(__file__).parent / "data"


# --- the published rows -----------------------------------------------------------------

def test_every_published_outcome_lies_inside_its_parameter_range():
    rows = calibration_table()
    assert len(rows) == 23
    used = [r for r in rows if r.implied is not None]
    assert len(used) >= 15
    outside = [(r.row.id, r.row.parameter, r.implied, r.low, r.high) for r in used if not r.inside]
    assert not outside
    # Failures are inside too: RPA that got 10× slower (row 8), zero online uptake.
    assert PARAMETERS["rpa_failure_time_ratio"].high >= 16.2 / 1.6 - 1e-9
    assert PARAMETERS["rpa_failure_share"].default > 0
    assert PARAMETERS["online_uptake_ceiling"].low == 0.0
    assert value("rpa_time_cut", {"rpa_failure_share": 1.0, "rpa_failure_time_ratio": 16.2 / 1.6}
                 ) < 0  # the measure can make work slower


def test_no_form_counter_uses_its_own_source():
    # 岩見沢市 18 → 10 minutes: the best case (44 % cut), never more by default.
    parameter = PARAMETERS["no_form_visit_retained"]
    assert parameter.low == pytest.approx(10 / 18)
    assert parameter.default > parameter.low
    assert any("newsdig.tbs.co.jp" in c for c in parameter.citations)


def test_sources_are_publications_not_file_names():
    for parameter in PARAMETERS.values():
        assert "bpr_before_after_JP" not in parameter.source
        assert ".csv" not in parameter.source
        assert parameter.sources or parameter.reasoning
        for source in parameter.sources:
            assert source.url.startswith("http")
            assert source.title
            assert source.organisation
        if not parameter.sources:
            assert parameter.proposal or parameter.derived, parameter.key


# --- uptake: an adoption curve checked against the national inventory ----------------------

def test_inventory_uptake_is_what_the_defaults_cite():
    stats = inventory_uptake(DATA / "inventory_train_R6.csv")
    assert stats.procedures == INVENTORY_UPTAKE.procedures == 142
    assert stats.median == pytest.approx(INVENTORY_UPTAKE.median, abs=5e-5)   # 0.5 %
    assert stats.case_weighted == pytest.approx(INVENTORY_UPTAKE.case_weighted, abs=5e-5)  # 4.3 %
    assert stats.mean == pytest.approx(INVENTORY_UPTAKE.mean, abs=5e-5)       # 41 %
    assert stats.zero_share == pytest.approx(INVENTORY_UPTAKE.zero_share, abs=5e-5)


def test_uptake_is_a_curve_low_in_year_one_rising_toward_its_ceiling():
    curve = uptake_comparison(years=10)["online_uptake"].to_numpy()
    assert (np.diff(curve) > 0).all()
    assert curve[0] < 0.5 * curve[2] < curve[-1] < value("online_uptake_ceiling")
    assert adoption_year() == 3
    shown = value("online_adoption")
    assert shown == pytest.approx(curve[2])
    # The year shown lies between the inventory's median and its mean; near case-weighted.
    assert INVENTORY_UPTAKE.median < shown < INVENTORY_UPTAKE.mean
    assert shown == pytest.approx(INVENTORY_UPTAKE.case_weighted, abs=0.02)
    assert value("online_adoption", {"adoption_year": 1}) < shown
    assert value("online_adoption", {"online_adoption": 0.5}) == 0.5  # a user's constant


# --- a measure never beats its published best case unless the user says so -----------------

BEST_CASES = {  # measure: (step to look at, lowest multiplier the publications support)
    "no_form_counter": (2, 10 / 18),                      # 岩見沢市 18 → 10 min
    "rpa_ocr": (3, 1 - 0.90),                             # 目黒区 ≥ 90 %
    "cashless": (7, 1 - 1.0 / 2.0),                       # 三鷹市 1 min of a 2-minute step
}


def _draw(data, key):
    p = PARAMETERS[key]
    return data.draw(st.floats(p.low, p.high, allow_nan=False), label=key)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_measures_never_beat_their_published_best_case(data):
    for measure, (step, floor) in BEST_CASES.items():
        values = {k: _draw(data, k) for k in MEASURES[measure].parameters
                  if PARAMETERS[k].drawn}
        values["implementation_share"] = _draw(data, "implementation_share")
        graph = MEASURES[measure].apply(small_graph(), values)
        for effect in graph.nodes[step]["effects"]:
            assert effect_multiplier(effect, values) >= floor - 1e-9, (measure, values)


def test_a_user_may_go_beyond_the_best_case():
    graph = MEASURES["no_form_counter"].apply(small_graph())
    effect = graph.nodes[2]["effects"][0]
    bold = {"no_form_visit_retained": 0.3, "implementation_share": 1.0}
    assert effect_multiplier(effect, bold) == pytest.approx(0.3)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_monte_carlo_draws_stay_inside_the_ranges(seed):
    theta = _theta(np.random.default_rng(seed), 200, {}, True)
    for key, p in PARAMETERS.items():
        if p.drawn and not p.derived:
            column = theta[:, PARAM_INDEX[key]]
            assert (column >= p.low - 1e-12).all()
            assert (column <= p.high + 1e-12).all()
    best = PARAMETERS["rpa_reduction"].best_case
    assert (theta[:, PARAM_INDEX["rpa_time_cut"]] <= best).all()


def test_draws_have_the_shown_value_as_their_mean():
    rng = np.random.default_rng(5)
    draws = beta_draws(rng, np.array([5.0, 0.4, 3.0]), np.array([3.0, 0.0, 3.0]),
                       np.array([9.0, 1.0, 9.0]), (200_000, 3))
    assert draws.mean(axis=0) == pytest.approx([5.0, 0.4, 3.0], abs=0.01)
    assert (draws[:, 2] == 3.0).all()  # a mean on the edge: no spread, never beyond
    theta = _theta(np.random.default_rng(6), 100_000, {}, True)
    for key in ("online_uptake_ceiling", "rpa_reduction", "no_form_visit_retained",
                "implementation_share", "cashless_minutes_saved"):
        assert theta[:, PARAM_INDEX[key]].mean() == pytest.approx(PARAMETERS[key].default,
                                                                  rel=0.02)
    # The curve is close to linear in its draws: its mean is the shown value within 5 %.
    assert theta[:, PARAM_INDEX["online_adoption"]].mean() == pytest.approx(
        value("online_adoption"), rel=0.05)
    assert uptake(3, 0.1, 0.2) == pytest.approx(0.0488)


# --- the sample: one set of numbers, and where DX標準 lands ---------------------------------

@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    path = tmp_path_factory.mktemp("calibration") / "city.bprproj"
    assert import_surveys(path, sample_files()).ok
    return path


def test_expected_saving_of_dx_standard_lies_in_the_published_range(sample):
    with open_project(sample) as project:
        model = load_model(project)
        scenario = get_scenario(project, DEFAULT_SCENARIO)
    both = compare_both(model, scenario)
    assert both.year == 3
    assert "3年目" in scenario.description
    shares = {}
    for name in ("expected", "potential"):
        city = getattr(both, name).city()
        shares[name] = city.loc["staff_time_h", "saved"] / city.loc["staff_time_h", "as_is"]
    assert PUBLISHED_RANGE[0] <= shares["expected"] <= PUBLISHED_RANGE[1]
    assert shares["expected"] < shares["potential"]
    assert band_of(shares["expected"]).key in ("realised", "potential")
    assert "%" in band_text(shares["expected"])
    assert "東海村" in band_text(0.03)
    assert potential_values()["online_adoption"] == 1.0


def test_point_figures_lie_inside_their_own_p5_p95(sample):
    with open_project(sample) as project:
        result = run_pipeline(project, DEFAULT_SCENARIO, replications=300, seed=4,
                              counter=False)
    blocks = [("city", result.city)]
    blocks += [(s.name, s) for s in result.sections]
    blocks += [(p.procedure_id, p) for p in result.procedures]
    outside = []
    for name, block in blocks:
        for side in ("as_is", "to_be", "savings"):
            for metric in ("staff_time_h", "staff_economic_yen", "citizen_time_h", "staff_fte"):
                s = getattr(block, side)[metric]
                slack = 1e-6 * max(1.0, abs(s.deterministic))
                if not s.p5 - slack <= s.deterministic <= s.p95 + slack:
                    outside.append((name, side, metric, s))
    assert not outside, outside[:5]
    # Expected and potential are both in the result; the band quotes the expected share
    # with its own P5–P95 and says which published band it is in.
    band, potential = result.band, result.potential
    assert band is not None
    assert potential is not None
    assert band.expected_share_p5 <= band.expected_share <= band.expected_share_p95
    assert band.expected_share < band.potential_share
    assert f"{band.expected_share:.1%}" in band.text_ja
    assert "3年目" in band.text_ja
    assert band_of(band.expected_share).ja in band.text_ja
    assert potential.city["staff_time_h"] > result.city.savings["staff_time_h"].deterministic
    assert sum(s["staff_time_h"] for s in potential.sections.values()) == pytest.approx(
        potential.city["staff_time_h"])
    assert set(potential.procedures) == {p.procedure_id for p in result.procedures}
    # …and the point is the Monte Carlo mean within Monte Carlo error (city staff hours).
    samples = np.array(result.city_samples["staff_time_h"])
    point = result.city.savings["staff_time_h"].deterministic
    assert abs(samples.mean() - point) < 4 * samples.std() / np.sqrt(len(samples)) + 0.01 * point
