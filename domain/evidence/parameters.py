"""The values measures take from other areas' rules (see ``Measure.parameters``), each from
its one definition: the evaluator binds them into the measures' SQL, so a figure and the screen
it summarises cannot disagree.

- ``stalled_days`` and ``stallable``: an open application that has not moved for the
  configured number of days (``SHAKTI_ENTITLEMENT_STALLED_DAYS``) is stalled, as the
  entitlements list flags it (``domain.entitlements.service.is_stalled``);
- ``ledger_signs``: which accounts each kind of SHG ledger entry moves, and which way
  (``domain.shgs.ledger.SIGNS``, the table the books and their SQL use);
- ``training_tracks``: which work each training topic belongs to (livelihood, leadership,
  partner), as ``domain.trainings.schemas.TRACK_OF_TOPIC`` says.
"""

from __future__ import annotations

import json

from domain.entitlements.service import DEFAULT_STALLED_DAYS, STALLABLE
from domain.shgs.posting import SIGN_TABLE
from domain.trainings.schemas import TRACK_OF_TOPIC


def measure_parameters(*, stalled_days: int = DEFAULT_STALLED_DAYS) -> dict[str, object]:
    """Every measure parameter, by name, for the configured ``stalled_days``."""
    return {
        "stalled_days": stalled_days,
        "stallable": sorted(status.value for status in STALLABLE),
        "ledger_signs": json.dumps(
            [
                {"account": account, "kind": kind, "loan_kind": loan_kind, "sign": sign}
                for account, kind, loan_kind, sign in SIGN_TABLE
            ]
        ),
        "training_tracks": json.dumps(
            {topic.value: track.value for topic, track in TRACK_OF_TOPIC.items()}
        ),
    }
