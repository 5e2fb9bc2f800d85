"""The pull cursor: opaque to the app, two phases inside.

- first pull (``i``): the records in her scope, kind by kind in id order, read as they stand
  now; ``horizon`` is the oldest transaction running when the first pull began, where the
  change log takes over once every record was sent;
- the change log (``l``): the last (txid, seq) sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.common.errors import BadRequest
from domain.common.pagination import decode_cursor, encode_cursor

_SORT = "sync"
_INVALID = "The sync cursor is not valid; pull again without it."


@dataclass(frozen=True, slots=True)
class Position:
    phase: str  # "i" first pull, "l" change log
    txid: int  # the horizon (first pull) or the last txid sent (change log)
    step: int  # the kind's index (first pull) or the last seq sent (change log)
    last_id: UUID | None = None  # the last record sent of that kind (first pull)

    def encode(self) -> str:
        last = str(self.last_id) if self.last_id is not None else None
        return encode_cursor(_SORT, (self.phase, self.txid, self.step, last))

    @classmethod
    def decode(cls, cursor: str) -> Position:
        phase, txid, step, last = decode_cursor(cursor, _SORT, 4)
        if (
            phase not in ("i", "l")
            or not isinstance(txid, int)
            or not 0 <= txid < 2**63
            or not isinstance(step, int)
            or not 0 <= step < 2**63
            or not (last is None or isinstance(last, str))
        ):
            raise BadRequest(_INVALID)
        try:
            last_id = UUID(last) if last is not None else None
        except ValueError:
            raise BadRequest(_INVALID) from None
        return cls(phase, txid, step, last_id)
