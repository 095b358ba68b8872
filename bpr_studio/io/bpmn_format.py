"""What BPR Studio writes into and reads from BPMN 2.0 files: namespaces, IDs, durations.

Shared by :mod:`bpr_studio.io.bpmn_export` and :mod:`bpr_studio.io.bpmn_import`;
``docs/bpmn.md`` documents the mapping element by element.

- BPMN 2.0 (OMG formal/2011-01-03) for the model and its diagram (BPMNDI);
- BPSim 1.0 (WfMC, 2013) for what a simulator needs: processing times as
  triangular distributions in minutes, branch probabilities on sequence flows;
- our own extension elements (namespace :data:`BPR_NS`) for the survey fields BPMN has
  no place for (actor code, kind of work, media, seal, burdens, share of cases, …).

>>> iso_duration_days(2.5)
'P2DT12H'
>>> parse_iso_duration_days('PT36H')
1.5
>>> element_id('Task', 'KA-01', 3)
'Task_KA-01_3'
"""

from __future__ import annotations

import math
import re

from bpr_studio.io.survey_format import MAX_STEP_MINUTES, STEPS

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
BPSIM_NS = "http://www.bpsim.org/schemas/1.0"
BPR_NS = "urn:bpr-studio:bpmn-extension:1"

NAMESPACES = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "dc": DC_NS, "di": DI_NS, "xsi": XSI_NS,
              "bpsim": BPSIM_NS, "bpr": BPR_NS}

# Step fields kept on <bpr:step> (attribute name = field name). Times and branch
# probabilities are not here: they go to BPSim, which other simulators read.
STEP_ATTRIBUTES = ("step_no", "actor", "work_kind", "share_pct", "medium", "manual_entry",
                   "seal", "physical_burden", "cognitive_burden", "psychological_burden",
                   "enjoyment", "wait_days", "staff_category", "notes")
PROCEDURE_ATTRIBUTES = ("procedure_id", "name", "department", "section", "team", "category",
                        "legal_basis", "legal_basis_name", "legal_form_requirement",
                        "identity_check", "attachment_kind", "attachment_count",
                        "attachment_names", "fee_yen", "fee_payment", "annual_cases",
                        "online_cases", "peak_months", "visit_required", "lead_time_days",
                        "notes")
# Yes/no fields, written as true/false (SQLite hands them back as 0/1).
BOOLEAN_ATTRIBUTES = frozenset({"manual_entry", "seal", "visit_required"})

# Sanity limit of a BPMN task's time: the survey's own bound (90 days, 129,600 minutes),
# so what imports from BPMN also goes to a survey workbook and back. A BPMN model holds
# work done elsewhere over days (an outside agency's inquiry; Prosimos' examples reach
# 18,843 minutes); above a day it is taken with a warning.
MAX_TASK_MINUTES = MAX_STEP_MINUTES
# Tasks of one process: step numbers stop at 999 in the survey format.
MAX_TASKS = int(STEPS.column("step_no").maximum or 999)
WARN_TASK_MINUTES = 1_440.0

_NOT_NAME_CHAR = re.compile(r"[^A-Za-z0-9_.-]")


def element_id(kind: str, procedure_id: str, suffix: object = "") -> str:
    """An XML ID (NCName) for an element of a procedure: ASCII, starts with a letter."""
    pid = _NOT_NAME_CHAR.sub("_", procedure_id) or "_"
    return f"{kind}_{pid}" + (f"_{suffix}" if suffix != "" else "")


def iso_duration_days(days: float) -> str:
    """ISO 8601 duration of a number of days, in whole days, hours and minutes."""
    minutes = round(max(days, 0.0) * 1440)
    whole_days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    text = "P" + (f"{whole_days}D" if whole_days else "")
    time = (f"{hours}H" if hours else "") + (f"{mins}M" if mins else "")
    if time:
        text += "T" + time
    return text if text != "P" else "PT0M"


_ISO = re.compile(r"^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?"
                  r"(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?"
                  r"(?:(\d+(?:\.\d+)?)S)?)?$")


def parse_iso_duration_days(text: str) -> float | None:
    """Days of an ISO 8601 duration (``P3D``, ``PT36H``, ``P1DT2H``); None if not one.

    Years and months are counted as 365 and 30 days (a wait is never that long in
    practice, and BPMN tools write days and hours).
    """
    match = _ISO.match(text.strip().upper())
    if not match or text.strip().upper() in ("P", "PT"):
        return None
    years, months, weeks, days, hours, minutes, seconds = (
        float(g) if g else 0.0 for g in match.groups())
    total = (years * 365 + months * 30 + weeks * 7 + days + hours / 24 + minutes / 1440
             + seconds / 86400)
    return total if math.isfinite(total) else None
