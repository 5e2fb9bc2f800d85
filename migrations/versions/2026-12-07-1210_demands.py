"""The demands and issues register (outcome 3: "project demands are tracked and issues are
disposed accordingly"), and its indicators in the evidence catalogue.

- ``demand``: one demand or issue in the register of an organisation, raised by someone of
  that organisation or of a partner (``raised_by_organization_id``), about a place (district,
  block, gram panchayat), with its category, priority, status, resolution and escalation level
  (each a vocabulary CHECK), its owner, the day raised, the due date its priority's service
  level gives, the day escalating it is due, the days escalated and disposed. The description
  is sealed. Indexed for the register's newest-first list, for overdue demands (status and due
  date) and for what a partner raised.
- ``demand_link``: the records a demand is about (cases, referrals, SHGs, leader groups,
  schemes, duty-bearer engagements, advocacy actions), each once; indexed by record for a
  survivor leader's groups and a case's demands.
- ``demand_event``: its history, append-only: the app role may add steps, never change or
  remove them (a sealed note in words; codes and ids in ``detail``), only re-seal the note
  under a new key.
- ``demand_comment``: its comment thread, append-only likewise, sealed.
- Indicators (version 1, outcome 3): demands raised, disposed, disposed within the due date,
  the median days to disposal; by category and place.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 12:10:00
"""

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate may render sqlmodel types)
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "shakti_app"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://shakti-mis.org/indicators")
SINCE = date(2000, 1, 1)

CATEGORIES = (
    "entitlement",
    "health_mental_health",
    "education",
    "legal_police",
    "safety",
    "livelihood",
    "service_gap",
    "partner",
    "other",
)
PRIORITIES = ("urgent", "high", "medium", "low")
STATUSES = ("open", "acknowledged", "in_progress", "disposed", "withdrawn")
RESOLUTIONS = ("resolved", "partly_resolved", "not_resolvable", "referred_elsewhere")
LEVELS = ("block", "district", "state", "national")
LINK_KINDS = (
    "case",
    "referral",
    "shg",
    "leader_group",
    "scheme",
    "duty_bearer_engagement",
    "advocacy_action",
)
EVENT_KINDS = ("raised", "status", "reopened", "escalated", "owner", "updated", "links")


def _vocabulary(values: Sequence[str], name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=40)


def use(measure: str, aggregate: str = "count", **filters: list[str]) -> dict[str, Any]:
    return {"measure": measure, "filters": filters, "aggregate": aggregate}


PLACES = ["state", "district", "block"]
INDICATORS: list[dict[str, Any]] = [
    {
        "code": "demands_raised",
        "name": "Demands and issues raised",
        "definition": "Demands and issues raised in the register during the period (on the "
        "day raised), by category and priority. Issues of the programme, not persons' "
        "records: not suppressed.",
        "kind": "count",
        "numerator": use("demands_raised"),
        "unit": "demands",
        "breakdowns": [*PLACES, "category", "priority"],
        "headline_rank": 3,
        "sentence": "{value} demands and issues raised",
    },
    {
        "code": "demands_disposed",
        "name": "Demands and issues disposed",
        "definition": "Demands and issues disposed during the period (on the day disposed; a "
        "demand reopened since no longer counts), by category, priority, resolution and "
        "whether within the due date its priority's service level gave it.",
        "kind": "count",
        "numerator": use("demands_disposed"),
        "unit": "demands",
        "breakdowns": [*PLACES, "category", "priority", "resolution", "within_due_date"],
        "headline_rank": 4,
        "sentence": "{value} demands and issues disposed",
    },
    {
        "code": "demands_disposed_within_due_date",
        "name": "Demands and issues disposed within the due date",
        "definition": "Demands and issues disposed during the period on or before their due "
        "date (the service level of their priority, from the day raised or reopened), by "
        "category.",
        "kind": "count",
        "numerator": use("demands_disposed", within_due_date=["yes"]),
        "unit": "demands",
        "breakdowns": [*PLACES, "category", "priority", "resolution"],
        "headline_rank": None,
        "sentence": "{value} demands and issues disposed within their due date",
    },
    {
        "code": "demand_disposal_days_median",
        "name": "Median days to dispose of a demand",
        "definition": "For demands and issues disposed during the period, the median number "
        "of days from the day raised to the day disposed, by category.",
        "kind": "median",
        "numerator": use("demands_disposed", "median"),
        "unit": "days",
        "breakdowns": [*PLACES, "category", "priority", "resolution", "within_due_date"],
        "headline_rank": None,
        "sentence": None,
    },
]


def _indicator_rows() -> list[dict[str, Any]]:
    return [
        {
            **row,
            "id": uuid.uuid5(NAMESPACE, f"indicator:{row['code']}:1"),
            "version": 1,
            "outcome": 3,
            "denominator": None,
            "factor": 1,
            "suppression": "none",
            "effective_from": SINCE,
        }
        for row in INDICATORS
    ]


def upgrade() -> None:
    # Fail fast instead of queueing behind a long transaction (and blocking everyone after).
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_table(
        "demand",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("district_id", sa.Uuid(), nullable=True),
        sa.Column("raised_by_organization_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description_enc", sa.LargeBinary(), nullable=True),
        sa.Column("category", _vocabulary(CATEGORIES, "demand_category"), nullable=False),
        sa.Column("priority", _vocabulary(PRIORITIES, "demand_priority"), nullable=False),
        sa.Column("status", _vocabulary(STATUSES, "demand_status"), nullable=False),
        sa.Column("resolution", _vocabulary(RESOLUTIONS, "demand_resolution"), nullable=True),
        sa.Column("escalation_level", _vocabulary(LEVELS, "escalation_level"), nullable=True),
        sa.Column("block_id", sa.Uuid(), nullable=True),
        sa.Column("gram_panchayat", sa.String(length=120), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("next_escalation_on", sa.Date(), nullable=False),
        sa.Column("escalated_on", sa.Date(), nullable=True),
        sa.Column("disposed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["block_id"], ["block.id"], name=op.f("fk_demand_block_id_block")),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_demand_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_demand_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["app_user.id"], name=op.f("fk_demand_owner_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_organization_id"],
            ["organization.id"],
            name=op.f("fk_demand_raised_by_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand")),
    )
    op.create_index(op.f("ix_demand_district_id"), "demand", ["district_id"], unique=False)
    op.create_index(op.f("ix_demand_organization_id"), "demand", ["organization_id"], unique=False)
    op.create_index(
        "ix_demand_organization_id_created_at_id",
        "demand",
        ["organization_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_demand_organization_id_status_due_on",
        "demand",
        ["organization_id", "status", "due_on"],
        unique=False,
    )
    op.create_index(
        "ix_demand_raised_by_organization_id",
        "demand",
        ["raised_by_organization_id"],
        unique=False,
    )
    op.create_table(
        "demand_link",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("demand_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("kind", _vocabulary(LINK_KINDS, "demand_link_kind"), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["demand_id"], ["demand.id"], name=op.f("fk_demand_link_demand_id_demand")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_demand_link_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_link")),
        sa.UniqueConstraint(
            "demand_id", "kind", "target_id", name=op.f("uq_demand_link_demand_id_kind_target_id")
        ),
    )
    op.create_index(
        "ix_demand_link_kind_target_id", "demand_link", ["kind", "target_id"], unique=False
    )
    op.create_table(
        "demand_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("demand_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("kind", _vocabulary(EVENT_KINDS, "demand_event_kind"), nullable=False),
        sa.Column("from_status", _vocabulary(STATUSES, "from_demand_status"), nullable=True),
        sa.Column("to_status", _vocabulary(STATUSES, "to_demand_status"), nullable=True),
        sa.Column("from_level", _vocabulary(LEVELS, "from_escalation_level"), nullable=True),
        sa.Column("to_level", _vocabulary(LEVELS, "to_escalation_level"), nullable=True),
        sa.Column(
            "detail",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("note_enc", sa.LargeBinary(), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_organization_id", sa.Uuid(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_organization_id"],
            ["organization.id"],
            name=op.f("fk_demand_event_actor_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["demand_id"], ["demand.id"], name=op.f("fk_demand_event_demand_id_demand")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_demand_event_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_event")),
    )
    op.create_index(
        "ix_demand_event_demand_id_occurred_at_id",
        "demand_event",
        ["demand_id", "occurred_at", "id"],
        unique=False,
    )
    op.create_table(
        "demand_comment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("demand_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("author_organization_id", sa.Uuid(), nullable=True),
        sa.Column("body_enc", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_organization_id"],
            ["organization.id"],
            name=op.f("fk_demand_comment_author_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["demand_id"], ["demand.id"], name=op.f("fk_demand_comment_demand_id_demand")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_demand_comment_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_comment")),
    )
    op.create_index(
        "ix_demand_comment_demand_id_created_at_id",
        "demand_comment",
        ["demand_id", "created_at", "id"],
        unique=False,
    )
    # The app role works demands and their links; it appends history and comments, never
    # rewrites or removes them. It may re-seal their words under a new key (key rotation:
    # persistence/key_rotation.py), and only that column.
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON demand, demand_link TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT ON demand_event, demand_comment TO {APP_ROLE}")
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON demand_event, demand_comment FROM {APP_ROLE}")
    op.execute(f"GRANT UPDATE (note_enc) ON demand_event TO {APP_ROLE}")
    op.execute(f"GRANT UPDATE (body_enc) ON demand_comment TO {APP_ROLE}")
    op.execute(f"REVOKE TRUNCATE ON demand, demand_link FROM {APP_ROLE}")

    indicators = sa.table(
        "indicator",
        sa.column("id", sa.Uuid()),
        sa.column("code", sa.String()),
        sa.column("version", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("outcome", sa.SmallInteger()),
        sa.column("definition", sa.String()),
        sa.column("kind", sa.String()),
        sa.column("numerator", postgresql.JSONB()),
        sa.column("denominator", postgresql.JSONB()),
        sa.column("factor", sa.Integer()),
        sa.column("unit", sa.String()),
        sa.column("breakdowns", postgresql.ARRAY(sa.String())),
        sa.column("suppression", sa.String()),
        sa.column("headline_rank", sa.Integer()),
        sa.column("sentence", sa.String()),
        sa.column("effective_from", sa.Date()),
    )
    op.bulk_insert(indicators, _indicator_rows())


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    codes = ", ".join(f"'{row['code']}'" for row in INDICATORS)
    op.execute(f"DELETE FROM indicator WHERE code IN ({codes})")
    op.drop_index("ix_demand_comment_demand_id_created_at_id", table_name="demand_comment")
    op.drop_table("demand_comment")
    op.drop_index("ix_demand_event_demand_id_occurred_at_id", table_name="demand_event")
    op.drop_table("demand_event")
    op.drop_index("ix_demand_link_kind_target_id", table_name="demand_link")
    op.drop_table("demand_link")
    op.drop_index("ix_demand_raised_by_organization_id", table_name="demand")
    op.drop_index("ix_demand_organization_id_status_due_on", table_name="demand")
    op.drop_index("ix_demand_organization_id_created_at_id", table_name="demand")
    op.drop_index(op.f("ix_demand_organization_id"), table_name="demand")
    op.drop_index(op.f("ix_demand_district_id"), table_name="demand")
    op.drop_table("demand")
