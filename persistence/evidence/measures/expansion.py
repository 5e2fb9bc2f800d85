"""Outcome 5: expansion and policy engagement. Partner organisations by onboarding stage, the
states where a partner implements the model, advocacy actions.

These are figures about organisations, states and public acts, not persons: the facts carry no
district (a partner is onboarded in a state) and no person.
"""

from __future__ import annotations

from persistence.evidence.measure import Dimension, Measure, MeasureKind, vocabulary, watching
from persistence.models.leadership_vocabulary import AdvocacyLevel, OnboardingStage

STAGE = Dimension("stage", "Onboarding stage", vocabulary(OnboardingStage))
LEVEL = Dimension("level", "Level of the advocacy action", vocabulary(AdvocacyLevel))
OUTCOME_RECORDED = Dimension(
    "outcome_recorded", "Whether an outcome of the action has been recorded", ("yes", "no")
)

# Each move of an onboarding opens a spell in the stage it moved to, until its next move (two
# moves on one day leave an empty spell: the stage held at the day's end is the later one, in
# the order the moves were recorded, as the history lists them).
_SPELLS = """
        WITH spells AS (
            SELECT x.organization_id, o.id AS onboarding_id, o.state_id,
                   x.to_stage AS stage, x.changed_on AS from_date,
                   lead(x.changed_on) OVER (PARTITION BY x.onboarding_id
                                            ORDER BY x.changed_on, x.at, x.id)
                       AS to_date
              FROM partner_onboarding_stage_change x
              JOIN partner_onboarding o ON o.id = x.onboarding_id
             WHERE x.organization_id = ANY({orgs}) AND o.deleted_at IS NULL
        )"""

PARTNER_STAGES = Measure(
    code="partner_stages",
    subject="partner_onboarding",
    description="Partner organisations being onboarded, each in the stage it stood at "
    "(explored, scoping, agreement signed, implementing, paused), from the day it moved "
    "there until it moved on.",
    kind=MeasureKind.stock,
    about_survivors=False,
    has_district=False,
    dims=(STAGE,),
    sql=f"""{_SPELLS}
        SELECT s.organization_id, NULL::uuid AS district_id, NULL::uuid AS block_id,
               NULL::uuid AS survivor_id, s.onboarding_id AS unit_key,
               NULL::uuid AS person_key, NULL::numeric AS amount, s.stage AS d_stage,
               s.from_date, s.to_date
          FROM spells s""",
    watch=watching("partner_onboarding", "partner_onboarding_stage_change"),
)

# The unit is the state: its implementing spells (of every partner there, under any of the
# organisations asked about) merged, so that a state with two partners stands once.
PARTNER_STATES = Measure(
    code="partner_states",
    subject="state",
    description="States where at least one partner organisation is implementing the model, "
    "from the day the first one began implementing until the last one stopped.",
    kind=MeasureKind.stock,
    about_survivors=False,
    has_district=False,
    sql=f"""{_SPELLS},
        states AS (
            SELECT s.state_id, (array_agg(s.organization_id ORDER BY s.organization_id))[1]
                       AS organization_id,
                   range_agg(daterange(s.from_date, s.to_date)) AS spans
              FROM spells s
             WHERE s.stage = 'implementing' AND (s.to_date IS NULL OR s.to_date > s.from_date)
             GROUP BY s.state_id
        )
        SELECT st.organization_id, NULL::uuid AS district_id, NULL::uuid AS block_id,
               NULL::uuid AS survivor_id, st.state_id AS unit_key, NULL::uuid AS person_key,
               NULL::numeric AS amount, lower(r) AS from_date, upper(r) AS to_date
          FROM states st, unnest(st.spans) r""",
    watch=watching("partner_onboarding", "partner_onboarding_stage_change"),
)

ADVOCACY_ACTIONS = Measure(
    code="advocacy_actions",
    subject="advocacy_action",
    description="Advocacy actions (meetings, submissions, consultations, campaigns, media) "
    "with departments and bodies, on the day of the action, by level and by whether its "
    "outcome has been recorded (as far as we know today).",
    kind=MeasureKind.flow,
    about_survivors=False,
    has_district=False,
    dims=(LEVEL, OUTCOME_RECORDED),
    sql="""
        SELECT a.organization_id, NULL::uuid AS district_id, NULL::uuid AS block_id,
               NULL::uuid AS survivor_id, a.id AS unit_key, NULL::uuid AS person_key,
               NULL::numeric AS amount, a.level AS d_level,
               CASE WHEN a.outcome IS NULL THEN 'no' ELSE 'yes' END AS d_outcome_recorded,
               a.acted_on AS on_date
          FROM advocacy_action a
         WHERE a.organization_id = ANY({orgs}) AND a.deleted_at IS NULL""",
    watch=watching("advocacy_action"),
)

MEASURES = (PARTNER_STAGES, PARTNER_STATES, ADVOCACY_ACTIONS)
