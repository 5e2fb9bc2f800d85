"""Destination states as an extract may publish them: a case's destination state is typed by a
worker (up to 100 characters), so it may hold more than a state ("a bar in Mumbai"). An
extract publishes it only when it names one of India's states or union territories, and
``other`` otherwise; never the text itself."""

from __future__ import annotations

import re

OTHER = "other"

STATES_AND_UNION_TERRITORIES = (
    "Andhra Pradesh",
    "Arunachal Pradesh",
    "Assam",
    "Bihar",
    "Chhattisgarh",
    "Goa",
    "Gujarat",
    "Haryana",
    "Himachal Pradesh",
    "Jharkhand",
    "Karnataka",
    "Kerala",
    "Madhya Pradesh",
    "Maharashtra",
    "Manipur",
    "Meghalaya",
    "Mizoram",
    "Nagaland",
    "Odisha",
    "Punjab",
    "Rajasthan",
    "Sikkim",
    "Tamil Nadu",
    "Telangana",
    "Tripura",
    "Uttar Pradesh",
    "Uttarakhand",
    "West Bengal",
    "Andaman and Nicobar Islands",
    "Chandigarh",
    "Dadra and Nagar Haveli and Daman and Diu",
    "Delhi",
    "Jammu and Kashmir",
    "Ladakh",
    "Lakshadweep",
    "Puducherry",
)
_SPACES = re.compile(r"\s+")


def _key(text: str) -> str:
    return _SPACES.sub(" ", text.replace("&", "and")).strip().casefold()


# Names in use besides the official ones.
_ALIASES = {
    "orissa": "Odisha",
    "new delhi": "Delhi",
    "nct of delhi": "Delhi",
    "pondicherry": "Puducherry",
    "uttaranchal": "Uttarakhand",
}
_KNOWN = {_key(name): name for name in STATES_AND_UNION_TERRITORIES} | _ALIASES


def destination_state(text: str | None) -> str | None:
    """The state ``text`` names, ``other`` for any other text, None when not recorded."""
    if text is None or not text.strip():
        return None
    return _KNOWN.get(_key(text), OTHER)


def destination_country(code: str | None) -> str | None:
    """An ISO 3166 alpha-2 code as recorded (upper case), ``other`` for anything else."""
    if code is None or not code.strip():
        return None
    code = code.strip().upper()
    return code if re.fullmatch(r"[A-Z]{2}", code) else OTHER
