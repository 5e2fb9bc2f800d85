"""Who may do what in this area (see domain/common/policy.py)."""

from __future__ import annotations
