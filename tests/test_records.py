"""Loading one record for a request: NotFound and PreconditionFailed say the same words in
every area (unit tests, no database)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from domain.common.errors import NotFound, PreconditionFailed
from domain.common.records import check_version, found, not_found, require


@dataclass
class Goal:
    version: int


async def lookup(goal: Goal | None) -> Goal | None:
    return goal


def test_not_found_names_the_kind_of_record() -> None:
    error = not_found("Legal proceeding")
    assert isinstance(error, NotFound)
    assert error.detail == "Legal proceeding not found."


def test_found_passes_a_record_through_and_refuses_none() -> None:
    goal = Goal(version=1)
    assert found(goal, "Goal") is goal
    with pytest.raises(NotFound, match=r"^Goal not found\.$"):
        found(None, "Goal")


@pytest.mark.parametrize("expected", [3, None])
def test_check_version_passes_the_current_version_or_no_version(expected: int | None) -> None:
    goal = Goal(version=3)
    assert check_version(goal, expected, "goal") is goal


def test_check_version_refuses_another_version() -> None:
    with pytest.raises(PreconditionFailed) as caught:
        check_version(Goal(version=3), 2, "goal")
    assert caught.value.detail == "The goal was changed by someone else; reload it."


async def test_require_answers_the_record_it_finds() -> None:
    goal = Goal(version=2)
    assert await require(lookup(goal), "Goal") is goal
    assert await require(lookup(goal), "Goal", version=2) is goal
    assert await require(lookup(goal), "Goal", version=None) is goal


async def test_require_refuses_a_missing_record_before_its_version() -> None:
    with pytest.raises(NotFound) as caught:
        await require(lookup(None), "Service offering", version=1)
    assert caught.value.detail == "Service offering not found."


async def test_require_refuses_a_stale_version_naming_the_record_in_lower_case() -> None:
    with pytest.raises(PreconditionFailed) as caught:
        await require(lookup(Goal(version=5)), "Legal proceeding", version=4)
    assert caught.value.detail == "The legal proceeding was changed by someone else; reload it."


async def test_require_may_name_the_record_otherwise_in_the_412() -> None:
    with pytest.raises(PreconditionFailed) as caught:
        await require(lookup(Goal(version=5)), "Service offering", version=4, changed="offering")
    assert caught.value.detail == "The offering was changed by someone else; reload it."
