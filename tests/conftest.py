from __future__ import annotations

import atexit
import copy
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The sample project and logs go to a folder of this test run, never to the user's data
# folder: a sample built there by another version (another checkout) would fail tests.
_USER_DATA = tempfile.mkdtemp(prefix="bpr-tests-")
atexit.register(shutil.rmtree, _USER_DATA, ignore_errors=True)
os.environ["XDG_DATA_HOME"] = os.environ["LOCALAPPDATA"] = _USER_DATA

from bpr_studio.io.template import write_survey_workbook  # noqa: E402
from sample_surveys.sample_data import section_rows  # noqa: E402

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def small_procedure(pid: str = "T-001", section: str = "市民課", **changes: Any) -> dict[str, Any]:
    row = {"procedure_id": pid, "name": "住民票の写しの交付", "department": "市民生活部",
           "section": section, "category": "基幹17業務", "legal_basis": "法律・政令",
           "identity_check": "本人確認書類", "attachment_kind": "なし", "attachment_count": 0,
           "fee_yen": 300, "annual_cases": 1000, "online_cases": 100, "visit_required": "○"}
    row.update(changes)
    return row


def small_steps(pid: str = "T-001") -> list[dict[str, Any]]:
    return [
        {"procedure_id": pid, "step_no": 1, "name": "記入", "actor": "市民", "work_kind": "記入",
         "min_minutes": 3, "typical_minutes": 5, "max_minutes": 10},
        {"procedure_id": pid, "step_no": 2, "name": "受付", "actor": "窓口職員",
         "work_kind": "受付", "min_minutes": 2, "typical_minutes": 3, "max_minutes": 6,
         "next_steps": "3(90%); 1(10%)"},
        {"procedure_id": pid, "step_no": 3, "name": "入力", "actor": "担当職員",
         "work_kind": "入力", "typical_minutes": "1時間30分", "manual_entry": "○"},
    ]


@pytest.fixture
def make_workbook(tmp_path: Path):
    """Write a survey workbook from rows; returns its path."""
    def make(name: str = "survey.xlsx", procedures: list[dict] | None = None,
             steps: list[dict] | None = None, unit_costs: list[dict] | None = None) -> Path:
        procedures = [small_procedure()] if procedures is None else procedures
        steps = small_steps() if steps is None else steps
        return write_survey_workbook(tmp_path / name, copy.deepcopy(procedures),
                                     copy.deepcopy(steps), unit_costs)
    return make


@pytest.fixture
def sample_section_rows():
    return section_rows


# --- PostgreSQL: the store suite runs on both backends -----------------------------
@pytest.fixture(scope="session")
def pg_server():
    """A private PostgreSQL server for this test run (tests/pg_server.py); skipped when
    none can be found or started, except on CI (BPR_REQUIRE_POSTGRES=1), where that fails."""
    from tests import pg_server as pg

    server, why = pg.start_server()
    if server is None:
        if os.environ.get("BPR_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"BPR_REQUIRE_POSTGRES=1 but {why}")
        pytest.skip(why)
    yield server
    pg.stop_server(server)


@pytest.fixture
def pg_url(pg_server):
    """The URL of a new, empty database on the test server, dropped afterwards."""
    from tests import pg_server as pg

    name = pg.create_database(pg_server)
    yield pg_server.url(name)
    pg.drop_database(pg_server, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def project_target(request, tmp_path):
    """Where a store test puts its project: a .bprproj file, or a PostgreSQL database.
    A test that takes this fixture runs once per backend."""
    if request.param == "sqlite":
        return tmp_path / "p.bprproj"
    return request.getfixturevalue("pg_url")
