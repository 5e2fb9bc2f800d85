"""Rules every input obeys, whatever the route: no control characters in text (JSON bodies,
query and path parameters, form fields), dates within 1900-01-01 .. a year after today unless
a field says otherwise, and limits that the database can hold. Bad input is a 422 naming the
field, never a 500.

The walks build their requests from the app's own spec (each operation's request schema and
its example), so a new route is covered without editing them.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, get_args

import httpx
import pytest

from domain.common.dates import DateBounds, years_after
from domain.common.principal import Role
from domain.common.schemas import RequestBody
from domain.common.text import control_character_locations, has_control_characters
from domain.policies import all_policies
from persistence import clock
from tests.factories import DEFAULT_PASSWORD, SOUTH_24, Actor, CaseFactory, Factory
from tests.test_shgs import SHGS, add_member, group_body

NUL = "\u0000"
Path = tuple[str | int, ...]


# -- the rules themselves -------------------------------------------------------------------
@pytest.mark.parametrize(
    "text", ["plain", "Line one\nline two\r\n\tindented", "নাম", "emoji 🙂", "\u00a0nbsp"]
)
def test_text_that_is_allowed(text: str) -> None:
    assert not has_control_characters(text)


@pytest.mark.parametrize(
    "text", ["a\x00b", "\x01", "bell\x07", "\x0b", "\x0c", "esc\x1b[31m", "\x7f", "\x85", "\x9f"]
)
def test_control_characters_are_found(text: str) -> None:
    assert has_control_characters(text)


def test_a_lone_surrogate_is_found() -> None:
    assert has_control_characters("a\ud800b")


def test_locations_name_the_field_but_never_a_key_s_text() -> None:
    body = {
        "name": "ok",
        "members": [{"name": "ok"}, {"name": "bad\x00"}],
        "labels": {"1": "fine", "sec\x1bret": "x", "2": "bad\x7f"},
    }
    assert list(control_character_locations(body)) == [
        ("members", 1, "name"),
        ("labels", "[key]"),
        ("labels", "2"),
    ]


def test_today_is_the_business_day_in_kolkata() -> None:
    # 20:00 UTC on 6 December is 01:30 on 7 December in Kolkata.
    assert clock.business_date(datetime(2026, 12, 6, 20, 0, tzinfo=UTC)) == date(2026, 12, 7)
    assert clock.business_date(datetime(2026, 12, 6, 18, 0, tzinfo=UTC)) == date(2026, 12, 6)


def test_date_bounds_from_1900_to_a_year_after_today() -> None:
    bounds = DateBounds()
    # Today (from the one clock) is 29 February 2028 in Kolkata.
    with clock.using(clock.FixedClock(datetime(2028, 2, 29, 12, tzinfo=clock.IST))):
        assert bounds.latest() == date(2029, 2, 28)
        # A time falls on its day in Kolkata: 19:00 UTC on 31 December 1899 is 1 January 1900.
        first_in_india = datetime(1899, 12, 31, 19, tzinfo=UTC)
        for good in (date(1900, 1, 1), date(2029, 2, 28), first_in_india):
            assert bounds.check(good) == good
        after_in_india = datetime(2029, 2, 28, 20, tzinfo=UTC)  # 01:30 IST on 1 March
        for bad in (
            date(1899, 12, 31),
            date(2029, 3, 1),
            date(1, 1, 1),
            date(9999, 12, 31),
            after_in_india,
        ):
            with pytest.raises(ValueError, match="must lie between 1900-01-01 and 2029-02-28"):
                bounds.check(bad)
    assert years_after(date(2026, 12, 7), 10) == date(2036, 12, 7)


def test_every_json_body_is_a_request_body(settings: Any) -> None:
    """The rules above live in RequestBody: a body of another class would escape them."""
    from api.app import create_app
    from api.route_table import api_routes

    outside = []
    for entry in api_routes(create_app(settings).routes):
        field = entry.route.body_field
        if field is None or entry.path.startswith("/api/v1/auth/"):
            continue  # the OAuth2 endpoints take forms (checked by api/text_guard.py)
        annotation = field.field_info.annotation
        # An optional body (``Model | None``) is its model.
        models = [
            a for a in get_args(annotation) if isinstance(a, type) and a is not type(None)
        ] or [annotation]
        outside += [(entry.path, m) for m in models if not issubclass(m, RequestBody)]
    assert outside == []


# -- the spec, walked -----------------------------------------------------------------------
class Spec:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.schemas = document["components"]["schemas"]

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def alternatives(self, schema: dict[str, Any]) -> list[dict[str, Any]]:
        """The non-null shapes a property may take."""
        schema = self.resolve(schema)
        options = schema.get("anyOf") or schema.get("oneOf") or [schema]
        return [self.resolve(o) for o in options if self.resolve(o).get("type") != "null"]

    def operations(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for path, item in self.document["paths"].items():
            for method, operation in item.items():
                yield path, method, operation

    def json_body(self, operation: dict[str, Any]) -> tuple[dict[str, Any], Any] | None:
        """The request schema of an operation taking JSON, with its first example."""
        media = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if media is None:
            return None
        schema = self.resolve(media["schema"])
        examples = media.get("examples") or schema.get("examples") or [media.get("example")]
        example = examples[0] if isinstance(examples, list) else next(iter(examples.values()))
        if isinstance(example, dict) and "value" in example and "summary" in example:
            example = example["value"]
        return schema, copy.deepcopy(example)


def _strings(value: Any, path: Path = ()) -> Iterator[Path]:
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def _set(body: Any, path: Path, value: Any) -> None:
    for part in path[:-1]:
        body = body[part]
    body[path[-1]] = value


def _get(body: Any, path: Path) -> Any:
    for part in path:
        body = body[part]
    return body


def _date_fields(spec: Spec, schema: dict[str, Any], body: Any, path: Path = ()) -> Iterator[Path]:
    """Where a date or date-time goes in ``body`` (a dict shaped by ``schema``): each property
    of that format, in the body's nested objects and lists too; absent ones are added."""
    for shape in spec.alternatives(schema):
        if shape.get("format") in ("date", "date-time"):
            yield path
            return
        if shape.get("type") == "object" and isinstance(body, dict):
            for name, prop in shape.get("properties", {}).items():
                if any(a.get("format") in ("date", "date-time") for a in spec.alternatives(prop)):
                    yield (*path, name)
                elif name in body:
                    yield from _date_fields(spec, prop, body[name], (*path, name))
            return
        if shape.get("type") == "array" and isinstance(body, list) and body:
            yield from _date_fields(spec, shape.get("items", {}), body[0], (*path, 0))
            return


class Callers:
    """One person of each role in one organisation, made when first needed."""

    def __init__(self, factory: Factory) -> None:
        self.factory = factory
        self.people: dict[Role, Actor] = {}
        self.organization: uuid.UUID | None = None

    async def admitted_by(self, operation: dict[str, Any]) -> Actor:
        rule = all_policies()[operation["x-policy"]]
        role = Role.program_manager if rule.any_authenticated else sorted(rule.roles)[0]
        if role not in self.people:
            if self.organization is None:
                self.organization = await self.factory.organization()
            self.people[role] = await self.factory.user(
                self.organization, role, districts=(SOUTH_24,)
            )
        return self.people[role]


def _url(spec: Spec, path: str, operation: dict[str, Any]) -> str:
    """``path`` with its parameters filled: ids of nothing, the first value of an enum."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "path":
            continue
        shape = spec.alternatives(parameter["schema"])[0]
        value = shape["enum"][0] if "enum" in shape else str(uuid.uuid4())
        path = path.replace(f"{{{parameter['name']}}}", value)
    return path


def _errors(response: httpx.Response) -> dict[tuple[str, ...], str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return {tuple(e["loc"]): e["type"] for e in response.json()["errors"]}


def _loc(where: str, path: Path) -> tuple[str, ...]:
    return (where, *(str(part) for part in path))


async def test_every_json_body_refuses_control_characters_in_every_string(
    app: Any, client: httpx.AsyncClient, factory: Factory
) -> None:
    spec = Spec(app.openapi())
    callers = Callers(factory)
    walked = 0
    for path, method, operation in spec.operations():
        found = spec.json_body(operation)
        if found is None:
            continue
        schema, body = found
        # Every string of the example, and every string property the example leaves out.
        for shape in spec.alternatives(schema):
            for name, prop in shape.get("properties", {}).items():
                if name not in body and any(
                    a.get("type") == "string" for a in spec.alternatives(prop)
                ):
                    body[name] = "text"
        if not any(True for _ in _strings(body)):
            body["unknown"] = "text"  # a body without text still carries it in a stray field
        poisoned = list(_strings(body))
        for where in poisoned:
            _set(body, where, f"{_get(body, where)}{NUL}more")
        actor = await callers.admitted_by(operation)
        response = await client.request(
            method.upper(),
            _url(spec, path, operation),
            json=body,
            headers={**actor.headers, "If-Match": '"v1"'},
        )
        errors = _errors(response)
        assert {_loc("body", w) for w in poisoned} <= errors.keys(), (method, path, errors)
        assert set(errors.values()) == {"control_character"}, (method, path, errors)
        assert NUL not in response.text
        walked += 1
    assert walked > 80


async def test_every_body_date_is_bounded(
    app: Any, client: httpx.AsyncClient, factory: Factory
) -> None:
    spec = Spec(app.openapi())
    callers = Callers(factory)
    walked = 0
    for path, method, operation in spec.operations():
        found = spec.json_body(operation)
        if found is None:
            continue
        schema, example = found
        fields = list(_date_fields(spec, schema, example))
        if not fields:
            continue
        actor = await callers.admitted_by(operation)
        for day in ("0001-01-01", "9999-12-31", "1899-12-31"):
            body = copy.deepcopy(example)
            for where in fields:
                moment = _moment(spec, schema, where, day)
                _set(body, where, moment)
            response = await client.request(
                method.upper(),
                _url(spec, path, operation),
                json=body,
                headers={**actor.headers, "If-Match": '"v1"'},
            )
            errors = _errors(response)
            for where in fields:
                assert errors.get(_loc("body", where)) == "date_out_of_range", (
                    method,
                    path,
                    where,
                    day,
                    errors,
                )
        walked += 1
    assert walked > 40


def _moment(spec: Spec, schema: dict[str, Any], where: Path, day: str) -> str:
    """``day`` as the field at ``where`` takes it: a date, or a time on that day."""
    shape = schema
    for part in where:
        options = spec.alternatives(shape)
        container = next(o for o in options if o.get("type") in ("object", "array"))
        shape = container["items"] if isinstance(part, int) else container["properties"][part]
    formats = {a.get("format") for a in spec.alternatives(shape)}
    return f"{day}T12:00:00+05:30" if "date-time" in formats else day


async def test_every_date_query_parameter_is_bounded(
    app: Any, client: httpx.AsyncClient, factory: Factory
) -> None:
    spec = Spec(app.openapi())
    callers = Callers(factory)
    walked = 0
    for path, method, operation in spec.operations():
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            formats = {a.get("format") for a in spec.alternatives(parameter["schema"])}
            if not formats & {"date", "date-time"}:
                continue
            actor = await callers.admitted_by(operation)
            for day in ("0001-01-01", "0001-03-01", "9999-12-31"):
                value = f"{day}T00:00:00+05:30" if "date-time" in formats else day
                response = await client.request(
                    method.upper(),
                    _url(spec, path, operation),
                    params={parameter["name"]: value},
                    headers=actor.headers,
                )
                errors = _errors(response)
                assert errors == {("query", parameter["name"]): "date_out_of_range"}, (
                    path,
                    parameter["name"],
                )
            walked += 1
    assert walked >= 15


# -- the named cases ------------------------------------------------------------------------
@pytest.fixture
async def manager(factory: Factory) -> Actor:
    organization = await factory.organization()
    return await factory.user(organization, Role.program_manager, districts=(SOUTH_24,))


@pytest.fixture
async def worker(factory: Factory, manager: Actor) -> Actor:
    return await factory.user(manager.organization_id, Role.social_worker, districts=(SOUTH_24,))


async def _case(client: httpx.AsyncClient, factory: Factory, worker: Actor) -> dict[str, Any]:
    cases = CaseFactory(factory)
    survivor = await cases.survivor(worker.organization_id)
    case_id = await cases.case(worker.organization_id, survivor, assigned_worker_id=worker.id)
    response = await client.get(f"/api/v1/cases/{case_id}", headers=worker.headers)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def test_a_nul_in_a_case_s_destination_state_is_422_not_500(
    client: httpx.AsyncClient, factory: Factory, worker: Actor
) -> None:
    case = await _case(client, factory, worker)
    url = f"/api/v1/cases/{case['id']}"
    headers = {**worker.headers, "If-Match": f'"v{case["version"]}"'}

    refused = await client.patch(
        url, json={"destination_state": f"West{NUL}Bengal"}, headers=headers
    )

    assert _errors(refused) == {("body", "destination_state"): "control_character"}
    # Line breaks and tabs are text, in any field.
    accepted = await client.patch(
        url, json={"details": "First line\r\nsecond line\n\tindented"}, headers=headers
    )
    assert accepted.status_code == 200, accepted.text


async def test_a_nul_in_a_loan_s_purpose_is_422_not_500(
    client: httpx.AsyncClient, factory: Factory, worker: Actor
) -> None:
    created = await client.post(SHGS, json=group_body(), headers=worker.headers)
    assert created.status_code == 201, created.text
    shg = created.json()
    member = await add_member(client, worker, shg["id"], name="Mita Sardar")
    body = {
        "kind": "internal",
        "member_id": member["id"],
        "purpose": f"Sewing{NUL}machine",
        "principal_paise": 600_000,
        "tenure_months": 6,
        "interest_method": "flat",
        "applied_on": (clock.today() - timedelta(days=1)).isoformat(),
    }

    response = await client.post(f"{SHGS}/{shg['id']}/loans", json=body, headers=worker.headers)

    assert _errors(response) == {("body", "purpose"): "control_character"}


async def test_a_nul_in_an_organisation_s_name_is_422_not_500(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    admin = await factory.platform_admin()
    for name in (f"Shakti{NUL}Vahini", "Shakti\x1b[2JVahini", "Shakti\x85Vahini"):
        response = await client.post(
            "/api/v1/organizations",
            json={"name": name, "kind": "partner_ngo"},
            headers=admin.headers,
        )
        assert _errors(response) == {("body", "name"): "control_character"}


async def test_a_lone_surrogate_is_422_not_500(client: httpx.AsyncClient, factory: Factory) -> None:
    admin = await factory.platform_admin()
    response = await client.post(
        "/api/v1/organizations",
        content=b'{"name": "Shakti \\ud800 Vahini", "kind": "partner_ngo"}',
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert _errors(response) == {("body", "name"): "control_character"}


async def test_a_nul_in_the_sign_in_username_is_422_not_500(
    client: httpx.AsyncClient, manager: Actor
) -> None:
    assert manager.email is not None
    response = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": manager.email + NUL, "password": "x"},
    )
    assert _errors(response) == {("body", "username"): "control_character"}
    signed_in = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": manager.email, "password": DEFAULT_PASSWORD},
    )
    assert signed_in.status_code == 200, signed_in.text


async def test_a_nul_in_a_query_or_path_parameter_is_422_not_500(
    client: httpx.AsyncClient, factory: Factory, manager: Actor
) -> None:
    auditor = await factory.user(manager.organization_id, Role.auditor)
    events = await client.get(
        "/api/v1/audit-events", params={"entity_type": f"case{NUL}"}, headers=auditor.headers
    )
    assert _errors(events) == {("query", "entity_type"): "control_character"}
    # The fast lane's list of cases refuses them as the routes do.
    cases = await client.get("/api/v1/cases", params={"cursor": f"x{NUL}"}, headers=manager.headers)
    assert _errors(cases) == {("query", "cursor"): "control_character"}
    product = await client.get(
        f"/api/v1/survivors/{uuid.uuid4()}/financial-inclusion/bank%00",
        headers=manager.headers,
    )
    assert _errors(product) == {("path", "product"): "control_character"}


async def test_grading_as_of_year_one_is_422_not_500(
    client: httpx.AsyncClient, worker: Actor, manager: Actor
) -> None:
    created = await client.post(SHGS, json=group_body(), headers=worker.headers)
    assert created.status_code == 201, created.text
    url = f"{SHGS}/{created.json()['id']}/grading"

    response = await client.get(url, params={"as_of": "0001-03-01"}, headers=manager.headers)

    assert _errors(response) == {("query", "as_of"): "date_out_of_range"}
    assert "1900-01-01" in response.json()["errors"][0]["msg"]
    graded = await client.get(url, headers=manager.headers)
    assert graded.status_code == 200, graded.text


@pytest.mark.parametrize("identified_on", ["0001-01-01", "9999-12-31"])
async def test_a_case_identified_in_year_one_or_9999_is_refused(
    client: httpx.AsyncClient, factory: Factory, worker: Actor, identified_on: str
) -> None:
    survivor = await CaseFactory(factory).survivor(worker.organization_id, created_by=worker.id)
    body = {
        "survivor_id": str(survivor),
        "district_id": str(SOUTH_24),
        "referral_source": "police_ahtu",
        "identified_on": identified_on,
    }
    response = await client.post("/api/v1/cases", json=body, headers=worker.headers)
    assert _errors(response) == {("body", "identified_on"): "date_out_of_range"}

    body["identified_on"] = (clock.today() - timedelta(days=3)).isoformat()
    opened = await client.post("/api/v1/cases", json=body, headers=worker.headers)
    assert opened.status_code == 201, opened.text


async def test_a_visit_done_in_year_one_is_refused(
    client: httpx.AsyncClient, factory: Factory, worker: Actor
) -> None:
    case = await _case(client, factory, worker)
    response = await client.post(
        f"/api/v1/cases/{case['id']}/visits",
        json={"kind": "home", "status": "done", "done_at": "0001-01-01T10:00:00+05:30"},
        headers=worker.headers,
    )
    assert _errors(response) == {("body", "done_at"): "date_out_of_range"}


async def test_a_safety_report_observed_in_year_one_is_refused(
    client: httpx.AsyncClient, factory: Factory, manager: Actor
) -> None:
    leader = await factory.user(
        manager.organization_id, Role.survivor_leader, districts=(SOUTH_24,)
    )
    response = await client.post(
        "/api/v1/safety-reports",
        json={
            "kind": "red_flag",
            "names_persons": False,
            "description": "A van at night",
            "observed_on": "0001-01-01",
        },
        headers=leader.headers,
    )
    assert _errors(response) == {("body", "observed_on"): "date_out_of_range"}


async def test_a_goal_may_be_targeted_years_ahead_but_not_a_decade_and_more(
    client: httpx.AsyncClient, factory: Factory, worker: Actor
) -> None:
    case = await _case(client, factory, worker)
    url = f"/api/v1/cases/{case['id']}/care-plan/goals"
    today = clock.today()
    goal = {
        "component": "livelihood",
        "goal": "Open her own tailoring shop",
        "responsible": "survivor",
    }

    far = await client.post(
        url, json={**goal, "target_on": years_after(today, 11).isoformat()}, headers=worker.headers
    )
    assert _errors(far) == {("body", "target_on"): "date_out_of_range"}
    # Other dates keep the default bound of a year.
    review = await client.post(
        url, json={**goal, "review_on": years_after(today, 2).isoformat()}, headers=worker.headers
    )
    assert _errors(review) == {("body", "review_on"): "date_out_of_range"}
    planned = await client.post(
        url, json={**goal, "target_on": years_after(today, 5).isoformat()}, headers=worker.headers
    )
    assert planned.status_code == 201, planned.text


# -- limits ---------------------------------------------------------------------------------
def _unbounded(spec: Spec, schema: dict[str, Any], where: str, seen: set[str]) -> Iterator[str]:
    """Where an input of ``schema`` has no upper limit: an integer or number without a
    maximum, text without a length (or enum, format, pattern), a list or map without a size."""
    for shape in spec.alternatives(schema):
        kind = shape.get("type")
        if kind in ("integer", "number") and "maximum" not in shape:
            yield f"{where}: {kind} without maximum"
        elif kind == "string" and not {"maxLength", "enum", "format", "pattern"} & shape.keys():
            yield f"{where}: text without maxLength"
        elif kind == "array":
            if "maxItems" not in shape:
                yield f"{where}: list without maxItems"
            yield from _unbounded(spec, shape.get("items", {}), f"{where}[]", seen)
        elif kind == "object":
            if shape.get("title", where) in seen:
                continue
            seen.add(shape.get("title", where))
            for name, prop in shape.get("properties", {}).items():
                yield from _unbounded(spec, prop, f"{where}.{name}", seen)
            extra = shape.get("additionalProperties")
            if isinstance(extra, dict):
                if "maxProperties" not in shape:
                    yield f"{where}: map without maxProperties"
                yield from _unbounded(spec, extra, f"{where}{{}}", seen)


def test_every_input_has_an_upper_limit(app: Any) -> None:
    """What the database or the code cannot hold is refused at validation, so every number,
    text, list and map a request body, path or query carries is bounded in the spec."""
    spec = Spec(app.openapi())
    found: list[str] = []
    for path, method, operation in spec.operations():
        for media in operation.get("requestBody", {}).get("content", {}).values():
            found += _unbounded(spec, media["schema"], f"{method} {path} body", set())
        for parameter in operation.get("parameters", []):
            if parameter["in"] in ("path", "query"):
                where = f"{method} {path} {parameter['in']} {parameter['name']}"
                found += _unbounded(spec, parameter["schema"], where, set())
    assert found == []


async def test_the_largest_values_are_taken_and_one_more_is_refused(
    client: httpx.AsyncClient, factory: Factory, worker: Actor
) -> None:
    """A representative set of limits, each at its maximum (taken) and one past it (422):
    text against its column's length, money against BIGINT and the code's bound, a rate
    against INTEGER, a list, and the page size."""
    admin = await factory.platform_admin()
    for name, status in (("N" * 200, 201), ("N" * 201, 422)):  # organization.name VARCHAR(200)
        response = await client.post(
            "/api/v1/organizations",
            json={"name": name, "kind": "partner_ngo"},
            headers=admin.headers,
        )
        assert response.status_code == status, response.text

    case = await _case(client, factory, worker)
    url = f"/api/v1/cases/{case['id']}"
    too_long = await client.patch(
        url,
        json={"destination_state": "S" * 101},  # survivor_case.destination_state VARCHAR(100)
        headers={**worker.headers, "If-Match": f'"v{case["version"]}"'},
    )
    assert _errors(too_long) == {("body", "destination_state"): "string_too_long"}
    longest = await client.patch(
        url,
        json={"destination_state": "S" * 100},
        headers={**worker.headers, "If-Match": f'"v{case["version"]}"'},
    )
    assert longest.status_code == 200, longest.text

    largest = {"saving_per_meeting_paise": 100_000_000_000, "interest_rate_bps": 6000}
    created = await client.post(SHGS, json=group_body(**largest), headers=worker.headers)
    assert created.status_code == 201, created.text
    assert created.json()["saving_per_meeting_paise"] == 100_000_000_000
    for field, value in (
        ("saving_per_meeting_paise", 100_000_000_001),
        ("saving_per_meeting_paise", 2**63),  # past BIGINT
        ("interest_rate_bps", 6001),
        ("interest_rate_bps", 2**31),  # past INTEGER
    ):
        refused = await client.post(SHGS, json=group_body(**{field: value}), headers=worker.headers)
        assert _errors(refused) == {("body", field): "less_than_equal"}, (field, value)

    members = await client.get(
        f"{SHGS}/{created.json()['id']}/members", params={"limit": 200}, headers=worker.headers
    )
    assert members.status_code == 200, members.text
    page = await client.get(
        f"{SHGS}/{created.json()['id']}/members", params={"limit": 201}, headers=worker.headers
    )
    assert _errors(page) == {("query", "limit"): "less_than_equal"}


async def test_a_cursor_holding_a_time_out_of_range_is_400_not_500(
    client: httpx.AsyncClient, factory: Factory, manager: Actor
) -> None:
    """A tampered cursor whose time has no UTC equivalent (year 1 east of Greenwich, the
    last day of 9999 west of it) is refused like any other bad cursor."""
    import base64
    import json

    for moment in ("0001-01-01T00:00:00+05:30", "9999-12-31T23:00:00-05:00"):
        key = [{"t": moment}, {"u": str(uuid.uuid4())}]
        payload = json.dumps({"s": "created", "k": key}).encode()
        cursor = base64.urlsafe_b64encode(payload).decode().rstrip("=")
        response = await client.get(
            "/api/v1/survivors", params={"cursor": cursor}, headers=manager.headers
        )
        assert response.status_code == 400, response.text
