"""What text the system accepts: no control characters, no lone surrogates.

PostgreSQL refuses NUL in text, a lone surrogate cannot be encoded as UTF-8, and the other
control characters (terminal escapes, form feeds, C1 codes) have no place in a record people
read, export or print. Tab, line feed and carriage return stay allowed in every text field:
notes, findings and minutes are written on several lines, and no field needs to refuse them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# C0 except tab, line feed, carriage return; DEL; C1; UTF-16 surrogates.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

CONTROL_CHARACTER_MESSAGE = (
    "Text may not contain control characters (only tab, line feed and carriage return)."
)

Location = tuple[str | int, ...]


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def control_character_locations(value: Any, location: Location = ()) -> Iterator[Location]:
    """Where ``value`` (parsed JSON or form input: dicts, lists, strings) holds text with
    control characters. A refused key of an object is located as ``[key]`` inside it, so the
    key's own text never reaches an error answer."""
    if isinstance(value, str):
        if has_control_characters(value):
            yield location
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and has_control_characters(key):
                yield (*location, "[key]")
                continue
            yield from control_character_locations(item, (*location, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from control_character_locations(item, (*location, index))
