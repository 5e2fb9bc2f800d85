"""Stored vocabularies of devices and attachments (each enforced by a CHECK constraint)."""

from __future__ import annotations

from enum import StrEnum


class DevicePlatform(StrEnum):
    android = "android"
    ios = "ios"
    web = "web"  # the app installed from the browser (a PWA)


class AttachmentRecordKind(StrEnum):
    """The kinds of record that take attachments, as their paths name them."""

    survivor = "survivor"
    case = "case"
    consent = "consent"
    shg_meeting = "shg_meeting"


class AttachmentCategory(StrEnum):
    consent_form = "consent_form"  # a signed or thumb-printed consent form
    id_document = "id_document"  # a scan of an identity document
    photo = "photo"
    meeting_photo = "meeting_photo"  # an SHG meeting's photo (attendance, the register)
    document = "document"  # any other scanned paper


class AttachmentMediaType(StrEnum):
    """What the bytes are, as sniffed from them (never as the upload declared)."""

    jpeg = "image/jpeg"
    png = "image/png"
    pdf = "application/pdf"
