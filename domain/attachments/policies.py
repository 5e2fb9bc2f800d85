"""Who may attach files to records, list them, download and delete them.

An attachment is as private as the record it hangs off: a survivor's ID scan or photo, a
signed consent form, a photo of an SHG meeting. Whoever may read the record reads its
attachments; whoever may change it attaches and deletes. So each action needs both these
policies (the case workers: program managers and social workers) and the record's own
(``survivors:read`` / ``survivors:manage``, ``cases:...``, ``consents:...``, ``shgs:...``), in the
record's scope: a record outside it answers 404, and so do its attachments.

Integration clients never: no scope opens a file of a survivor to a machine credential (the
files are personal data that cannot be withheld field by field).
"""

from __future__ import annotations

from domain.cases.policies import CASE_WORKERS
from domain.common.policy import policy

ATTACHMENT = "attachment"

READ = policy(
    "attachments:read",
    CASE_WORKERS,
    "List a record's attachments and download them (audited), within the record's scope.",
    entity=ATTACHMENT,
    people_only=True,
)
MANAGE = policy(
    "attachments:manage",
    CASE_WORKERS,
    "Attach files to records (consent forms, ID scans, photos, meeting photos) and delete "
    "them, within the record's scope.",
    entity=ATTACHMENT,
    people_only=True,
)
