"""Where attachments are kept, as configured: S3-compatible storage when a bucket is set, a
local directory otherwise."""

from __future__ import annotations

from domain.common.settings import Settings
from persistence.attachment_store import AttachmentStorage


def storage_from_settings(settings: Settings) -> AttachmentStorage:
    if settings.attachments_s3_bucket:
        return AttachmentStorage.s3(
            settings.attachments_s3_bucket,
            prefix=settings.attachments_s3_prefix,
            endpoint=settings.attachments_s3_endpoint,
            region=settings.attachments_s3_region,
        )
    directory = settings.attachments_dir or settings.data_dir / "attachments"
    return AttachmentStorage.local(directory.expanduser().resolve())
