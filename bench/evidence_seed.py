"""The evidence benchmark's world, written set-based as the superuser (INSERT ... SELECT over
generate_series), never through the services: ``survivors`` survivors over five years and
everything the five outcomes count about them, in proportion.

At 100k survivors: ~110k cases, ~1M case events (openings, stage transitions, visits,
assessments, goals, the plan agreement, referrals, legal steps), ~500k visits, ~1M SHG ledger
entries, ~100k referrals' steps, ~80k entitlement applications, and the rest (see
bench/README.md). Sealed (``*_enc``) columns hold one dummy byte: the evidence engine never
reads them.

Every statement is a constant template filled with literals made here (numbers, ISO instants,
ids): nothing from outside the script reaches the SQL.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

GEOGRAPHY = uuid.uuid5(uuid.NAMESPACE_URL, "https://shakti-mis.org/geography")
YEARS = 5


def wb_district(name: str) -> uuid.UUID:
    """Id of a seeded West Bengal district (the migration's UUIDv5 of the name)."""
    return uuid.uuid5(GEOGRAPHY, f"district:WB:{name}")


# Where each organisation works, a district named twice weighing twice.
LEAD_DISTRICTS = (
    ["South 24 Parganas"] * 4
    + ["North 24 Parganas"] * 3
    + ["Kolkata"] * 2
    + ["Howrah", "Hooghly", "Purba Medinipur", "Nadia"]
)
PARTNER_A_DISTRICTS = ["Murshidabad"] * 2 + ["Malda"] * 2 + ["Nadia", "Birbhum"]
PARTNER_B_DISTRICTS = ["Jalpaiguri"] * 2 + [
    "Darjeeling",
    "Cooch Behar",
    "Alipurduar",
    "Uttar Dinajpur",
]
# Share of the survivors each organisation holds.
SHARES = (0.8, 0.1, 0.1)
BLOCKS_PER_DISTRICT = 5
DUMMY = "decode('00', 'hex')"


@dataclass(frozen=True)
class World:
    """What the measurement needs to know of the seeded world."""

    lead: uuid.UUID
    partners: tuple[uuid.UUID, uuid.UUID]
    manager: uuid.UUID
    survivors: int
    start: datetime
    now: datetime


def _array(ids: list[uuid.UUID]) -> str:
    return "ARRAY[" + ", ".join(f"'{i}'::uuid" for i in ids) + "]"


def _ist(expression: str) -> str:
    """The business date (Asia/Kolkata) of an instant."""
    return f"(({expression}) AT TIME ZONE 'Asia/Kolkata')::date"


def _at(day: str, clock: str = "11:00") -> str:
    """An instant on a business day (Asia/Kolkata), at a time of day."""
    return f"((({day})::date + time '{clock}') AT TIME ZONE 'Asia/Kolkata')"


def _pick(values: list[str] | tuple[str, ...]) -> str:
    """One of ``values`` at random (uniform)."""
    literal = "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]"
    return f"({literal})[1 + floor(random() * {len(values)})::int]"


def _weighted(weights: dict[str, int]) -> str:
    """One of the keys at random, by weight (whole numbers)."""
    values = [key for key, weight in weights.items() for _ in range(weight)]
    return _pick(values)


def steps(params: dict[str, str]) -> list[tuple[str, str]]:
    """The seeding statements, in order, with their labels."""
    p = params
    now, start, today = p["now"], p["start"], p["today"]
    out: list[tuple[str, str]] = []

    def add(label: str, sql: str) -> None:
        out.append((label, sql))

    # -- places and organisations -------------------------------------------------------------
    add(
        "places",
        f"""
        CREATE TEMP TABLE bo (idx int, id uuid, share float8, districts uuid[]);
        INSERT INTO bo VALUES (0, {p["lead"]}, {SHARES[0]}, {p["lead_districts"]}),
                              (1, {p["partner_a"]}, {SHARES[1]}, {p["a_districts"]}),
                              (2, {p["partner_b"]}, {SHARES[2]}, {p["b_districts"]});
        INSERT INTO block (id, district_id, name)
        SELECT gen_random_uuid(), d.id, d.name || ' block ' || g
          FROM district d, generate_series(1, {BLOCKS_PER_DISTRICT}) g
         WHERE d.id IN (SELECT unnest(districts) FROM bo)
        ON CONFLICT DO NOTHING;
        CREATE TEMP TABLE bb AS
        SELECT district_id, array_agg(id ORDER BY name) AS ids FROM block GROUP BY district_id;
        INSERT INTO state (id, name, code) VALUES
            ({p["jharkhand"]}, 'Jharkhand', 'JH'), ({p["odisha"]}, 'Odisha', 'OD')
        ON CONFLICT DO NOTHING;
        INSERT INTO organization (id, name, kind, state_id)
        SELECT id, name, 'partner_ngo', state FROM (VALUES
            ({p["org_c"]}, 'Bench Ranchi Mahila Samiti', {p["jharkhand"]}),
            ({p["org_d"]}, 'Bench Dumka Nari Sangha', {p["jharkhand"]}),
            ({p["org_e"]}, 'Bench Ganjam Shakti Kendra', {p["odisha"]}),
            ({p["org_f"]}, 'Bench Koraput Jan Vikas', {p["odisha"]})) v(id, name, state);
        INSERT INTO organization (id, name, kind)
        VALUES ({p["provider_1"]}, 'Bench District Hospital', 'service_provider'),
               ({p["provider_2"]}, 'Bench Legal Aid Clinic', 'service_provider');
        CREATE TEMP TABLE receivers AS
        SELECT ARRAY[{p["partner_a"]}, {p["partner_b"]}, {p["provider_1"]},
                     {p["provider_2"]}, {p["provider_2"]}] AS ids;
        """,
    )
    # -- social workers: one per 100 survivors, each in one district of her organisation ---
    add(
        "social workers",
        f"""
        CREATE TEMP TABLE bw AS
        SELECT o.id AS org, d.district, gen_random_uuid() AS id
          FROM bo o,
               LATERAL (SELECT DISTINCT unnest(o.districts) AS district) d,
               LATERAL generate_series(1, GREATEST(1, ceil({p["n"]} * o.share / 100.0
                   / (SELECT count(DISTINCT x) FROM unnest(o.districts) x))::int)) g;
        INSERT INTO app_user (organization_id, id, created_at, updated_at, created_by, email,
                              full_name, role, password_hash, password_changed_at)
        SELECT org, id, {start} - interval '60 days', {start} - interval '60 days',
               {p["manager"]}, 'worker.' || id || '@bench.example.org', 'Social Worker',
               'social_worker', {p["hash"]}, {start} - interval '60 days'
          FROM bw;
        INSERT INTO user_district (user_id, district_id) SELECT id, district FROM bw;
        CREATE TEMP TABLE bwd AS
        SELECT org, district, array_agg(id) AS ids FROM bw GROUP BY org, district;
        """,
    )
    # -- survivors: registrations grow over the five years (density rising linearly) -------
    add(
        "survivors",
        f"""
        CREATE TEMP TABLE bs AS
        WITH base AS (
            SELECT g, gen_random_uuid() AS id,
                   CASE WHEN random() < {SHARES[0]} THEN 0
                        WHEN random() < 0.5 THEN 1 ELSE 2 END AS oi,
                   {start} + sqrt(random()) * ({now} - {start} - interval '1 day') AS created_at
              FROM generate_series(1, {p["n"]}) g
        ), placed AS (
            SELECT b.*, o.id AS org,
                   o.districts[1 + floor(random() * cardinality(o.districts))::int] AS district
              FROM base b JOIN bo o ON o.idx = b.oi
        )
        SELECT s.g, s.id, s.org, s.district, s.created_at,
               w.ids[1 + floor(random() * cardinality(w.ids))::int] AS worker,
               {_weighted({"female": 92, "male": 6, "undisclosed": 2})} AS sex,
               CASE WHEN random() < 0.05 THEN NULL
                    ELSE extract(year FROM s.created_at)::int - 13 - floor(random() * 33)::int
               END AS birth_year,
               CASE WHEN random() < 0.004
                    THEN s.created_at + random() * ({now} - s.created_at) END AS deleted_at,
               row_number() OVER (PARTITION BY s.org ORDER BY s.g) AS oseq
          FROM placed s JOIN bwd w ON w.org = s.org AND w.district = s.district;
        CREATE INDEX ON bs (org, oseq);
        ANALYZE bs;
        CREATE TEMP TABLE bso AS SELECT org, count(*) AS n FROM bs GROUP BY org;
        INSERT INTO survivor (organization_id, id, district_id, created_at, updated_at,
                              created_by, deleted_at, personal_enc, sex, birth_year,
                              age_is_estimate, languages, identity_document_kinds)
        SELECT org, id, district, created_at, COALESCE(deleted_at, created_at), worker,
               deleted_at, {DUMMY}, sex, birth_year, random() < 0.2,
               CASE WHEN random() < 0.15 THEN '{{bn,hi}}' ELSE '{{bn}}' END::varchar[],
               CASE WHEN random() < 0.5 THEN '{{aadhaar}}' ELSE '{{}}' END::varchar[]
          FROM bs;
        """,
    )
    # -- consents: case management for all; aggregate reporting for ~90 %, some withdrawn,
    # superseded by a later revision, expiring (some renewed, some after a gap) ------------
    add(
        "consents",
        f"""
        INSERT INTO consent (organization_id, id, created_at, updated_at, created_by,
                             survivor_id, purpose, given_by, method, language, given_at,
                             withdrawn_at, revision)
        SELECT org, gen_random_uuid(), created_at + interval '10 minutes',
               created_at + interval '10 minutes', worker, id, 'case_management',
               CASE WHEN random() < 0.05 THEN 'guardian' ELSE 'survivor' END,
               {_weighted({"written": 6, "thumbprint": 3, "verbal": 1})}, 'bn',
               created_at + interval '10 minutes',
               CASE WHEN random() < 0.02
                    THEN created_at + random() * ({now} - created_at) END, 1
          FROM bs;
        CREATE TEMP TABLE bk AS
        SELECT id AS survivor_id, org, worker, created_at, random() AS r, random() AS u,
               gen_random_uuid() AS k1, gen_random_uuid() AS k2
          FROM bs;
        INSERT INTO consent (organization_id, id, created_at, updated_at, created_by,
                             survivor_id, purpose, given_by, method, language, given_at,
                             expires_at, withdrawn_at, revision)
        SELECT org, k1, g, COALESCE(w, g), worker, survivor_id, 'aggregate_reporting',
               'survivor', 'written', 'bn', g,
               CASE WHEN r >= 0.23 AND r < 0.38 THEN g + interval '730 days' END, w, 1
          FROM (SELECT *,
                       CASE WHEN r < 0.05 THEN created_at + u * ({now} - created_at)
                            ELSE created_at + interval '20 minutes' END AS g,
                       CASE WHEN r >= 0.10 AND r < 0.13
                            THEN created_at + interval '20 minutes'
                                 + u * ({now} - created_at) END AS w
                  FROM bk WHERE r < 0.05 OR r >= 0.10) x;
        INSERT INTO consent (organization_id, id, created_at, updated_at, created_by,
                             survivor_id, purpose, given_by, method, language, given_at,
                             supersedes_id, revision)
        SELECT org, k2, g2, g2, worker, survivor_id, 'aggregate_reporting', 'survivor',
               'written', 'bn', g2, k1, 2
          FROM (SELECT *,
                       CASE WHEN r < 0.23
                            THEN created_at + interval '1 hour' + u * ({now} - created_at)
                            ELSE created_at + interval '730 days'
                                 + (u * 60 - 20) * interval '1 day' END AS g2
                  FROM bk WHERE r >= 0.13 AND r < 0.31) x
         WHERE g2 < {now};
        """,
    )
    # -- cases and their stages ----------------------------------------------------------------
    add(
        "cases",
        """
        CREATE TEMP TABLE bc AS
        SELECT gen_random_uuid() AS id, id AS survivor_id, org, district, worker,
               created_at + random() * interval '4 hours' AS t0, 1 AS nth
          FROM bs;
        CREATE TEMP TABLE bl (LIKE bc, t1 timestamptz, t2 timestamptz, t3 timestamptz,
            t4 timestamptz, t5 timestamptz, early int, reason text, reopens bool,
            r1 timestamptz, r2 timestamptz, r3 timestamptz, reason2 text, step int,
            first_close timestamptz);
        CREATE TEMP TABLE bt (case_id uuid, seq int, from_stage text, to_stage text,
            at timestamptz, reason text);
        """,
    )
    for nth in (1, 2):
        if nth == 2:
            # A second case for about one survivor in ten whose first case closed a while
            # ago (re-trafficking, a new crisis).
            add(
                "second cases",
                f"""
                INSERT INTO bc
                SELECT gen_random_uuid(), l.survivor_id, l.org, l.district, l.worker,
                       l.first_close + interval '30 days'
                           + random() * ({now} - l.first_close - interval '30 days'), 2
                  FROM bl l
                 WHERE l.first_close < {now} - interval '60 days' AND random() < 0.25;
                """,
            )
        add(
            f"case stages ({nth})",
            f"""
            INSERT INTO bl
            SELECT x.*, CASE x.early WHEN 1 THEN x.t1 WHEN 2 THEN x.t2 WHEN 3 THEN x.t3
                                     ELSE x.t5 END
              FROM (
                SELECT c.*,
                       CASE WHEN early < 5
                            THEN {
                _weighted(
                    {"lost_contact": 8, "declined_services": 7, "relocated": 3, "transferred": 2}
                )
            }
                            ELSE {
                _weighted(
                    {
                        "goals_achieved": 14,
                        "relocated": 2,
                        "transferred": 1,
                        "lost_contact": 2,
                        "declined_services": 1,
                    }
                )
            } END,
                       random() < 0.05,
                       NULL::timestamptz, NULL::timestamptz, NULL::timestamptz,
                       {_weighted({"goals_achieved": 3, "lost_contact": 1, "relocated": 1})},
                       55 + floor(random() * 30)::int
                  FROM (
                    SELECT c.*, c.t4 + (60 + random() * 240) * interval '1 day' AS t5,
                           CASE WHEN random() < 0.08 THEN 1 + floor(random() * 3)::int
                                ELSE 5 END AS early
                      FROM (
                        SELECT c.*, c.t3 + (90 + random() * 300) * interval '1 day' AS t4
                          FROM (
                            SELECT c.*, c.t2 + (7 + random() * 23) * interval '1 day' AS t3
                              FROM (
                                SELECT c.*, c.t1 + (10 + random() * 30) * interval '1 day'
                                       AS t2
                                  FROM (SELECT c.*, c.t0 + (3 + random() * 17)
                                                   * interval '1 day' AS t1
                                          FROM bc c WHERE c.nth = {nth}) c) c) c) c) c) x;
            UPDATE bl SET r1 = first_close + (30 + random() * 270) * interval '1 day'
             WHERE nth = {nth} AND reopens;
            UPDATE bl SET r2 = r1 + (7 + random() * 23) * interval '1 day',
                          r3 = r1 + (120 + random() * 300) * interval '1 day'
             WHERE nth = {nth} AND reopens;
            INSERT INTO bt
            SELECT * FROM (
                SELECT l.id AS case_id, k AS seq,
                       (ARRAY['intake', 'assessment', 'planning', 'active', 'monitoring'])[k]
                           AS from_stage,
                       CASE WHEN k = l.early THEN 'closed'
                            ELSE (ARRAY['assessment', 'planning', 'active', 'monitoring',
                                        'closed'])[k] END AS to_stage,
                       (ARRAY[l.t1, l.t2, l.t3, l.t4, l.t5])[k] AS at,
                       CASE WHEN k = l.early THEN l.reason END AS reason
                  FROM bl l, generate_series(1, 5) k
                 WHERE l.nth = {nth} AND k <= l.early
                UNION ALL
                SELECT l.id, 5 + k, (ARRAY['closed', 'reopened', 'active'])[k],
                       (ARRAY['reopened', 'active', 'closed'])[k], (ARRAY[l.r1, l.r2, l.r3])[k],
                       CASE WHEN k = 3 THEN l.reason2 END
                  FROM bl l, generate_series(1, 3) k
                 WHERE l.nth = {nth} AND l.reopens) t
             WHERE t.at <= {now};
            """,
        )
    add(
        "case rows",
        f"""
        CREATE INDEX ON bt (case_id, seq);
        CREATE TEMP TABLE bcase AS
        SELECT l.*, COALESCE(last.to_stage, 'intake') AS status,
               CASE WHEN last.to_stage = 'closed' THEN last.reason END AS closure_reason,
               CASE WHEN last.to_stage = 'closed' THEN {_ist("last.at")} END AS closed_on,
               COALESCE(last.seq, 0) AS moves,
               LEAST(l.first_close, {now}) AS work_ends,
               row_number() OVER (ORDER BY l.t0) AS number
          FROM bl l
          LEFT JOIN LATERAL (SELECT * FROM bt WHERE bt.case_id = l.id
                             ORDER BY bt.seq DESC LIMIT 1) last ON true;
        CREATE INDEX ON bcase (org, t0);
        ANALYZE bcase;
        INSERT INTO survivor_case (organization_id, id, created_at, updated_at, created_by,
            version, survivor_id, district_id, case_number, assigned_worker_id, team, status,
            closure_reason, risk_level, referral_source, trafficking_status,
            exploitation_types, recruitment_method, destination_state, destination_country,
            recruited_on, identified_on, returned_on, opened_on, closed_on, context_enc)
        SELECT org, id, t0, t0, worker, 1 + moves, survivor_id, district,
               'BN-' || extract(year FROM t0)::int || '-' || lpad(number::text, 7, '0'),
               CASE WHEN random() < 0.96 THEN worker END,
               CASE WHEN random() < 0.6 THEN 'Team ' || (1 + floor(random() * 4))::int END,
               status, closure_reason,
               {_weighted({"low": 10, "medium": 7, "high": 3})},
               {
            _weighted(
                {
                    "police_ahtu": 35,
                    "shelter_home": 20,
                    "child_welfare_committee": 10,
                    "survivor_leader": 10,
                    "family": 10,
                    "self": 5,
                    "other_ngo": 8,
                    "other": 2,
                }
            )
        },
               {_weighted({"actual": 80, "possible": 18, "not_a_victim": 2})},
               ARRAY[{
            _weighted(
                {
                    "sexual_exploitation": 9,
                    "forced_labour": 5,
                    "forced_marriage": 3,
                    "child_labour": 2,
                    "servitude": 1,
                }
            )
        }]
                   ::varchar[],
               CASE WHEN random() < 0.85
                    THEN {
            _weighted(
                {
                    "job_offer": 45,
                    "marriage_offer": 20,
                    "acquaintance": 12,
                    "family_member": 8,
                    "online_contact": 8,
                    "abduction": 3,
                    "debt": 4,
                }
            )
        } END,
               CASE WHEN random() < 0.7
                    THEN {_pick(["Maharashtra", "Delhi", "Karnataka", "Tamil Nadu"])} END,
               CASE WHEN random() < 0.9 THEN 'IN' ELSE 'AE' END,
               {_ist("t0")} - (60 + floor(random() * 1400))::int,
               CASE WHEN random() < 0.8 THEN {_ist("t0")} - (1 + floor(random() * 60))::int END,
               CASE WHEN random() < 0.7 THEN {_ist("t0")} - floor(random() * 20)::int END,
               {_ist("t0")}, closed_on,
               CASE WHEN random() < 0.3 THEN {DUMMY} END
          FROM bcase;
        """,
    )
    # -- the case's progress map: openings and transitions -------------------------------------
    add(
        "case events: openings and transitions",
        f"""
        INSERT INTO case_event (id, case_id, organization_id, occurred_at, kind, actor_id,
                                detail)
        SELECT gen_random_uuid(), id, org, t0, 'opened', worker,
               jsonb_build_object('case_number', 'BN-' || number,
                                  'assigned_worker_id', worker::text)
          FROM bcase;
        INSERT INTO case_event (id, case_id, organization_id, occurred_at, kind, actor_id,
                                detail, note_enc)
        SELECT gen_random_uuid(), t.case_id, c.org, t.at, 'transition', c.worker,
               jsonb_build_object('from', t.from_stage, 'to', t.to_stage)
               || CASE WHEN t.reason IS NULL THEN '{{}}'::jsonb
                       ELSE jsonb_build_object('closure_reason', t.reason) END,
               CASE WHEN t.reason IS NOT NULL THEN {DUMMY} END
          FROM bt t JOIN bcase c ON c.id = t.case_id;
        """,
    )
    # -- follow-up visits while a case is active or monitored (every 55-85 days) -------------
    add(
        "visits",
        f"""
        CREATE TEMP TABLE bv AS
        SELECT x.*, CASE WHEN x.status = 'done'
                         THEN LEAST({now}, {_at("x.planned_on")}
                                           + floor(x.u * 4) * interval '1 day') END AS done_at
          FROM (SELECT v.*, CASE WHEN v.planned_on > {today} THEN 'planned'
                                 WHEN v.r < 0.82 THEN 'done' WHEN v.r < 0.92 THEN 'missed'
                                 WHEN v.r < 0.95 THEN 'cancelled' ELSE 'planned' END AS status
                  FROM (SELECT gen_random_uuid() AS id, c.id AS case_id, c.org, c.district,
                               c.worker, c.step, v::date AS planned_on, random() AS r,
                               random() AS u,
                               {_weighted({"home": 6, "phone": 3, "office": 1})} AS kind
                          FROM bcase c,
                               LATERAL generate_series(
                                   c.t3 + interval '20 days',
                                   LEAST(c.first_close, {now} + c.step * interval '1 day'),
                                   c.step * interval '1 day') v
                         WHERE c.early = 5 AND c.t3 <= {now}) v) x;
        INSERT INTO case_visit (case_id, district_id, organization_id, id, created_at,
            updated_at, created_by, kind, status, planned_on, done_at, visited_by,
            findings_enc, next_visit_on)
        SELECT case_id, district, org, id,
               {_at("planned_on - step", "17:00")},
               COALESCE(done_at + (u * 3) * interval '1 day', {_at("planned_on - step", "17:00")}),
               worker, kind, status, planned_on, done_at,
               CASE WHEN status = 'done' THEN worker END,
               CASE WHEN status = 'done' THEN {DUMMY} END,
               CASE WHEN status = 'done' THEN planned_on + step END
          FROM bv;
        INSERT INTO case_event (id, case_id, organization_id, occurred_at, kind, subject_id,
                                actor_id, detail)
        SELECT gen_random_uuid(), case_id, org,
               COALESCE(done_at, {_at("planned_on + 1", "18:00")}), 'visit', id, worker,
               jsonb_build_object('kind', kind, 'status', status,
                                  'planned_on', planned_on::text)
               || CASE WHEN done_at IS NULL THEN '{{}}'::jsonb
                       ELSE jsonb_build_object('done_on', {_ist("done_at")}::text,
                                               'next_visit_on', (planned_on + step)::text)
                  END
          FROM bv WHERE status IN ('done', 'missed') AND planned_on < {today};
        """,
    )
    # -- CBR assessments: a baseline when the case is assessed, then every year ----------------
    sections = ("health", "education", "livelihood", "social", "empowerment")
    base = ", ".join(f"1 + random() * 1.5 AS b_{s}" for s in sections)
    gain = ", ".join(f"random() * 0.5 - 0.1 AS g_{s}" for s in sections)
    score = {s: f"LEAST(4, GREATEST(1, round((b_{s} + k * g_{s})::numeric, 2)))" for s in sections}
    baseline = {s: f"LEAST(4, GREATEST(1, round(b_{s}::numeric, 2)))" for s in sections}
    add(
        "assessments",
        f"""
        CREATE TEMP TABLE ba AS
        SELECT gen_random_uuid() AS id, c.case_id, c.org, c.district, c.worker, a.k,
               {_ist("a.at")} AS conducted_on,
               {", ".join(f"{score[s]} AS s_{s}" for s in sections)},
               {", ".join(f"{score[s]} - {baseline[s]} AS c_{s}" for s in sections)}
          FROM (SELECT id AS case_id, org, district, worker, t1, work_ends, {base}, {gain}
                  FROM bcase WHERE early >= 2 AND t1 + interval '2 days' <= {now}) c,
               LATERAL (SELECT v AS at, n - 1 AS k
                          FROM generate_series(c.t1 + interval '2 days', c.work_ends,
                                               interval '365 days') WITH ORDINALITY g(v, n)) a;
        ALTER TABLE ba ADD scores jsonb, ADD change jsonb;
        UPDATE ba SET
            scores = jsonb_build_object(
                'sections', jsonb_build_object({", ".join(f"'{s}', s_{s}" for s in sections)}),
                'overall', round(({" + ".join(f"s_{s}" for s in sections)}) / 5, 2)),
            change = jsonb_build_object(
                'sections', jsonb_build_object({", ".join(f"'{s}', c_{s}" for s in sections)}),
                'overall', round(({" + ".join(f"c_{s}" for s in sections)}) / 5, 2));
        INSERT INTO assessment (case_id, district_id, organization_id, id, created_at,
            updated_at, created_by, instrument_id, conducted_on, conducted_by, scores)
        SELECT case_id, district, org, id, {_at("conducted_on", "16:00")},
               {_at("conducted_on", "16:00")}, worker,
               (SELECT id FROM assessment_instrument
                 WHERE code = 'cbr_matrix' AND organization_id IS NULL),
               conducted_on, worker, scores
          FROM ba;
        INSERT INTO case_event (id, case_id, organization_id, occurred_at, kind, subject_id,
                                actor_id, detail)
        SELECT gen_random_uuid(), case_id, org, {_at("conducted_on", "16:00")}, 'assessment',
               id, worker,
               jsonb_build_object('instrument', 'cbr_matrix',
                                  'conducted_on', conducted_on::text,
                                  'scores', scores, 'change', change)
          FROM ba;
        """,
    )
    # -- care plans: 1-3 goals when planning starts, agreed a few days later ------------------
    achieved = "x.t3 + random() * GREATEST(x.work_ends - x.t3, interval '1 day')"
    add(
        "care plans",
        f"""
        CREATE TEMP TABLE bg AS
        SELECT x.*, CASE WHEN x.status = 'achieved' THEN {_ist(achieved)} END AS achieved_on
          FROM (SELECT g.*, CASE
                  WHEN achieved_case THEN CASE WHEN r < 0.85 THEN 'achieved' ELSE 'dropped' END
                  WHEN t3 + interval '120 days' < work_ends THEN
                      CASE WHEN r < 0.45 THEN 'achieved' WHEN r < 0.8 THEN 'in_progress'
                           WHEN r < 0.9 THEN 'dropped' ELSE 'not_started' END
                  ELSE CASE WHEN r < 0.5 THEN 'not_started' ELSE 'in_progress' END END AS status
                  FROM (SELECT gen_random_uuid() AS id, c.id AS case_id, c.org, c.district,
                               c.worker, c.t2, c.t3, c.work_ends, k AS rank, random() AS r,
                               c.closure_reason = 'goals_achieved' AND c.status = 'closed'
                                   AS achieved_case,
                               {
            _pick(["health", "education", "livelihood", "social", "empowerment"])
        } AS component
                          FROM (SELECT *, 1 + floor(random() * 3)::int AS goals FROM bcase
                                 WHERE early >= 3 AND t2 + interval '1 day' <= {now}) c,
                               generate_series(1, c.goals) k) g) x;
        INSERT INTO care_plan_goal (case_id, district_id, organization_id, id, created_at,
            updated_at, created_by, component, rank, goal_enc, responsible, target_on,
            review_on, status, achieved_on)
        SELECT case_id, district, org, id, t2 + interval '1 day',
               COALESCE({_at("achieved_on")}, t2 + interval '1 day'), worker, component, rank,
               {DUMMY}, {
            _weighted(
                {"survivor": 5, "social_worker": 3, "organization": 1, "government_department": 1}
            )
        },
               {_ist("t2")} + 180, {_ist("t2")} + 90, status, achieved_on
          FROM bg;
        INSERT INTO case_event (id, case_id, organization_id, occurred_at, kind, subject_id,
                                actor_id, detail)
        SELECT gen_random_uuid(), case_id, org, t2 + interval '1 day', 'goal', id, worker,
               jsonb_build_object('change', 'created', 'goal_id', id::text,
                                  'component', component, 'status', 'not_started',
                                  'rank', rank)
          FROM bg
        UNION ALL
        SELECT gen_random_uuid(), case_id, org, {_at("achieved_on", "15:00")}, 'goal', id,
               worker,
               jsonb_build_object('change', 'updated', 'goal_id', id::text,
                                  'component', component, 'status', 'achieved',
                                  'rank', rank, 'achieved_on', achieved_on::text)
          FROM bg WHERE status = 'achieved';
        CREATE TEMP TABLE bpa AS
        SELECT gen_random_uuid() AS id, case_id, org, district, worker,
               t2 + interval '3 days' AS at, array_agg(id ORDER BY rank) AS goal_ids
          FROM bg GROUP BY case_id, org, district, worker, t2
        HAVING t2 + interval '3 days' <= {now} AND random() < 0.9;
        INSERT INTO care_plan_agreement (case_id, district_id, organization_id, id, created_at,
            updated_at, created_by, agreed_on, method, witnessed_by, goal_ids)
        SELECT case_id, district, org, id, at, at, worker, {_ist("at")},
               {_weighted({"written": 5, "thumbprint": 4, "verbal": 1})}, worker, goal_ids
          FROM bpa;
        INSERT INTO case_event (id, case_id, organization_id, occurred_at, kind, subject_id,
                                actor_id, detail)
        SELECT gen_random_uuid(), case_id, org, at, 'plan_agreement', id, worker,
               jsonb_build_object('agreement_id', id::text, 'method', 'written',
                                  'agreed_on', {_ist("at")}::text,
                                  'witnessed_by', worker::text,
                                  'goal_ids', to_jsonb(goal_ids))
          FROM bpa;
        """,
    )
    # -- referrals and their steps -------------------------------------------------------------
    add(
        "referrals",
        f"""
        CREATE TEMP TABLE br AS
        SELECT gen_random_uuid() AS id, c.id AS case_id, c.survivor_id, c.org, c.district,
               c.worker,
               c.t1 + random() * GREATEST(c.work_ends - c.t1, interval '1 hour') AS sent_at,
               (SELECT ids FROM receivers)[1 + floor(random() * 5)::int] AS receiver,
               {
            _weighted(
                {
                    "health": 14,
                    "mental_health": 8,
                    "legal_aid": 12,
                    "shelter": 4,
                    "education": 6,
                    "skills_training": 10,
                    "livelihood": 8,
                    "financial_services": 5,
                    "documentation": 12,
                    "social_protection": 8,
                    "counselling": 10,
                    "other": 3,
                }
            )
        }
                   AS service_kind,
               {_weighted({"routine": 7, "urgent": 2, "emergency": 1})} AS urgency,
               random() AS r, random() AS u
          FROM (SELECT *, CASE WHEN random() < 0.3 THEN 1 WHEN random() < 0.12 THEN 2
                               ELSE 0 END AS referrals
                  FROM bcase WHERE early >= 2 AND t1 <= {now}) c,
               generate_series(1, c.referrals) k;
        CREATE INDEX ON br (id);
        CREATE TEMP TABLE brs AS
        SELECT * FROM (
            SELECT r.id AS referral_id, r.org, r.receiver, r.worker, s.seq, s.from_status,
                   s.to_status, s.at
              FROM br r, LATERAL (VALUES
                (1, NULL, 'sent', r.sent_at),
                (2, 'sent', CASE WHEN r.r < 0.15 THEN 'declined' ELSE 'accepted' END,
                    CASE WHEN r.r < 0.20 AND r.r >= 0.15 THEN NULL
                         ELSE r.sent_at + (1 + r.u * 9) * interval '1 day' END),
                (3, 'accepted', 'in_progress',
                    CASE WHEN r.r >= 0.20
                         THEN r.sent_at + (10 + r.u * 14) * interval '1 day' END),
                (4, 'in_progress', CASE WHEN r.r < 0.86 THEN 'completed' ELSE 'not_delivered'
                                   END,
                    CASE WHEN r.r >= 0.20 AND r.r < 0.93
                         THEN r.sent_at + (25 + r.u * r.u * 120) * interval '1 day' END)
              ) s(seq, from_status, to_status, at)) x
         WHERE at IS NOT NULL AND at <= {now};
        CREATE INDEX ON brs (referral_id, seq);
        CREATE TEMP TABLE brl AS
        SELECT DISTINCT ON (referral_id) referral_id, to_status, at FROM brs
         ORDER BY referral_id, seq DESC;
        INSERT INTO referral (case_id, district_id, organization_id, id, created_at, updated_at,
            created_by, version, survivor_id, receiving_organization_id, service_kind,
            urgency, reason_enc, shared_fields, shared_enc, consent_overridden, status,
            responded_at, started_at, closed_at)
        SELECT r.case_id, r.district, r.org, r.id, r.sent_at, l.at, r.worker,
               (SELECT count(*) FROM brs s WHERE s.referral_id = r.id), r.survivor_id,
               r.receiver, r.service_kind, r.urgency, {DUMMY}, '{{}}', {DUMMY}, false,
               l.to_status,
               (SELECT at FROM brs s WHERE s.referral_id = r.id AND s.seq = 2),
               (SELECT at FROM brs s WHERE s.referral_id = r.id AND s.seq = 3),
               CASE WHEN l.to_status IN ('completed', 'not_delivered', 'declined')
                    THEN l.at END
          FROM br r JOIN brl l ON l.referral_id = r.id;
        INSERT INTO referral_status_change (id, referral_id, organization_id, from_status,
            to_status, occurred_at, actor_id, actor_organization_id)
        SELECT gen_random_uuid(), referral_id, org, from_status, to_status, at,
               CASE WHEN seq = 1 THEN worker END,
               CASE WHEN seq = 1 THEN org ELSE receiver END
          FROM brs;
        INSERT INTO case_event (id, case_id, organization_id, occurred_at, kind, subject_id,
                                actor_id, detail)
        SELECT gen_random_uuid(), r.case_id, r.org, s.at, 'referral', r.id, r.worker,
               jsonb_build_object('change', s.to_status, 'referral_id', r.id::text,
                                  'status', s.to_status, 'service_kind', r.service_kind,
                                  'urgency', r.urgency,
                                  'receiving_organization_id', r.receiver::text)
          FROM brs s JOIN br r ON r.id = s.referral_id;
        """,
    )
    # -- legal proceedings (one case in eight), hearings, compensation ----------------------
    add(
        "legal proceedings",
        f"""
        CREATE TEMP TABLE bj AS
        SELECT gen_random_uuid() AS id, c.id AS case_id, c.org, c.district, c.worker,
               {_ist("c.t1")} + (5 + floor(random() * 55))::int AS filed_on,
               {_weighted({"fir": 7, "complaint": 2, "petition": 1})} AS kind,
               random() AS r, random() AS u
          FROM bcase c WHERE c.early >= 2 AND c.t1 <= {now} AND random() < 0.12;
        DELETE FROM bj WHERE filed_on > {today};
        INSERT INTO legal_proceeding (case_id, district_id, organization_id, id, created_at,
            updated_at, created_by, kind, status, filed_on, details_enc,
            witness_protection_needed, compensation_applied_on, compensation_awarded_paise,
            compensation_awarded_on, compensation_paid_paise, compensation_paid_on)
        SELECT case_id, district, org, id, {_at("filed_on")}, {_at("filed_on")}, worker, kind,
               CASE WHEN {today} - filed_on < 60 THEN 'filed'
                    WHEN {today} - filed_on < 200 THEN 'investigation'
                    WHEN {today} - filed_on < 400 THEN 'chargesheet'
                    WHEN {today} - filed_on < 900 THEN 'trial'
                    WHEN r < 0.5 THEN 'judgment' ELSE 'closed' END,
               filed_on, {DUMMY}, r < 0.1,
               CASE WHEN r < 0.5 AND filed_on + 60 <= {today} THEN filed_on + 60 END,
               CASE WHEN r < 0.25 AND filed_on + 400 <= {today}
                    THEN (50000 + floor(u * 20) * 10000) * 100 END,
               CASE WHEN r < 0.25 AND filed_on + 400 <= {today} THEN filed_on + 400 END,
               CASE WHEN r < 0.15 AND filed_on + 500 <= {today}
                    THEN (50000 + floor(u * 20) * 10000) * 100 END,
               CASE WHEN r < 0.15 AND filed_on + 500 <= {today} THEN filed_on + 500 END
          FROM bj;
        INSERT INTO legal_hearing (case_id, district_id, organization_id, id, created_at,
            updated_at, created_by, proceeding_id, held_on)
        SELECT case_id, district, org, gen_random_uuid(), {_at("filed_on + 90 * k")},
               {_at("filed_on + 90 * k")}, worker, id, filed_on + 90 * k
          FROM bj, LATERAL (SELECT k FROM generate_series(1, 4) k
                             WHERE bj.filed_on + 90 * k <= {today}
                               AND random() < 0.6 + 0 * bj.r) h;
        INSERT INTO case_event (id, case_id, organization_id, occurred_at, kind, subject_id,
                                actor_id, detail)
        SELECT gen_random_uuid(), case_id, org, {_at("filed_on")}, 'legal', id, worker,
               jsonb_build_object('event', 'filed', 'status', 'filed',
                                  'filed_on', filed_on::text, 'proceeding_kind', kind)
          FROM bj
        UNION ALL
        SELECT gen_random_uuid(), case_id, org, {_at("filed_on + 60")}, 'legal', id, worker,
               jsonb_build_object('event', 'compensation_applied',
                                  'applied_on', (filed_on + 60)::text, 'proceeding_kind', kind)
          FROM bj WHERE r < 0.5 AND filed_on + 60 <= {today};
        """,
    )
    # -- livelihoods: plans, activities with monthly incomes, financial inclusion ----------
    add(
        "livelihoods",
        f"""
        INSERT INTO livelihood_plan (district_id, organization_id, id, created_at, updated_at,
            created_by, survivor_id, aspirations_enc, skills, options)
        SELECT DISTINCT ON (c.survivor_id) c.district, c.org, gen_random_uuid(),
               c.t2 + interval '10 days', c.t2 + interval '10 days', c.worker, c.survivor_id,
               {DUMMY}, '{{tailoring}}',
               ARRAY[{
            _weighted(
                {"wage_employment": 4, "self_employment": 3, "enterprise": 2, "skills_training": 3}
            )
        }]::varchar[]
          FROM bcase c
         WHERE c.early = 5 AND c.t2 + interval '10 days' <= {now} AND random() < 0.5
         ORDER BY c.survivor_id, c.t0;
        CREATE TEMP TABLE bla AS
        SELECT DISTINCT ON (c.survivor_id) gen_random_uuid() AS id, c.survivor_id, c.org,
               c.district, c.worker,
               {_ist("c.t3")} + (30 + floor(random() * 170))::int AS started_on,
               {_weighted({"wage_employment": 5, "self_employment": 4, "enterprise": 2})}
                   AS kind,
               random() AS r
          FROM bcase c
         WHERE c.early = 5 AND c.t3 + interval '30 days' <= {now} AND random() < 0.42
         ORDER BY c.survivor_id, c.t0;
        DELETE FROM bla WHERE started_on > {today};
        ALTER TABLE bla ADD ended_on date;
        UPDATE bla SET ended_on = started_on + (90 + floor(random() * 500))::int
         WHERE r < 0.3;
        UPDATE bla SET ended_on = NULL WHERE ended_on > {today};
        INSERT INTO livelihood_activity (district_id, organization_id, id, created_at,
            updated_at, created_by, survivor_id, kind, sector, description_enc, started_on,
            ended_on, investment_paise)
        SELECT district, org, id, {_at("started_on")}, {_at("COALESCE(ended_on, started_on)")},
               worker, survivor_id, kind,
               {_pick(["tailoring", "retail", "agriculture", "poultry", "beauty", "domestic"])},
               {DUMMY}, started_on, ended_on,
               CASE WHEN kind <> 'wage_employment' AND r < 0.6
                    THEN (5000 + floor(random() * 45) * 1000) * 100 END
          FROM bla;
        INSERT INTO income_record (district_id, organization_id, id, created_at, updated_at,
            created_by, survivor_id, month, source, amount_paise)
        SELECT district, org, gen_random_uuid(),
               {_at("m + interval '1 month'")} + random() * interval '20 days',
               {_at("m + interval '1 month'")} + random() * interval '20 days',
               worker, survivor_id, m::date, kind,
               (3000 + floor(random() * 9000)) * 100
          FROM bla,
               LATERAL generate_series(date_trunc('month', started_on),
                                       LEAST(date_trunc('month', COALESCE(ended_on, {today})),
                                             date_trunc('month', {today}) - interval '1 month',
                                             date_trunc('month', started_on)
                                                 + interval '17 months'),
                                       interval '1 month') m;
        INSERT INTO financial_inclusion (district_id, organization_id, id, created_at,
            updated_at, created_by, survivor_id, product, status, since, provider)
        SELECT s.district, s.org, gen_random_uuid(), {_at("since")}, {_at("since")}, s.worker,
               s.id, p.product,
               CASE WHEN random() < 0.9 THEN 'active' ELSE 'applied' END, since,
               {
            _pick(
                ["State Bank of India", "Paschim Banga Gramin Bank", "India Post", "Bandhan Bank"]
            )
        }
          FROM (SELECT *, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
                       {_ist("created_at")} + (30 + floor(random() * 400))::int AS since
                  FROM bs WHERE deleted_at IS NULL) s,
               LATERAL (VALUES ('bank_account', s.r1 < 0.55), ('insurance', s.r2 < 0.12),
                               ('digital_payment', s.r3 < 0.2), ('pension', s.r4 < 0.03))
                   AS p(product, chosen)
         WHERE p.chosen AND s.since <= {today};
        """,
    )
    # -- entitlements: applications to schemes, each step a status change --------------------
    add(
        "entitlements",
        f"""
        CREATE TEMP TABLE bsch AS
        SELECT array_agg(id ORDER BY code) AS ids,
               array_agg(COALESCE(amount_paise, 0) ORDER BY code) AS amounts
          FROM scheme WHERE effective_to IS NULL;
        CREATE TEMP TABLE be AS
        SELECT x.*, (SELECT ids[x.i] FROM bsch) AS scheme_id,
               (SELECT amounts[x.i] FROM bsch) AS amount
          FROM (SELECT gen_random_uuid() AS id, s.id AS survivor_id, s.org, s.district,
                       s.worker,
                       1 + floor(random() * (SELECT cardinality(ids) FROM bsch))::int AS i,
                       s.created_at + (20 + random() * 300) * interval '1 day' AS t0,
                       random() AS r, random() AS u
                  FROM (SELECT *, CASE WHEN random() < 0.45 THEN 1
                                       WHEN random() < 0.35 THEN 2 ELSE 0 END AS applications
                          FROM bs WHERE deleted_at IS NULL) s,
                       generate_series(1, s.applications) k) x;
        DELETE FROM be WHERE t0 > {now};
        CREATE TEMP TABLE bes AS
        SELECT * FROM (
            SELECT e.id AS application_id, e.worker, st.seq, st.from_status, st.to_status,
                   st.at
              FROM be e, LATERAL (VALUES
                (1, NULL, 'documents_gathering', e.t0),
                (2, 'documents_gathering', 'applied',
                    e.t0 + (10 + e.u * 50) * interval '1 day'),
                (3, 'applied', 'under_process',
                    CASE WHEN e.r >= 0.12 THEN e.t0 + (20 + e.u * 60) * interval '1 day' END),
                (4, 'under_process', CASE WHEN e.r < 0.22 THEN 'rejected' ELSE 'sanctioned'
                                     END,
                    CASE WHEN e.r >= 0.14 THEN e.t0 + (50 + e.u * 150) * interval '1 day'
                    END),
                (5, 'sanctioned', CASE WHEN e.r < 0.9 THEN 'received' ELSE 'partly_received'
                                  END,
                    CASE WHEN e.r >= 0.3 THEN e.t0 + (70 + e.u * 200) * interval '1 day' END)
              ) st(seq, from_status, to_status, at)) x
         WHERE at IS NOT NULL AND at <= {now};
        CREATE INDEX ON bes (application_id, seq);
        CREATE TEMP TABLE bel AS
        SELECT DISTINCT ON (application_id) application_id, to_status, at FROM bes
         ORDER BY application_id, seq DESC;
        INSERT INTO entitlement_application (district_id, organization_id, id, created_at,
            updated_at, created_by, version, survivor_id, scheme_id, status, office,
            applied_on, sanctioned_on, received_paise, received_on, rejection_reason,
            last_moved_at, sanctioned_paise)
        SELECT e.district, e.org, e.id, e.t0, l.at, e.worker,
               (SELECT count(*) FROM bes s WHERE s.application_id = e.id), e.survivor_id,
               e.scheme_id, l.to_status, 'Block office',
               (SELECT {_ist("at")} FROM bes s WHERE s.application_id = e.id AND s.seq = 2),
               (SELECT {_ist("at")} FROM bes s WHERE s.application_id = e.id AND s.seq = 4
                   AND s.to_status = 'sanctioned'),
               CASE WHEN l.to_status IN ('received', 'partly_received')
                    THEN CASE WHEN l.to_status = 'received' THEN GREATEST(e.amount, 100000)
                              ELSE GREATEST(e.amount, 100000) / 2 END END,
               CASE WHEN l.to_status IN ('received', 'partly_received') THEN {_ist("l.at")}
               END,
               CASE WHEN l.to_status = 'rejected' THEN 'Documents incomplete' END,
               l.at,
               CASE WHEN e.r >= 0.22 AND EXISTS (SELECT 1 FROM bes s
                        WHERE s.application_id = e.id AND s.to_status = 'sanctioned')
                    THEN GREATEST(e.amount, 100000) END
          FROM be e JOIN bel l ON l.application_id = e.id;
        INSERT INTO entitlement_status_change (id, application_id, from_status, to_status, at,
                                               by)
        SELECT gen_random_uuid(), application_id, from_status, to_status, at, worker FROM bes;
        """,
    )
    # -- trainings and their participants ----------------------------------------------------
    add(
        "trainings",
        f"""
        CREATE TEMP TABLE btr AS
        SELECT gen_random_uuid() AS id, o.id AS org,
               o.districts[1 + floor(random() * cardinality(o.districts))::int] AS district,
               {_ist(f"{start} + random() * ({now} - {start})")} AS starts_on,
               {
            _weighted(
                {
                    "vocational": 6,
                    "entrepreneurship": 3,
                    "financial_literacy": 4,
                    "digital_literacy": 3,
                    "legal_rights": 3,
                    "public_speaking": 1,
                    "victim_identification": 2,
                    "safe_migration": 2,
                    "leadership": 2,
                    "cbr_practice": 1,
                    "other": 1,
                }
            )
        } AS topic,
               (SELECT n FROM bso WHERE bso.org = o.id) AS survivors
          FROM bo o, generate_series(1, GREATEST(2, ({p["n"]} * o.share / 100)::int)) g;
        INSERT INTO training (district_id, organization_id, id, created_at, updated_at,
            created_by, topic, course, facilitators, starts_on, ends_on, session_count)
        SELECT district, org, id, {_at("starts_on - 10")}, {_at("starts_on - 10")},
               {p["manager"]}, topic, initcap(replace(topic, '_', ' ')) || ' course',
               '{{Facilitator}}', starts_on, starts_on + floor(random() * 10)::int,
               1 + floor(random() * 8)::int
          FROM btr;
        INSERT INTO training_participant (organization_id, id, created_at, updated_at,
            created_by, training_id, survivor_id, completed_on, pre_score, post_score,
            sessions_attended)
        SELECT t.org, gen_random_uuid(), {_at("t.starts_on")}, {_at("t.starts_on")},
               {p["manager"]}, t.id, s.id,
               CASE WHEN random() < 0.85 AND t.starts_on + 10 <= {today}
                    THEN t.starts_on + 10 END,
               pre, LEAST(100, pre + floor(random() * 35)::int), 1 + floor(random() * 8)::int
          FROM (SELECT *, 12 + floor(random() * 14)::int AS places FROM btr) t CROSS JOIN
               LATERAL (SELECT 1 + floor(random() * t.survivors)::int AS oseq,
                               20 + floor(random() * 40)::int AS pre
                          FROM generate_series(1, t.places)) k
          JOIN bs s ON s.org = t.org AND s.oseq = k.oseq;
        """,
    )
    # -- SHGs: monthly (a fifth fortnightly) meetings, savings, internal loans --------------
    add(
        "SHGs",
        f"""
        CREATE TEMP TABLE bh AS
        SELECT gen_random_uuid() AS id, o.id AS org, d.district,
               (SELECT ids FROM bb WHERE bb.district_id = d.district)
                   [1 + floor(random() * {BLOCKS_PER_DISTRICT})::int] AS block,
               {_ist(f"{start} + random() * ({now} - {start})")} AS formed_on,
               CASE WHEN random() < 0.8 THEN 'monthly' ELSE 'fortnightly' END AS frequency,
               (ARRAY[5000, 10000, 10000, 20000])[1 + floor(random() * 4)::int] AS saving,
               random() AS r, (SELECT n FROM bso WHERE bso.org = o.id) AS survivors
          FROM bo o, generate_series(1, GREATEST(3, ({p["n"]} * o.share / 50)::int)) g,
               LATERAL (SELECT o.districts[1 + floor(random() * cardinality(o.districts))::int]
                        AS district WHERE g IS NOT NULL) d;
        ALTER TABLE bh ADD status text, ADD last_on date;
        UPDATE bh SET status = CASE WHEN {today} - formed_on < 90 THEN 'forming'
                                    WHEN r < 0.85 THEN 'active' WHEN r < 0.95 THEN 'dormant'
                                    ELSE 'closed' END;
        UPDATE bh SET last_on = CASE WHEN status IN ('forming', 'active') THEN {today}
                                     ELSE formed_on + floor(random() * ({today} - formed_on))::int
                                END;
        INSERT INTO shg (district_id, organization_id, id, created_at, updated_at, created_by,
            name, formed_on, village, block_id, meeting_frequency, meeting_day,
            saving_per_meeting_paise, interest_rate_bps, bank_name, bank_account_enc,
            bank_account_opened_on, status)
        SELECT district, org, id, {_at("formed_on")}, {_at("last_on")}, {p["manager"]},
               'Bench SHG ' || substr(id::text, 1, 8), formed_on, 'Village', block, frequency,
               {_pick(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday"])},
               saving, 2400, 'Paschim Banga Gramin Bank',
               CASE WHEN r < 0.8 THEN {DUMMY} END,
               CASE WHEN r < 0.8 THEN formed_on + 45 END, status
          FROM bh;
        CREATE TEMP TABLE bhm AS
        SELECT gen_random_uuid() AS id, h.id AS shg_id, h.org, k,
               CASE WHEN random() < 0.4 THEN s.id END AS survivor_id,
               CASE k WHEN 1 THEN 'president' WHEN 2 THEN 'secretary' WHEN 3 THEN 'treasurer'
                      ELSE 'member' END AS role,
               CASE WHEN k <= 10 OR random() < 0.5 THEN h.formed_on
                    ELSE h.formed_on + floor(random() * (h.last_on - h.formed_on + 1))::int
               END AS joined_on,
               random() AS r
          FROM (SELECT *, 10 + floor(random() * 6)::int AS members FROM bh) h CROSS JOIN
               LATERAL (SELECT k, 1 + floor(random() * h.survivors)::int AS oseq
                          FROM generate_series(1, h.members) k) m
          JOIN bs s ON s.org = h.org AND s.oseq = m.oseq;
        CREATE INDEX ON bhm (shg_id);
        ANALYZE bhm;
        ALTER TABLE bhm ADD exited_on date;
        UPDATE bhm SET exited_on = joined_on + 200 + floor(random() * 600)::int
         WHERE r < 0.06 AND role = 'member';
        UPDATE bhm SET exited_on = NULL WHERE exited_on > {today};
        INSERT INTO shg_member (organization_id, id, created_at, updated_at, created_by, shg_id,
            survivor_id, name_enc, role, joined_on, exited_on)
        SELECT org, id, {_at("joined_on")}, {_at("joined_on")}, {p["manager"]}, shg_id,
               survivor_id, {DUMMY}, role, joined_on, exited_on
          FROM bhm;
        CREATE TEMP TABLE bhmt AS
        SELECT gen_random_uuid() AS id, h.id AS shg_id, h.org, h.saving, m::date AS held_on,
               row_number() OVER (PARTITION BY h.id ORDER BY m) AS k
          FROM bh h,
               LATERAL generate_series(h.formed_on + 7, h.last_on,
                   CASE h.frequency WHEN 'monthly' THEN interval '1 month'
                                    ELSE interval '14 days' END) m;
        CREATE INDEX ON bhmt (shg_id);
        ANALYZE bhmt;
        INSERT INTO shg_meeting (organization_id, id, created_at, updated_at, created_by,
                                 shg_id, held_on, minutes_enc)
        SELECT org, id, {_at("held_on", "18:00")}, {_at("held_on", "18:00")}, {p["manager"]},
               shg_id, held_on, {DUMMY}
          FROM bhmt;
        CREATE TEMP TABLE bha AS
        SELECT t.id AS meeting_id, t.shg_id, t.org, t.held_on, t.saving, m.id AS member_id,
               CASE WHEN x.r < 0.85 THEN 'present' WHEN x.r < 0.95 THEN 'absent' ELSE 'leave' END
                   AS status
          FROM bhmt t JOIN bhm m ON m.shg_id = t.shg_id AND m.joined_on <= t.held_on
                                AND (m.exited_on IS NULL OR m.exited_on > t.held_on),
               LATERAL (SELECT random() AS r WHERE m.id IS NOT NULL) x;
        INSERT INTO shg_attendance (meeting_id, member_id, status)
        SELECT meeting_id, member_id, status FROM bha;
        """,
    )
    add(
        "SHG ledger",
        f"""
        CREATE TEMP TABLE bhl AS
        SELECT gen_random_uuid() AS id, t.id AS meeting_id, t.shg_id, t.org, t.held_on,
               (SELECT m.id FROM bhm m WHERE m.shg_id = t.shg_id AND m.joined_on <= t.held_on
                   AND (m.exited_on IS NULL OR m.exited_on > t.held_on)
                 ORDER BY random() LIMIT 1) AS member_id,
               ((2000 + floor(random() * 9) * 1000) * 100)::bigint AS principal,
               random() AS r
          FROM bhmt t WHERE t.k % 3 = 0;
        CREATE TEMP TABLE bhr AS
        SELECT l.id AS loan_id, l.shg_id, l.org, l.member_id, n,
               (l.held_on + make_interval(months => n))::date AS due_on,
               l.principal / 6 + CASE WHEN n = 6 THEN l.principal % 6 ELSE 0 END AS principal,
               l.principal * 2 / 100 AS interest,
               l.r < 0.1 AND n > 3 AS defaulted
          FROM bhl l, generate_series(1, 6) n;
        INSERT INTO shg_loan (organization_id, id, created_at, updated_at, created_by, shg_id,
            member_id, kind, purpose, principal_paise, annual_rate_bps, tenure_months,
            interest_method, status, applied_on, approved_on, disbursed_on, closed_on)
        SELECT l.org, l.id, {_at("held_on - 7")}, {_at("held_on")}, {p["manager"]}, l.shg_id,
               l.member_id, 'internal', 'Working capital', l.principal, 2400, 6, 'flat',
               CASE WHEN x.last_due <= {today} AND l.r >= 0.1 THEN 'closed' ELSE 'disbursed'
               END,
               held_on - 7, held_on - 3, held_on,
               CASE WHEN x.last_due <= {today} AND l.r >= 0.1 THEN x.last_due END
          FROM bhl l,
               LATERAL (SELECT (l.held_on + interval '6 months')::date AS last_due) x;
        INSERT INTO shg_loan_instalment (loan_id, number, due_on, principal_paise,
                                         interest_paise)
        SELECT loan_id, n, due_on, principal, interest FROM bhr;
        INSERT INTO shg_ledger_entry (id, organization_id, shg_id, meeting_id, kind, member_id,
            loan_id, amount_paise, entry_date, created_at, created_by)
        SELECT gen_random_uuid(), org, shg_id, meeting_id, 'savings_deposit', member_id, NULL::uuid,
               saving, held_on, {_at("held_on", "18:00")}, {p["manager"]}
          FROM bha WHERE status = 'present'
        UNION ALL
        SELECT gen_random_uuid(), t.org, t.shg_id, t.id, 'bank_deposit', NULL, NULL,
               t.saving * 8, t.held_on, {_at("t.held_on", "18:00")}, {p["manager"]}
          FROM bhmt t
        UNION ALL
        SELECT gen_random_uuid(), org, shg_id, meeting_id, 'loan_disbursal', member_id, id,
               principal, held_on, {_at("held_on", "18:00")}, {p["manager"]}
          FROM bhl
        UNION ALL
        SELECT gen_random_uuid(), r.org, r.shg_id, NULL, x.kind, r.member_id, r.loan_id,
               x.amount, r.due_on, {_at("r.due_on", "18:00")}, {p["manager"]}
          FROM bhr r,
               LATERAL (VALUES ('principal_repayment', r.principal),
                               ('interest', r.interest)) x(kind, amount)
         WHERE r.due_on <= {today} AND NOT r.defaulted AND x.amount > 0
        UNION ALL
        SELECT gen_random_uuid(), org, id, NULL, 'revolving_fund_receipt', NULL, NULL,
               1500000, formed_on + 180, {_at("formed_on + 180")}, {p["manager"]}
          FROM bh WHERE formed_on + 180 <= last_on;
        INSERT INTO shg_ledger_entry (id, organization_id, shg_id, meeting_id, kind, member_id,
            loan_id, amount_paise, entry_date, reverses_id, created_at, created_by)
        SELECT gen_random_uuid(), e.organization_id, e.shg_id, e.meeting_id, e.kind,
               e.member_id, e.loan_id, e.amount_paise, e.entry_date, e.id,
               e.created_at + interval '2 days', e.created_by
          FROM shg_ledger_entry e
         WHERE e.kind = 'savings_deposit' AND random() < 0.004;
        """,
    )
    # -- survivor leadership: groups, leaders, meetings, campaigns, duty bearers -------------
    add(
        "leadership",
        f"""
        CREATE TEMP TABLE blg AS
        SELECT gen_random_uuid() AS id, o.id AS org,
               o.districts[1 + floor(random() * cardinality(o.districts))::int] AS district,
               {_ist(f"{start} + random() * ({now} - {start})")} AS formed_on,
               (SELECT n FROM bso WHERE bso.org = o.id) AS survivors, g
          FROM bo o, generate_series(1, GREATEST(2, ({p["n"]} * o.share / 1000)::int)) g;
        INSERT INTO leader_group (district_id, organization_id, id, created_at, updated_at,
            created_by, name, formed_on)
        SELECT district, org, id, {_at("formed_on")}, {_at("formed_on")}, {p["manager"]},
               'Bench leaders ' || g, formed_on
          FROM blg;
        CREATE TEMP TABLE blu AS
        SELECT gen_random_uuid() AS id, l.id AS group_id, l.org, l.district, l.formed_on, k
          FROM blg l, generate_series(1, 2) k;
        INSERT INTO app_user (organization_id, id, created_at, updated_at, created_by, email,
                              full_name, role, password_hash, password_changed_at)
        SELECT org, id, {_at("formed_on")}, {_at("formed_on")}, {p["manager"]},
               'leader.' || id || '@bench.example.org', 'Survivor Leader', 'survivor_leader',
               {p["hash"]}, {_at("formed_on")}
          FROM blu;
        INSERT INTO user_district (user_id, district_id) SELECT id, district FROM blu;
        CREATE TEMP TABLE blm AS
        SELECT gen_random_uuid() AS id, u.group_id, u.org, u.id AS user_id,
               NULL::uuid AS survivor_id,
               CASE u.k WHEN 1 THEN 'convenor' ELSE 'secretary' END AS role, u.formed_on
                   AS joined_on, NULL::date AS left_on
          FROM blu u
        UNION ALL
        SELECT gen_random_uuid(), l.id, l.org, NULL, s.id, 'member',
               l.formed_on + floor(random() * 120)::int,
               CASE WHEN random() < 0.1 THEN l.formed_on + 200 + floor(random() * 400)::int
               END
          FROM (SELECT *, 6 + floor(random() * 8)::int AS members FROM blg) l CROSS JOIN
               LATERAL (SELECT 1 + floor(random() * l.survivors)::int AS oseq
                          FROM generate_series(1, l.members)) m
          JOIN bs s ON s.org = l.org AND s.oseq = m.oseq;
        UPDATE blm SET left_on = NULL WHERE left_on > {today};
        DELETE FROM blm WHERE joined_on > {today};
        INSERT INTO leader_group_member (organization_id, id, created_at, updated_at,
            created_by, group_id, user_id, survivor_id, role, joined_on, left_on)
        SELECT org, id, {_at("joined_on")}, {_at("joined_on")}, {p["manager"]}, group_id,
               user_id, survivor_id, role, joined_on, left_on
          FROM blm;
        INSERT INTO leader_group_meeting (organization_id, id, created_at, updated_at,
            created_by, group_id, held_on, agenda, attended_member_ids, minutes_enc)
        SELECT l.org, gen_random_uuid(), {_at("m")}, {_at("m")}, {p["manager"]}, l.id, m::date,
               'Monthly meeting',
               ARRAY(SELECT b.id FROM blm b WHERE b.group_id = l.id
                        AND b.joined_on <= m::date AND random() < 0.75),
               {DUMMY}
          FROM blg l, LATERAL generate_series(l.formed_on + 10, {today}, interval '1 month') m
         WHERE random() < 0.85;
        INSERT INTO campaign (district_id, organization_id, id, created_at, updated_at,
            created_by, kind, title, place, held_on, leader_group_id,
            partner_organization_ids, reached_women, reached_men, reached_youth,
            reached_children)
        SELECT l.district, l.org, gen_random_uuid(), {_at("m + interval '3 days'")},
               {_at("m + interval '3 days'")}, {p["manager"]},
               {
            _weighted(
                {
                    "awareness_meeting": 5,
                    "rally": 2,
                    "street_play": 2,
                    "school_session": 3,
                    "media_event": 1,
                }
            )
        },
               'Safe migration awareness', 'Village',
               (m + interval '3 days')::date, l.id, '{{}}',
               20 + floor(random() * 180)::int, 10 + floor(random() * 90)::int,
               10 + floor(random() * 140)::int, floor(random() * 100)::int
          FROM blg l, LATERAL generate_series(l.formed_on + 20, {today} - 3,
                                              interval '1 month') m
         WHERE random() < 0.5;
        CREATE TEMP TABLE bde AS
        SELECT gen_random_uuid() AS id, l.district, l.org, l.id AS group_id,
               (m + interval '12 days')::date AS held_on
          FROM blg l, LATERAL generate_series(l.formed_on + 30, {today} - 12,
                                              interval '1 month') m
         WHERE random() < 0.3;
        INSERT INTO duty_bearer_engagement (district_id, organization_id, id, created_at,
            updated_at, created_by, duty_bearer, office, held_on, leader_group_id,
            issues_raised)
        SELECT district, org, id, {_at("held_on")}, {_at("held_on")}, {p["manager"]},
               {
            _pick(
                [
                    "police",
                    "anti_human_trafficking_unit",
                    "gram_panchayat",
                    "block_administration",
                    "district_administration",
                    "health_department",
                    "women_child_development",
                    "legal_services_authority",
                    "labour_department",
                    "child_welfare_committee",
                ]
            )
        },
               'Office', held_on, group_id, 'Safe migration; scheme access'
          FROM bde;
        INSERT INTO duty_bearer_commitment (organization_id, id, created_at, updated_at,
            created_by, engagement_id, commitment, committed_by, due_on, status,
            followed_up_on)
        SELECT e.org, gen_random_uuid(), {_at("e.held_on")}, {_at("e.held_on")},
               {p["manager"]}, e.id, 'Commitment', 'Officer', e.held_on + x.days,
               CASE WHEN e.held_on + x.days > {today} THEN 'open'
                    WHEN x.r < 0.45 THEN 'fulfilled' WHEN x.r < 0.65 THEN 'partly_fulfilled'
                    WHEN x.r < 0.8 THEN 'not_fulfilled' ELSE 'open' END,
               CASE WHEN e.held_on + x.days <= {today} THEN e.held_on + x.days END
          FROM (SELECT *, floor(random() * 4)::int AS commitments FROM bde) e,
               LATERAL (SELECT 30 + floor(random() * 150)::int + 0 * e.commitments AS days,
                               random() AS r
                          FROM generate_series(1, e.commitments)) x;
        """,
    )
    # -- identification by leaders, safety reports ---------------------------------------------
    add(
        "identification and safety",
        f"""
        CREATE TEMP TABLE bir AS
        SELECT gen_random_uuid() AS id, u.id AS leader, u.org, u.district,
               {
            _ist(
                f"GREATEST({start}, {_at('u.formed_on')}) + random() * "
                f"({now} - GREATEST({start}, {_at('u.formed_on')}))"
            )
        } AS on_day,
               random() AS r
          FROM blu u, LATERAL (SELECT g FROM generate_series(1, 25) g
                                WHERE random() < 0.5 + 0 * u.k) x;
        INSERT INTO identification_referral (district_id, organization_id, id, created_at,
            updated_at, created_by, submitted_by, concern, details_enc, status, decided_at,
            decided_by, case_id, decision_enc)
        SELECT i.district, i.org, i.id, {_at("i.on_day")},
               {_at("i.on_day")} + CASE WHEN i.r < 0.7 THEN interval '5 days' ELSE interval '0'
                                   END,
               i.leader, i.leader,
               CASE WHEN i.r < 0.6 THEN 'possible_victim' ELSE 'at_risk' END, {DUMMY},
               CASE WHEN {today} - i.on_day < 5 THEN 'submitted'
                    WHEN i.r < 0.3 THEN 'became_case' WHEN i.r < 0.5 THEN 'accepted'
                    WHEN i.r < 0.7 THEN 'declined' ELSE 'submitted' END,
               CASE WHEN {today} - i.on_day >= 5 AND i.r < 0.7
                    THEN {_at("i.on_day + 5")} END,
               CASE WHEN {today} - i.on_day >= 5 AND i.r < 0.7 THEN {p["manager"]} END,
               CASE WHEN {today} - i.on_day >= 5 AND i.r < 0.3
                    THEN (SELECT c.id FROM bcase c WHERE c.org = i.org
                             AND c.t0 >= {_at("i.on_day + 5")}
                           ORDER BY c.t0 LIMIT 1) END,
               CASE WHEN {today} - i.on_day >= 5 AND i.r < 0.7 THEN {DUMMY} END
          FROM bir i;
        UPDATE identification_referral SET status = 'accepted'
         WHERE status = 'became_case' AND case_id IS NULL;
        INSERT INTO case_event (id, case_id, organization_id, occurred_at, kind, subject_id,
                                actor_id)
        SELECT gen_random_uuid(), case_id, organization_id, decided_at, 'identification', id,
               decided_by
          FROM identification_referral WHERE case_id IS NOT NULL;
        INSERT INTO safety_report (district_id, organization_id, id, created_at, updated_at,
            created_by, reported_by, kind, names_persons, report_enc, status)
        SELECT u.district, u.org, gen_random_uuid(), t, t, u.id, u.id,
               {
            _weighted(
                {
                    "red_flag": 4,
                    "suspected_recruitment": 3,
                    "missing_person": 2,
                    "threat": 1,
                    "other": 1,
                }
            )
        },
               random() < 0.3, {DUMMY},
               {_weighted({"received": 2, "under_review": 2, "action_taken": 3, "closed": 3})}
          FROM blu u,
               LATERAL (SELECT GREATEST({start}, {_at("u.formed_on")})
                               + random() * ({now} - GREATEST({start}, {_at("u.formed_on")}))
                               AS t
                          FROM generate_series(1, 10) g WHERE random() < 0.5 + 0 * u.k) x;
        """,
    )
    # -- expansion: partners onboarded by the lead, their stages; advocacy ---------------------
    add(
        "expansion and advocacy",
        f"""
        CREATE TEMP TABLE bpo AS
        SELECT gen_random_uuid() AS id, partner, state, stages, since
          FROM (VALUES
            ({p["partner_a"]}, {p["west_bengal"]},
             ARRAY['explored', 'scoping', 'agreement_signed', 'implementing'], 1600),
            ({p["partner_b"]}, {p["west_bengal"]},
             ARRAY['explored', 'scoping', 'agreement_signed', 'implementing'], 900),
            ({p["org_c"]}, {p["jharkhand"]}, ARRAY['explored', 'scoping'], 300),
            ({p["org_d"]}, {p["jharkhand"]},
             ARRAY['explored', 'scoping', 'agreement_signed'], 500),
            ({p["org_e"]}, {p["odisha"]}, ARRAY['explored'], 120),
            ({p["org_f"]}, {p["odisha"]}, ARRAY['explored', 'scoping', 'paused'], 700)
          ) v(partner, state, stages, since);
        INSERT INTO partner_onboarding (organization_id, id, created_at, updated_at, created_by,
            partner_organization_id, state_id, stage, stage_since, agreement_signed_on)
        SELECT {p["lead"]}, id, {_at(f"{today} - since")}, {now}, {p["manager"]}, partner,
               state, stages[cardinality(stages)],
               {today} - since + (cardinality(stages) - 1) * (since / cardinality(stages)),
               CASE WHEN 'agreement_signed' = ANY(stages)
                    THEN {today} - since + 2 * (since / cardinality(stages)) END
          FROM bpo;
        INSERT INTO partner_onboarding_stage_change (id, onboarding_id, organization_id,
            from_stage, to_stage, changed_on, at, by)
        SELECT gen_random_uuid(), o.id, {p["lead"]}, o.stages[k - 1], o.stages[k],
               {today} - o.since + (k - 1) * (o.since / cardinality(o.stages)),
               {_at(f"{today} - o.since + (k - 1) * (o.since / cardinality(o.stages))")},
               {p["manager"]}
          FROM bpo o, generate_series(1, cardinality(o.stages)) k;
        INSERT INTO advocacy_action (organization_id, id, created_at, updated_at, created_by,
            level, body, kind, state_id, acted_on, ask, outcome)
        SELECT {p["lead"]}, gen_random_uuid(), {_at("d")}, {_at("d")}, {p["manager"]},
               level, 'Department', {
            _pick(["meeting", "submission", "consultation", "campaign", "media"])
        },
               CASE WHEN level = 'state' THEN {p["west_bengal"]} END, d,
               'Better access to victim compensation',
               CASE WHEN random() < 0.5 THEN 'Assurance given' END
          FROM (SELECT {_weighted({"district": 5, "state": 3, "national": 1})} AS level,
                       {_ist(f"{start} + random() * ({now} - {start})")} AS d
                  FROM generate_series(1, GREATEST(10, {p["n"]} / 500))) x;
        """,
    )
    return out


def parameters(
    *,
    survivors: int,
    now: datetime,
    lead: uuid.UUID,
    partners: tuple[uuid.UUID, uuid.UUID],
    manager: uuid.UUID,
    password_hash: str,
) -> dict[str, str]:
    """The literals the statements are filled with."""

    def instant(value: datetime) -> str:
        return f"'{value.isoformat()}'::timestamptz"

    def ident(value: uuid.UUID) -> str:
        return f"'{value}'::uuid"

    from persistence.clock import business_date

    start = now - timedelta(days=round(365.25 * YEARS))
    named = uuid.uuid5(uuid.NAMESPACE_URL, "https://shakti-mis.org/bench/evidence")
    return {
        "n": str(survivors),
        "now": instant(now),
        "start": instant(start),
        "today": f"'{business_date(now).isoformat()}'::date",
        "lead": ident(lead),
        "partner_a": ident(partners[0]),
        "partner_b": ident(partners[1]),
        "manager": ident(manager),
        "hash": "'" + password_hash.replace("'", "''") + "'",
        "lead_districts": _array([wb_district(d) for d in LEAD_DISTRICTS]),
        "a_districts": _array([wb_district(d) for d in PARTNER_A_DISTRICTS]),
        "b_districts": _array([wb_district(d) for d in PARTNER_B_DISTRICTS]),
        "west_bengal": ident(uuid.uuid5(GEOGRAPHY, "state:WB")),
        "jharkhand": ident(uuid.uuid5(GEOGRAPHY, "state:JH")),
        "odisha": ident(uuid.uuid5(GEOGRAPHY, "state:OD")),
        **{
            key: ident(uuid.uuid5(named, key))
            for key in ("org_c", "org_d", "org_e", "org_f", "provider_1", "provider_2")
        },
    }


COUNTED = (
    "survivor",
    "consent",
    "survivor_case",
    "case_event",
    "case_visit",
    "assessment",
    "care_plan_goal",
    "care_plan_agreement",
    "referral",
    "referral_status_change",
    "legal_proceeding",
    "livelihood_activity",
    "income_record",
    "financial_inclusion",
    "entitlement_application",
    "entitlement_status_change",
    "training_participant",
    "shg",
    "shg_member",
    "shg_meeting",
    "shg_attendance",
    "shg_loan",
    "shg_ledger_entry",
    "leader_group",
    "leader_group_meeting",
    "campaign",
    "duty_bearer_commitment",
    "identification_referral",
    "safety_report",
    "app_user",
)


async def seed(
    connection: Any,
    params: dict[str, str],
    say: Callable[[str], None],
) -> dict[str, int]:
    """Run the statements on one connection (temporary tables live in its session), check
    every foreign key, then VACUUM ANALYZE; the row counts of the main tables.

    Foreign keys are checked once at the end (every one, by an anti-join per constraint)
    instead of row by row: the row-by-row checks of some 6M rows took most of the time.
    NOT NULL, CHECK and UNIQUE constraints hold row by row as always. Triggers are off while
    the rows are written: what they keep (``reporting_consent``) is computed once after."""
    await connection.execute("SELECT setseed(0.42)")
    # One process per statement: the same random draws in the same order on every run.
    await connection.execute("SET max_parallel_workers_per_gather = 0")
    await connection.execute("SET work_mem = '256MB'")
    await connection.execute("SET synchronous_commit = off")
    await connection.execute("SET session_replication_role = replica")
    try:
        for label, sql in steps(params):
            started = time.perf_counter()
            await connection.execute(sql)
            say(f"  {label}: {time.perf_counter() - started:.1f} s")
    finally:
        await connection.execute("RESET session_replication_role")
    started = time.perf_counter()
    # Triggers were off too: the consents' days in force, as the database's rule computes
    # them (what its triggers would have kept).
    await connection.execute(
        "DELETE FROM reporting_consent;"
        " INSERT INTO reporting_consent (survivor_id, organization_id, days)"
        " SELECT survivor_id, organization_id, days"
        " FROM consent_in_force_days('aggregate_reporting', NULL)"
    )
    say(f"  reporting consent: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    await connection.execute("ANALYZE")
    broken = await foreign_key_violations(connection)
    if broken:
        raise RuntimeError(f"the seeded rows break foreign keys: {broken}")
    say(f"  foreign keys checked: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    await connection.execute("RESET work_mem")
    await connection.execute("RESET max_parallel_workers_per_gather")
    await connection.execute("VACUUM ANALYZE")
    say(f"  VACUUM ANALYZE: {time.perf_counter() - started:.1f} s")
    counts = {}
    for table in COUNTED:
        counts[table] = int(await connection.fetchval(f"SELECT count(*) FROM {table}"))
    return counts


async def foreign_key_violations(connection: Any) -> dict[str, int]:
    """Rows whose foreign key finds no row it references, by constraint (none: empty)."""
    constraints = await connection.fetch(
        """
        SELECT c.conname, c.conrelid::regclass::text AS child, c.confrelid::regclass::text
               AS parent,
               array_agg(a.attname ORDER BY k.ord) AS columns,
               array_agg(p.attname ORDER BY k.ord) AS referenced
          FROM pg_constraint c
          CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(col, ref, ord)
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col
          JOIN pg_attribute p ON p.attrelid = c.confrelid AND p.attnum = k.ref
         WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
         GROUP BY c.conname, c.conrelid, c.confrelid
        """
    )
    broken: dict[str, int] = {}
    for row in constraints:
        present = " AND ".join(f'c."{column}" IS NOT NULL' for column in row["columns"])
        matches = " AND ".join(
            f'p."{ref}" = c."{column}"'
            for column, ref in zip(row["columns"], row["referenced"], strict=True)
        )
        missing = await connection.fetchval(
            f"SELECT count(*) FROM {row['child']} c WHERE {present}"
            f" AND NOT EXISTS (SELECT 1 FROM {row['parent']} p WHERE {matches})"
        )
        if missing:
            broken[row["conname"]] = int(missing)
    return broken
