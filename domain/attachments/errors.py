"""What an upload can be refused for besides the record's scope."""

from __future__ import annotations

from domain.common.errors import DomainError


class UnsupportedMediaType(DomainError):
    """The bytes are not of an allowed kind (JPEG, PNG, PDF), whatever the upload declared."""

    title = "Unsupported media type"
    code = "unsupported-media-type"


class ContentTooLarge(DomainError):
    """The file is larger than SHAKTI_MAX_UPLOAD_BYTES."""

    title = "Content too large"
    code = "content-too-large"
