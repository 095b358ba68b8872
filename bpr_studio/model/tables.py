"""Project tables (SQLModel). Portable SQL only: the same model runs on PostgreSQL.

Procedures are keyed by their survey/national 手続ID. Steps and their links hang off
a procedure with ON DELETE CASCADE, so replacing a section deletes its procedures
and everything below them in one statement.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import Column, ForeignKey, LargeBinary, String, Table, UniqueConstraint
from sqlmodel import Field, SQLModel


class Meta(SQLModel, table=True):
    """Key/value facts about the project file: schema version, application, name."""

    __table__: ClassVar[Table]  # set by SQLAlchemy; declared for the type checker
    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(default="")


class ImportBatch(SQLModel, table=True):
    __table__: ClassVar[Table]  # set by SQLAlchemy; declared for the type checker
    __tablename__ = "import_batch"
    id: int | None = Field(default=None, primary_key=True)
    imported_at: datetime
    files: str = ""  # JSON list of file names
    sections: str = ""  # JSON list of the sections this batch replaced


class ImportSnapshot(SQLModel, table=True):
    """What an import replaced, so that the last import can be undone (schema 2).

    ``payload`` is zlib-compressed JSON of the deleted rows (procedures, steps, links,
    unit costs, stored issues); ``sections`` and ``procedure_ids`` say what the batch wrote.
    """

    __tablename__ = "import_snapshot"
    __table__: ClassVar[Table]  # set by SQLAlchemy; declared for the type checker
    batch_id: int = Field(primary_key=True, foreign_key="import_batch.id")
    sections: str = "[]"
    procedure_ids: str = "[]"
    step_only_ids: str = "[]"
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Procedure(SQLModel, table=True):
    __table__: ClassVar[Table]  # set by SQLAlchemy; declared for the type checker
    procedure_id: str = Field(primary_key=True, max_length=64)
    name: str
    department: str | None = None
    section: str = Field(index=True)
    team: str | None = None
    category: str = "other"
    legal_basis: str | None = None
    legal_basis_name: str | None = None
    legal_form_requirement: str | None = None
    identity_check: str | None = None
    attachment_kind: str | None = None
    attachment_count: int | None = None
    attachment_names: str | None = None
    fee_yen: float | None = None
    fee_payment: str | None = None
    annual_cases: int = 0
    online_cases: int | None = None
    peak_months: str | None = None  # "3,4"
    visit_required: bool | None = None
    lead_time_days: float | None = None
    notes: str | None = None
    national_id: str | None = None   # the inventory's 手続ID (schema 6)
    counter: str | None = None       # the window the citizen goes to; None = the section's
    form_fields: str | None = None   # "氏名; 住所; 生年月日": what the form asks for
    origin: str = "survey"  # survey | inventory | app
    source_file: str | None = None
    source_row: int | None = None
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")
    # Optimistic concurrency (schema 7): +1 on every change, so an edit made on an older
    # version is refused (bpr_studio.edits.StaleEditError); who made the last change.
    row_version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    updated_by: str | None = None


class Step(SQLModel, table=True):
    __table__: ClassVar[Table]  # set by SQLAlchemy; declared for the type checker
    __table_args__ = (UniqueConstraint("procedure_id", "step_no"),)
    id: int | None = Field(default=None, primary_key=True)
    procedure_id: str = Field(sa_column=Column(
        String(64), ForeignKey("procedure.procedure_id", ondelete="CASCADE"),
        nullable=False, index=True))
    step_no: int
    name: str
    actor: str
    work_kind: str
    min_minutes: float | None = None
    # Blank (schema 4) where the source had no time (a BPMN task without one): never
    # stored as 0. Costing counts it as 0 minutes and the stored warning says 要確認.
    typical_minutes: float | None = None
    max_minutes: float | None = None
    share_pct: float = 100.0
    medium: str | None = None
    manual_entry: bool = False
    seal: bool = False
    physical_burden: int | None = None
    cognitive_burden: int | None = None
    psychological_burden: int | None = None
    enjoyment: int | None = None
    wait_days: float = 0.0
    staff_category: str = "regular"
    notes: str | None = None
    source_file: str | None = None
    source_sheet: str | None = None
    source_row: int | None = None
    # Optimistic concurrency (schema 7): +1 on every change, so an edit made on an older
    # version is refused (bpr_studio.edits.StaleEditError); who made the last change.
    row_version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    updated_by: str | None = None


class StepLink(SQLModel, table=True):
    """An arrow from one step to the next (``to_step_no`` None = end), with its probability.

    ``parallel`` (schema 3): the arrows of a parallel split (survey ``4&5``, a BPMN parallel
    gateway). Each branch runs; ``probability`` is the chance it runs (1, or below 1 for
    an inclusive split), and the step's arrows need not sum to one (cost_model.parallel).
    """

    __table__: ClassVar[Table]  # set by SQLAlchemy; declared for the type checker
    __tablename__ = "step_link"
    id: int | None = Field(default=None, primary_key=True)
    procedure_id: str = Field(sa_column=Column(
        String(64), ForeignKey("procedure.procedure_id", ondelete="CASCADE"),
        nullable=False, index=True))
    from_step_no: int
    to_step_no: int | None = None
    probability: float = 1.0
    parallel: bool = False


class UnitCost(SQLModel, table=True):
    """A unit cost set by the project (scope '') or by a section's survey (scope = section)."""

    __table__: ClassVar[Table]  # set by SQLAlchemy; declared for the type checker
    __tablename__ = "unit_cost"
    __table_args__ = (UniqueConstraint("scope", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    scope: str = ""
    key: str
    value: float
    source: str = ""
    # Optimistic concurrency (schema 7): +1 on every change, so an edit made on an older
    # version is refused (bpr_studio.edits.StaleEditError); who made the last change.
    row_version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    updated_by: str | None = None


class StoredIssue(SQLModel, table=True):
    """An import warning kept open in the project (for the data-quality view and report)."""

    __table__: ClassVar[Table]  # set by SQLAlchemy; declared for the type checker
    __tablename__ = "import_issue"
    id: int | None = Field(default=None, primary_key=True)
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")
    section: str = ""
    severity: str
    key: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    value: str = ""
    params: str = "{}"  # JSON


class Scenario(SQLModel, table=True):
    """A named set of redesign measures, each applied to chosen procedures or by rule.

    ``measures`` is JSON: [{"measure": key, "params": {...}, "rule": {...}}, ...].
    """

    __table__: ClassVar[Table]  # set by SQLAlchemy; declared for the type checker
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    description: str = ""
    measures: str = "[]"
    # Optimistic concurrency (schema 7): +1 on every change, so an edit made on an older
    # version is refused (bpr_studio.edits.StaleEditError); who made the last change.
    row_version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    updated_by: str | None = None


class SurveyRound(SQLModel, table=True):
    """A later survey of the same procedures (再調査), kept beside the live data (schema 5).

    The live tables (procedure, step, step_link, unit_cost) stay the baseline the rest of
    the app works on; a round keeps its own rows, zlib-compressed JSON in ``payload``
    ({"procedures", "steps", "links", "unit_costs"}: the columns of those tables), so
    procedure IDs need not be unique across rounds. ``sections`` and ``files`` are JSON.
    """

    __tablename__ = "survey_round"
    __table__: ClassVar[Table]  # set by SQLAlchemy; declared for the type checker
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    kind: str = "resurvey"
    surveyed_on: str = ""          # when the re-survey was taken, as typed ('2026-06')
    fiscal_year: int | None = None  # 年度 (western year it starts in)
    imported_at: datetime
    files: str = "[]"
    sections: str = "[]"
    procedures: int = 0
    steps: int = 0
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class LifeEventRow(SQLModel, table=True):
    """A life event the project defines (schema 6); none stored = the default set."""

    __tablename__ = "life_event"
    __table__: ClassVar[Table]  # set by SQLAlchemy; declared for the type checker
    key: str = Field(primary_key=True, max_length=64)
    name: str
    name_en: str = ""
    events_per_year: float = 0.0
    anchor_procedure_id: str | None = None
    one_stop_name: str = "ワンストップ窓口"


class LifeEventMemberRow(SQLModel, table=True):
    """A procedure of a stored life event with the share of event cases needing it."""

    __tablename__ = "life_event_member"
    __table__: ClassVar[Table]  # set by SQLAlchemy; declared for the type checker
    __table_args__ = (UniqueConstraint("event_key", "procedure_id"),)
    id: int | None = Field(default=None, primary_key=True)
    event_key: str = Field(sa_column=Column(
        String(64), ForeignKey("life_event.key", ondelete="CASCADE"), nullable=False, index=True))
    procedure_id: str = Field(max_length=64)  # no foreign key: an import may replace procedures
    share: float = 1.0
    matched: str = ""
    source: str = ""


class TeamMember(SQLModel, table=True):
    """Who may change which rows of a shared project (schema 7; docs/team.md).

    ``name`` is the user's PostgreSQL login role. A member with ``dx`` may change every
    row; another only the rows of ``section`` (procedures, their steps and links, the
    section's unit costs and open warnings). No member at all = nobody is restricted
    (a project file, or a database before its team is set up).
    """

    __tablename__ = "team_member"
    __table__: ClassVar[Table]  # set by SQLAlchemy; declared for the type checker
    name: str = Field(primary_key=True, max_length=63)
    section: str | None = None
    dx: bool = False
    added_at: datetime
    added_by: str = ""
