"""What list endpoints pass down to their areas' queries: the filters, and the check of the
caller's token that a hot read makes in its own statement.

They are defined beside the repositories whose queries read them (the persistence layer cannot
import the domain), and named here so that ``api/`` takes them from the domain, never from a
repository.
"""

from __future__ import annotations

from persistence.access import AccessCheck
from persistence.repositories.cases import CaseFilter
from persistence.repositories.demands import DemandFilter
from persistence.repositories.shgs import LedgerFilter, ShgFilter

__all__ = ["AccessCheck", "CaseFilter", "DemandFilter", "LedgerFilter", "ShgFilter"]
