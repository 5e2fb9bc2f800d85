"""A world for evidence tests, written through the API with the one clock moved to each
event's moment, so every figure can be counted by hand from the story it tells.

Times are given in India Standard Time (``ist(2026, 3, 31, 23, 30)``); the clock is a
FixedClock the test installs (see the ``clock`` fixture in tests/test_evidence.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import httpx

from domain.common.principal import Role
from persistence.clock import IST, FixedClock
from persistence.models.enums import OrganizationKind
from tests.factories import NORTH_24, SOUTH_24, WEST_BENGAL, Actor, Factory

API = "/api/v1"


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
        self, actor: Actor, method: str, path: str, body: dict[str, Any] | None = None
    ) -> Any:
        response = await self.client.request(method, API + path, json=body, headers=actor.headers)
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
        self.at(at)
        consents = await self.call(
            self.sw, "GET", f"/survivors/{survivor_id}/consents?purpose=aggregate_reporting"
        )
        current = next(c for c in consents["items"] if c["status"] == "in_force")
        await self.call(
            self.sw,
            "POST",
            f"/survivors/{survivor_id}/consents/{current['id']}/withdraw",
            {"reason": "survivor_request"},
        )

    async def open_case(
        self, survivor_id: UUID, at: datetime, *, district: UUID = SOUTH_24
    ) -> UUID:
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
                "opened_on": at.date().isoformat(),
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

    async def patch(self, actor: Actor, path: str, body: dict[str, Any]) -> Any:
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
        await self.patch(self.pm, f"/leader-groups/{group}/members/{member}", {"left_on": left_on})

    async def meeting(self, group: UUID, held_on: str) -> None:
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

    async def training(self, topic: str, starts_on: str) -> UUID:
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
        await self.call(
            self.pm,
            "POST",
            f"/partner-onboarding/{onboarding}/stage",
            {"to_stage": to, "changed_on": on},
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


def day(moment: datetime) -> date:
    return moment.date()
