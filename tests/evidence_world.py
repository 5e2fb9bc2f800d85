"""A world for evidence tests, written through the API with the one clock moved to each
event's moment, so every figure can be counted by hand from the story it tells.

Times are given in India Standard Time (``ist(2026, 3, 31, 23, 30)``); the clock is a
FixedClock the test installs (``evidence_fixtures`` makes a test module's ``clock`` and
``world`` fixtures).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import httpx
import pytest

from domain.common.principal import Role
from persistence.clock import IST, FixedClock, business_date, using
from persistence.models.enums import OrganizationKind
from tests.factories import NORTH_24, SOUTH_24, WEST_BENGAL, Actor, Factory

API = "/api/v1"
# Shared instruments' ids (migration 0005): uuid5 of ``instrument:<code>`` under this.
INSTRUMENTS_NAMESPACE = uuid5(NAMESPACE_URL, "https://shakti-mis.org/instruments")


def ist(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=IST)


@dataclass
class EvidenceWorld:
    """Lead NGO ``org`` (program manager, social worker of both districts, analyst, survivor
    leader, auditor), its partner ``partner`` (onboarded by the lead), an unrelated ``other``
    organisation, and integration clients."""

    client: httpx.AsyncClient
    factory: Factory
    clock: FixedClock

    async def build(self) -> EvidenceWorld:
        f = self.factory
        self.org = await f.organization("Lead NGO", kind=OrganizationKind.lead_ngo)
        self.partner = await f.organization("Partner NGO", kind=OrganizationKind.partner_ngo)
        self.other = await f.organization("Other NGO", kind=OrganizationKind.partner_ngo)
        self.pm = await f.user(self.org, Role.program_manager)
        self.sw = await f.user(self.org, Role.social_worker, districts=(SOUTH_24, NORTH_24))
        self.analyst = await f.user(self.org, Role.analyst)
        self.leader = await f.user(self.org, Role.survivor_leader)
        self.auditor = await f.user(self.org, Role.auditor)
        self.pm_partner = await f.user(self.partner, Role.program_manager)
        self.sw_partner = await f.user(self.partner, Role.social_worker, districts=(NORTH_24,))
        self.pm_other = await f.user(self.other, Role.program_manager)
        self.dashboard = await f.integration_client(
            self.org, Role.analyst, scopes=["indicators:read"]
        )
        self.dashboard_noscope = await f.integration_client(self.org, Role.analyst, scopes=[])
        await self.onboard(self.partner)
        return self

    def at(self, moment: datetime) -> None:
        self.clock.set(moment)

    async def call(
        self,
        actor: Actor,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        version: int | None = None,
    ) -> Any:
        """``version``: sent as If-Match (state changes need it)."""
        headers = dict(actor.headers)
        if version is not None:
            headers["If-Match"] = f'"v{version}"'
        response = await self.client.request(method, API + path, json=body, headers=headers)
        assert response.status_code < 300, (method, path, response.status_code, response.text)
        return response.json() if response.content else None

    async def onboard(self, partner: UUID) -> None:
        await self.call(
            self.pm,
            "POST",
            "/partner-onboarding",
            {
                "partner_organization_id": str(partner),
                "state_id": str(WEST_BENGAL),
                "stage": "implementing",
                "stage_since": "2025-04-01",
            },
        )

    # -- outcome 1 --------------------------------------------------------------------------

    async def register(
        self,
        at: datetime,
        *,
        sex: str = "female",
        age: int = 25,
        district: UUID = SOUTH_24,
        reporting: bool = True,
        worker: Actor | None = None,
    ) -> UUID:
        """A survivor registered at ``at`` (her consent to case management, and to aggregate
        reporting unless ``reporting`` is False, given then)."""
        self.at(at)
        actor = worker or self.sw
        survivor = await self.call(
            actor,
            "POST",
            "/survivors",
            {
                "given_name": "Survivor",
                "sex": sex,
                "estimated_age": age,
                "confirm_not_duplicate": True,
                "home_address": {"village": "Test", "district_id": str(district)},
            },
        )
        survivor_id = UUID(survivor["id"])
        await self.consent(survivor_id, "case_management", worker=actor)
        if reporting:
            await self.consent(survivor_id, "aggregate_reporting", worker=actor)
        return survivor_id

    async def consent(
        self, survivor_id: UUID, purpose: str, *, worker: Actor | None = None, **extra: Any
    ) -> UUID:
        consent = await self.call(
            worker or self.sw,
            "POST",
            f"/survivors/{survivor_id}/consents",
            {"purpose": purpose, "method": "written", "language": "bn", **extra},
        )
        return UUID(consent["id"])

    async def withdraw_reporting(self, survivor_id: UUID, at: datetime) -> None:
        await self.withdraw(survivor_id, "aggregate_reporting", at)

    async def open_case(
        self, survivor_id: UUID, at: datetime, *, district: UUID = SOUTH_24, **context: Any
    ) -> UUID:
        """A case opened at ``at``; ``context`` sets trafficking-context fields (e.g.
        ``identified_on``, ``recruitment_method``) or overrides the exploitation types."""
        self.at(at)
        case = await self.call(
            self.sw,
            "POST",
            "/cases",
            {
                "survivor_id": str(survivor_id),
                "district_id": str(district),
                "referral_source": "police_ahtu",
                "trafficking_status": "actual",
                "exploitation_types": ["sexual_exploitation"],
                "opened_on": business_date(at).isoformat(),
                **context,
            },
        )
        return UUID(case["id"])

    async def move(
        self, case_id: UUID, to: str, at: datetime, closure_reason: str | None = None
    ) -> None:
        self.at(at)
        body: dict[str, Any] = {"to": to, "reason": "Moved on in the test."}
        if closure_reason is not None:
            body["closure_reason"] = closure_reason
        case = await self.call(self.sw, "GET", f"/cases/{case_id}")
        response = await self.client.post(
            f"{API}/cases/{case_id}/transitions",
            json=body,
            headers={**self.sw.headers, "If-Match": f'"v{case["version"]}"'},
        )
        assert response.status_code == 200, response.text

    # -- outcome 1: the progress of cases ------------------------------------------------------

    async def patch(self, path: str, body: dict[str, Any], at: datetime) -> Any:
        """Change a record at ``at`` (its current version as If-Match)."""
        self.at(at)
        current = await self.call(self.sw, "GET", path)
        response = await self.client.patch(
            API + path,
            json=body,
            headers={**self.sw.headers, "If-Match": f'"v{current["version"]}"'},
        )
        assert response.status_code == 200, (path, response.text)
        return response.json()

    async def goal(self, case_id: UUID, component: str, at: datetime) -> UUID:
        """A goal she set under a CBR component (not started)."""
        self.at(at)
        goal = await self.call(
            self.sw,
            "POST",
            f"/cases/{case_id}/care-plan/goals",
            {"component": component, "goal": "A goal of hers", "responsible": "survivor"},
        )
        return UUID(goal["id"])

    async def goal_moves(self, case_id: UUID, goal_id: UUID, at: datetime, **body: Any) -> None:
        """Move a goal on (``status=...``, with ``achieved_on`` or ``drop_reason``)."""
        await self.patch(
            f"/cases/{case_id}/care-plan/goals/{goal_id}",
            {k: _json(v) for k, v in body.items()},
            at,
        )

    async def agree_plan(self, case_id: UUID, at: datetime, agreed_on: date | None = None) -> None:
        """Her agreement to the plan, recorded at ``at`` (agreed that day unless said)."""
        self.at(at)
        body: dict[str, Any] = {"method": "thumbprint"}
        if agreed_on is not None:
            body["agreed_on"] = agreed_on.isoformat()
        await self.call(self.sw, "POST", f"/cases/{case_id}/care-plan/agreement", body)

    async def plan_visit(self, case_id: UUID, planned_on: date, at: datetime) -> UUID:
        self.at(at)
        visit = await self.call(
            self.sw,
            "POST",
            f"/cases/{case_id}/visits",
            {"kind": "home", "planned_on": planned_on.isoformat()},
        )
        return UUID(visit["id"])

    async def visit_made(
        self, case_id: UUID, done_at: datetime, *, planned_on: date | None = None
    ) -> UUID:
        """A visit recorded as made at the moment it was made (no plan before)."""
        self.at(done_at)
        body: dict[str, Any] = {"kind": "phone", "status": "done", "done_at": done_at.isoformat()}
        if planned_on is not None:
            body["planned_on"] = planned_on.isoformat()
        visit = await self.call(self.sw, "POST", f"/cases/{case_id}/visits", body)
        return UUID(visit["id"])

    async def visit_outcome(
        self,
        case_id: UUID,
        visit_id: UUID,
        status: str,
        at: datetime,
        done_at: datetime | None = None,
    ) -> None:
        """A planned visit recorded ``status`` (done, missed, cancelled) at ``at``."""
        body: dict[str, Any] = {"status": status}
        if done_at is not None:
            body["done_at"] = done_at.isoformat()
        await self.patch(f"/cases/{case_id}/visits/{visit_id}", body, at)

    async def instrument_items(self, code: str) -> dict[str, list[str]]:
        """The score items of a shared instrument, by section code."""
        if not hasattr(self, "_instruments"):
            self._instruments: dict[str, dict[str, list[str]]] = {}
        if code not in self._instruments:
            instrument_id = uuid5(INSTRUMENTS_NAMESPACE, f"instrument:{code}")
            read = await self.call(self.sw, "GET", f"/assessment-instruments/{instrument_id}")
            self._instruments[code] = {
                section["code"]: [
                    item["code"] for item in section["items"] if item["response_type"] == "score"
                ]
                for section in read["sections"]
            }
        return self._instruments[code]

    async def assess(
        self,
        case_id: UUID,
        instrument: str,
        conducted_on: date,
        at: datetime,
        scores: dict[str, list[int]],
        default: int,
    ) -> UUID:
        """An assessment recorded at ``at``: each section's score items answered with the
        values listed for it (in order), or all ``default``."""
        items = await self.instrument_items(instrument)
        responses: dict[str, int] = {}
        for section, codes in items.items():
            values = scores.get(section, [default] * len(codes))
            assert len(values) == len(codes), (section, len(codes))
            responses.update(zip(codes, values, strict=True))
        self.at(at)
        assessment = await self.call(
            self.sw,
            "POST",
            f"/cases/{case_id}/assessments",
            {
                "instrument_id": str(uuid5(INSTRUMENTS_NAMESPACE, f"instrument:{instrument}")),
                "conducted_on": conducted_on.isoformat(),
                "responses": responses,
            },
        )
        return UUID(assessment["id"])

    async def proceeding(self, case_id: UUID, at: datetime, **body: Any) -> UUID:
        """A legal proceeding recorded at ``at`` (an FIR unless ``kind`` says otherwise)."""
        self.at(at)
        created = await self.call(
            self.sw,
            "POST",
            f"/cases/{case_id}/legal-proceedings",
            {"kind": "fir", **{k: _json(v) for k, v in body.items()}},
        )
        return UUID(created["id"])

    async def proceeding_changes(
        self, case_id: UUID, proceeding_id: UUID, at: datetime, **body: Any
    ) -> None:
        await self.patch(
            f"/cases/{case_id}/legal-proceedings/{proceeding_id}",
            {k: _json(v) for k, v in body.items()},
            at,
        )

    async def withdraw(self, survivor_id: UUID, purpose: str, at: datetime) -> None:
        """Her consent to ``purpose`` withdrawn at ``at``."""
        self.at(at)
        consents = await self.call(
            self.sw, "GET", f"/survivors/{survivor_id}/consents?purpose={purpose}"
        )
        current = next(c for c in consents["items"] if c["status"] == "in_force")
        await self.call(
            self.sw,
            "POST",
            f"/survivors/{survivor_id}/consents/{current['id']}/withdraw",
            {"reason": "survivor_request"},
        )

    async def read_dashboard(
        self, name: str, actor: Actor | None = None, **params: Any
    ) -> dict[str, Any]:
        """A dashboard as ``actor`` (default: the program manager, internal)."""
        query = {"internal": "true", **params} if actor is None else params
        response = await self.client.get(
            f"{API}/dashboards/{name}", params=query, headers=(actor or self.pm).headers
        )
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    # -- outcome 2 ------------------------------------------------------------------------------

    async def block(self, name: str, district: UUID = SOUTH_24) -> UUID:
        """A block of ``district`` (added by a platform admin)."""
        admin = await self.factory.platform_admin()
        block = await self.call(
            admin, "POST", "/blocks", {"district_id": str(district), "name": name}
        )
        return UUID(block["id"])

    async def shg(
        self,
        at: datetime,
        *,
        formed_on: date | None = None,
        district: UUID = SOUTH_24,
        block: UUID | None = None,
        frequency: str = "monthly",
        saving: int = 2000,
    ) -> UUID:
        """A self-help group recorded at ``at``, formed that day (IST) unless said."""
        self.at(at)
        shg = await self.call(
            self.sw,
            "POST",
            "/shgs",
            {
                "name": "Maa Durga Mahila SHG",
                "formed_on": (formed_on or business_date(at)).isoformat(),
                "district_id": str(district),
                "block_id": None if block is None else str(block),
                "meeting_frequency": frequency,
                "saving_per_meeting_paise": saving,
                "interest_rate_bps": 2400,
                "status": "active",
            },
        )
        return UUID(shg["id"])

    async def member(
        self, shg: UUID, joined_on: date, *, survivor: UUID | None = None, name: str = "Mita"
    ) -> UUID:
        """A member of the group (a survivor's own record, or a community woman by name)."""
        self.at(datetime.combine(joined_on, time(12), IST))
        body: dict[str, Any] = {"joined_on": joined_on.isoformat()}
        if survivor is not None:
            body["survivor_id"] = str(survivor)
        else:
            body["name"] = name
        member = await self.call(self.sw, "POST", f"/shgs/{shg}/members", body)
        return UUID(member["id"])

    async def exit_member(self, shg: UUID, member: UUID, exited_on: date) -> None:
        self.at(datetime.combine(exited_on, time(18), IST))
        current = await self.call(self.sw, "GET", f"/shgs/{shg}/members/{member}")
        response = await self.client.patch(
            f"{API}/shgs/{shg}/members/{member}",
            json={"exited_on": exited_on.isoformat()},
            headers={**self.sw.headers, "If-Match": f'"v{current["version"]}"'},
        )
        assert response.status_code == 200, response.text

    async def meeting(
        self,
        shg: UUID,
        held_on: date,
        savings: dict[UUID, int],
        *,
        absent: Sequence[UUID] = (),
        repayments: Sequence[tuple[UUID, int, int]] = (),
        disbursals: Sequence[UUID] = (),
        minutes: bool = True,
    ) -> None:
        """A collection sheet: every saver present, saving her amount, the other members
        ``absent``; repayments as (loan, principal, interest)."""
        self.at(datetime.combine(held_on, time(17), IST))
        attendance = [{"member_id": str(m), "status": "present"} for m in savings]
        attendance += [{"member_id": str(m), "status": "absent"} for m in absent]
        body: dict[str, Any] = {
            "held_on": held_on.isoformat(),
            "attendance": attendance,
            "savings": [{"member_id": str(m), "amount_paise": a} for m, a in savings.items()],
            "repayments": [
                {"loan_id": str(loan), "principal_paise": p, "interest_paise": i}
                for loan, p, i in repayments
            ],
            "disbursals": [{"loan_id": str(loan)} for loan in disbursals],
        }
        if minutes:
            body["minutes"] = "Savings collected."
        await self.call(self.sw, "POST", f"/shgs/{shg}/meetings", body)

    async def entry(
        self,
        shg: UUID,
        kind: str,
        amount: int,
        entry_date: date,
        *,
        member: UUID | None = None,
        loan: UUID | None = None,
    ) -> UUID:
        """A ledger entry outside a meeting, recorded on its day."""
        self.at(datetime.combine(entry_date, time(18), IST))
        body: dict[str, Any] = {
            "kind": kind,
            "amount_paise": amount,
            "entry_date": entry_date.isoformat(),
        }
        if member is not None:
            body["member_id"] = str(member)
        if loan is not None:
            body["loan_id"] = str(loan)
        entry = await self.call(self.sw, "POST", f"/shgs/{shg}/ledger", body)
        return UUID(entry["id"])

    async def reverse(self, shg: UUID, entry: UUID, on: date) -> None:
        self.at(datetime.combine(on, time(19), IST))
        await self.call(
            self.sw,
            "POST",
            f"/shgs/{shg}/ledger/{entry}/reversal",
            {"entry_date": on.isoformat()},
        )

    async def loan(
        self, shg: UUID, member: UUID, principal: int, tenure: int, applied_on: date
    ) -> UUID:
        """An internal loan, applied for and approved on ``applied_on`` (flat, 24 %)."""
        self.at(datetime.combine(applied_on, time(11), IST))
        loan = await self.call(
            self.sw,
            "POST",
            f"/shgs/{shg}/loans",
            {
                "kind": "internal",
                "member_id": str(member),
                "purpose": "Sewing machine",
                "principal_paise": principal,
                "tenure_months": tenure,
                "interest_method": "flat",
                "applied_on": applied_on.isoformat(),
            },
        )
        await self.call(
            self.sw,
            "POST",
            f"/shgs/{shg}/loans/{loan['id']}/approval",
            {"approved_on": applied_on.isoformat()},
            version=loan["version"],
        )
        return UUID(loan["id"])

    async def plan(self, survivor: UUID, at: datetime) -> None:
        self.at(at)
        await self.call(
            self.sw,
            "PUT",
            f"/survivors/{survivor}/livelihood-plan",
            {"skills": ["tailoring"], "options": ["self_employment"]},
        )

    async def activity(
        self, survivor: UUID, at: datetime, started_on: date, ended_on: date | None = None
    ) -> UUID:
        self.at(at)
        body: dict[str, Any] = {"kind": "enterprise", "started_on": started_on.isoformat()}
        if ended_on is not None:
            body["ended_on"] = ended_on.isoformat()
        activity = await self.call(
            self.sw, "POST", f"/survivors/{survivor}/livelihood-activities", body
        )
        return UUID(activity["id"])

    async def income(
        self, survivor: UUID, month: date, amount: int, source: str = "wage_employment"
    ) -> None:
        """Her income for ``month``, recorded on the 5th of the month after."""
        recorded = date(month.year + month.month // 12, month.month % 12 + 1, 5)
        self.at(datetime.combine(recorded, time(12), IST))
        await self.call(
            self.sw,
            "POST",
            f"/survivors/{survivor}/income",
            {"month": month.isoformat(), "source": source, "amount_paise": amount},
        )

    async def bank_account(
        self, survivor: UUID, at: datetime, since: date, status: str = "active"
    ) -> None:
        self.at(at)
        path = f"/survivors/{survivor}/financial-inclusion/bank_account"
        current = await self.client.get(API + path, headers=self.sw.headers)
        headers = dict(self.sw.headers)
        if current.status_code == 200:
            headers["If-Match"] = f'"v{current.json()["version"]}"'
        response = await self.client.put(
            API + path,
            json={"status": status, "since": since.isoformat(), "provider": "SBI"},
            headers=headers,
        )
        assert response.status_code in (200, 201), response.text

    async def scheme(self, code: str) -> str:
        listed = await self.call(self.sw, "GET", f"/schemes?code={code}")
        return str(next(s["id"] for s in listed["items"] if s["effective_to"] is None))

    async def apply(
        self, survivor: UUID, code: str, at: datetime, applied_on: date | None = None
    ) -> dict[str, Any]:
        """An application recorded at ``at``: already applied on ``applied_on`` when given,
        else gathering documents."""
        self.at(at)
        body: dict[str, Any] = {"survivor_id": str(survivor), "scheme_id": await self.scheme(code)}
        if applied_on is not None:
            body |= {"status": "applied", "office": "BDO Canning-I"}
            body["applied_on"] = applied_on.isoformat()
        created: dict[str, Any] = await self.call(
            self.sw, "POST", "/entitlement-applications", body
        )
        return created

    async def advance(
        self, application: dict[str, Any], at: datetime, **body: Any
    ) -> dict[str, Any]:
        """Move an application on at ``at`` (``on`` defaults to that day)."""
        self.at(at)
        response = await self.client.post(
            f"{API}/entitlement-applications/{application['id']}/transitions",
            json=body,
            headers={**self.sw.headers, "If-Match": f'"v{application["version"]}"'},
        )
        assert response.status_code == 200, response.text
        moved: dict[str, Any] = response.json()
        return moved

    async def training(
        self,
        topic: str,
        starts_on: date,
        ends_on: date | None = None,
        *,
        district: UUID | None = SOUTH_24,
    ) -> UUID:
        self.at(datetime.combine(starts_on, time(9), IST))
        body: dict[str, Any] = {
            "topic": topic,
            "course": "A course",
            "starts_on": starts_on.isoformat(),
            "district_id": None if district is None else str(district),
        }
        if ends_on is not None:
            body["ends_on"] = ends_on.isoformat()
        training = await self.call(self.sw, "POST", "/trainings", body)
        return UUID(training["id"])

    async def enrol(self, training: UUID, survivor: UUID, pre: int, post: int) -> None:
        await self.call(
            self.sw,
            "POST",
            f"/trainings/{training}/participants",
            {"survivor_id": str(survivor), "pre_score": pre, "post_score": post},
        )

    async def change(self, actor: Actor, path: str, body: dict[str, Any]) -> Any:
        """Change a record as ``actor``, with the If-Match of its current version."""
        current = await self.call(actor, "GET", path)
        response = await self.client.patch(
            API + path,
            json=body,
            headers={**actor.headers, "If-Match": f'"v{current["version"]}"'},
        )
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.json()

    # -- outcome 4 --------------------------------------------------------------------------

    async def leader_group(
        self, name: str, *, district: UUID = SOUTH_24, formed_on: str = "2026-01-01"
    ) -> UUID:
        group = await self.call(
            self.pm,
            "POST",
            "/leader-groups",
            {"name": name, "district_id": str(district), "formed_on": formed_on},
        )
        return UUID(group["id"])

    async def join(
        self,
        group: UUID,
        joined_on: str,
        *,
        user: Actor | None = None,
        survivor: UUID | None = None,
    ) -> UUID:
        """A leader (her account, or her survivor record) joins a group."""
        body: dict[str, Any] = {"joined_on": joined_on}
        if user is not None:
            body["user_id"] = str(user.id)
        if survivor is not None:
            body["survivor_id"] = str(survivor)
        member = await self.call(self.pm, "POST", f"/leader-groups/{group}/members", body)
        return UUID(member["id"])

    async def leave(self, group: UUID, member: UUID, left_on: str) -> None:
        await self.change(self.pm, f"/leader-groups/{group}/members/{member}", {"left_on": left_on})

    async def leader_meeting(self, group: UUID, held_on: str) -> None:
        await self.call(self.pm, "POST", f"/leader-groups/{group}/meetings", {"held_on": held_on})

    async def campaign(
        self,
        held_on: str,
        kind: str,
        *,
        group: UUID | None = None,
        district: UUID = SOUTH_24,
        **reached: int,
    ) -> UUID:
        """A campaign and whom it reached (``women=40, men=10, ...``)."""
        body: dict[str, Any] = {
            "kind": kind,
            "title": f"A {kind}",
            "held_on": held_on,
            "district_id": str(district),
            **{f"reached_{audience}": n for audience, n in reached.items()},
        }
        if group is not None:
            body["leader_group_id"] = str(group)
        campaign = await self.call(self.pm, "POST", "/campaigns", body)
        return UUID(campaign["id"])

    async def engagement(
        self,
        held_on: str,
        duty_bearer: str,
        due: list[str | None],
        *,
        group: UUID | None = None,
        district: UUID = SOUTH_24,
    ) -> tuple[UUID, list[UUID]]:
        """A meeting with a duty bearer and the commitments made there, one per due date."""
        body: dict[str, Any] = {
            "duty_bearer": duty_bearer,
            "office": "The office",
            "held_on": held_on,
            "district_id": str(district),
            "issues_raised": "Issues raised in the test.",
            "commitments": [
                {"commitment": f"Promise {i}", "committed_by": "An officer", "due_on": due_on}
                for i, due_on in enumerate(due)
            ],
        }
        if group is not None:
            body["leader_group_id"] = str(group)
        engagement = await self.call(self.pm, "POST", "/duty-bearer-engagements", body)
        return UUID(engagement["id"]), [UUID(c["id"]) for c in engagement["commitments"]]

    async def follow_up(
        self, engagement: UUID, commitment: UUID, status: str, on: str | None = None
    ) -> None:
        body: dict[str, Any] = {"status": status}
        if on is not None:
            body["followed_up_on"] = on
        path = f"/duty-bearer-engagements/{engagement}/commitments/{commitment}"
        engagement_read = await self.call(self.pm, "GET", f"/duty-bearer-engagements/{engagement}")
        version = next(
            c["version"] for c in engagement_read["commitments"] if c["id"] == str(commitment)
        )
        response = await self.client.patch(
            API + path, json=body, headers={**self.pm.headers, "If-Match": f'"v{version}"'}
        )
        assert response.status_code == 200, response.text

    async def identify(self, leader: Actor, at: datetime, concern: str = "possible_victim") -> UUID:
        """A survivor leader refers a possible victim at ``at``."""
        self.at(at)
        referral = await self.call(
            leader,
            "POST",
            "/identification-referrals",
            {
                "concern": concern,
                "district_id": str(SOUTH_24),
                "observations": "Seen with a recruiter at the bus stand.",
            },
        )
        return UUID(referral["id"])

    async def decide(
        self, referral: UUID, at: datetime, decision: str, case: UUID | None = None
    ) -> None:
        self.at(at)
        lead = await self.call(self.pm, "GET", f"/identification-referrals/{referral}")
        body: dict[str, Any] = {"decision": decision}
        if case is not None:
            body["case_id"] = str(case)
        if decision == "declined":
            body["reason"] = "Already supported."
        response = await self.client.post(
            f"{API}/identification-referrals/{referral}/decision",
            json=body,
            headers={**self.pm.headers, "If-Match": f'"v{lead["version"]}"'},
        )
        assert response.status_code == 200, response.text

    async def safety_report(self, reporter: Actor, at: datetime, kind: str) -> None:
        self.at(at)
        await self.call(
            reporter,
            "POST",
            "/safety-reports",
            {"kind": kind, "district_id": str(SOUTH_24), "description": "Seen in the test."},
        )

    async def leadership_training(self, topic: str, starts_on: str) -> UUID:
        training = await self.call(
            self.pm,
            "POST",
            "/trainings",
            {
                "topic": topic,
                "course": f"A {topic} course",
                "starts_on": starts_on,
                "district_id": str(SOUTH_24),
            },
        )
        return UUID(training["id"])

    async def completes(
        self,
        training: UUID,
        completed_on: str | None,
        *,
        user: Actor | None = None,
        survivor: UUID | None = None,
    ) -> UUID:
        """Someone (an account or a survivor record) takes part and completes it."""
        body: dict[str, Any] = {"completed_on": completed_on}
        if user is not None:
            body["user_id"] = str(user.id)
        if survivor is not None:
            body["survivor_id"] = str(survivor)
        participant = await self.call(self.pm, "POST", f"/trainings/{training}/participants", body)
        return UUID(participant["id"])

    # -- outcome 5 --------------------------------------------------------------------------

    async def state(self, name: str, code: str) -> UUID:
        admin = await self.factory.platform_admin()
        state = await self.call(admin, "POST", "/states", {"name": name, "code": code})
        return UUID(state["id"])

    async def onboarding(
        self, partner: UUID, state: UUID, stage: str, since: str, *, lead: Actor | None = None
    ) -> UUID:
        onboarding = await self.call(
            lead or self.pm,
            "POST",
            "/partner-onboarding",
            {
                "partner_organization_id": str(partner),
                "state_id": str(state),
                "stage": stage,
                "stage_since": since,
            },
        )
        return UUID(onboarding["id"])

    async def stage(self, onboarding: UUID, to: str, on: str) -> None:
        current = await self.call(self.pm, "GET", f"/partner-onboarding/{onboarding}")
        await self.call(
            self.pm,
            "POST",
            f"/partner-onboarding/{onboarding}/stage",
            {"to_stage": to, "changed_on": on},
            version=current["version"],
        )

    async def advocacy(
        self, acted_on: str, level: str, *, outcome: str | None = None, state: UUID | None = None
    ) -> UUID:
        body: dict[str, Any] = {
            "level": level,
            "body": "A department",
            "kind": "meeting",
            "acted_on": acted_on,
            "ask": "An ask made in the test.",
            "cite": ["survivors_associated"],
        }
        if outcome is not None:
            body["outcome"] = outcome
        if state is not None:
            body["state_id"] = str(state)
        action = await self.call(self.pm, "POST", "/advocacy-actions", body)
        return UUID(action["id"])

    # -- reading figures ----------------------------------------------------------------------

    async def values(self, code: str, actor: Actor | None = None, **params: Any) -> dict[str, Any]:
        """An indicator's values as ``actor`` (default: the program manager, internal)."""
        query = {"internal": "true", **params} if actor is None else params
        response = await self.client.get(
            f"{API}/indicators/{code}/values",
            params=query,
            headers=(actor or self.pm).headers,
        )
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def cells(answer: dict[str, Any]) -> dict[tuple[str, tuple[tuple[str, str | None], ...]], Any]:
    """The answer's cells by (period, sorted breakdown items): their value."""
    return {
        (cell["period"], tuple(sorted(cell["breakdown"].items()))): cell["value"]
        for cell in answer["cells"]
    }


def totals(answer: dict[str, Any]) -> dict[str, Any]:
    """Each period's total (the cell with an empty breakdown), zero when absent."""
    found = {cell["period"]: cell["value"] for cell in answer["cells"] if not cell["breakdown"]}
    return {period["label"]: found.get(period["label"], 0) for period in answer["periods"]}


def evidence_fixtures() -> tuple[Any, Any]:
    """A test module's ``clock`` (a FixedClock at noon IST on 1 March 2026, installed for the
    test) and ``world`` (an EvidenceWorld on it) fixtures: ``clock, world = evidence_fixtures()``.
    """

    @pytest.fixture
    def clock() -> Iterator[FixedClock]:
        fixed = FixedClock(ist(2026, 3, 1))
        with using(fixed):
            yield fixed

    @pytest.fixture
    async def world(
        client: httpx.AsyncClient, factory: Factory, clock: FixedClock
    ) -> EvidenceWorld:
        return await EvidenceWorld(client, factory, clock).build()

    return clock, world
