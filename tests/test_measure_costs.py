"""Costs of measures as data (issue 15 item 1): defaults with sources, overrides, refusals."""

from __future__ import annotations

import pytest

from analysis.measure_costs import (
    DEFAULT_ITEMS,
    DISCOUNT_KEY,
    CostDataError,
    cost_table,
    parse_cost_setting,
)
from analysis.measures import MEASURES
from analysis.sources import PROPOSAL


def test_every_default_has_a_publication_or_says_it_is_a_proposal() -> None:
    for item in DEFAULT_ITEMS:
        assert item.measure in MEASURES, item.key
        assert item.sources or item.reasoning.startswith(PROPOSAL), item.key
        for source in item.sources:
            assert source.title
            assert source.organisation
            assert source.url.startswith("http"), item.key


def test_every_measure_has_a_cost() -> None:
    costed = {item.measure for item in DEFAULT_ITEMS}
    assert costed == set(MEASURES)


def test_a_scenario_override_replaces_one_figure_and_is_listed_as_changed() -> None:
    table = cost_table({"cost.rpa_licence.running_yen_per_year": 1_000_000,
                        "online_adoption": 0.3, DISCOUNT_KEY: 0.02})
    assert table.item("rpa_licence").running_yen_per_year == 1_000_000
    assert table.item("rpa_licence").initial_yen == 1_000_000  # the rest as published
    assert table.discount_rate == 0.02
    assert table.changed == {"cost.rpa_licence.running_yen_per_year", DISCOUNT_KEY}


@pytest.mark.parametrize(("key", "value", "words"), [
    ("cost.rpa_licence.initial_yen", -1, "負の値"),
    ("cost.online_forms.staff_hours", -3, "負の値"),
    ("cost.e_approval_system.life_years", 0, "耐用年数"),
    ("cost.e_approval_system.life_years", float("nan"), "値がありません"),
    ("cost.cashless_terminals.subsidy_share", 1.5, "補助率"),
    ("cost.cashless_terminals.subsidy_share", -0.1, "補助率"),
    ("cost.no_such_item.initial_yen", 1, "no_such_item"),
    ("cost.rpa_licence.colour", 1, "colour"),
    (DISCOUNT_KEY, 1.2, "割引率"),
])
def test_bad_cost_data_is_refused_with_the_field_named(key: str, value: float,
                                                       words: str) -> None:
    with pytest.raises(CostDataError) as caught:
        cost_table({key: value})
    assert caught.value.field == key
    assert key in caught.value.message("ja")
    assert words in caught.value.message("ja")
    assert key in caught.value.message("en")


def test_a_setting_typed_in_percent_is_read_as_a_share_and_checked() -> None:
    assert parse_cost_setting("rpa_licence.subsidy_share=50%") == (
        "cost.rpa_licence.subsidy_share", 0.5)
    assert parse_cost_setting("economics.discount_rate=2%") == (DISCOUNT_KEY, 0.02)
    with pytest.raises(CostDataError) as caught:
        parse_cost_setting("rpa_licence.subsidy_share=120%")
    assert caught.value.field == "cost.rpa_licence.subsidy_share"


def test_overrides_are_stored_with_the_scenario_and_read_back(tmp_path) -> None:
    from analysis.compare import parameter_values
    from analysis.scenario import DEFAULT_SCENARIO
    from bpr_studio.io.survey_import import import_surveys
    from bpr_studio.loading import get_scenario, save_scenario
    from bpr_studio.store import open_project
    from sample_surveys.build_samples import sample_files

    path = tmp_path / "city.bprproj"
    assert import_surveys(path, sample_files()).ok
    with open_project(path) as project:
        scenario = get_scenario(project, DEFAULT_SCENARIO)
        scenario.params["cost.e_approval_system.initial_yen"] = 8_000_000.0
        save_scenario(project, scenario)
    with open_project(path) as project:
        again = get_scenario(project, DEFAULT_SCENARIO)
    table = cost_table(parameter_values(again))
    assert table.item("e_approval_system").initial_yen == 8_000_000
    assert "cost.e_approval_system.initial_yen" in table.changed
