"""Attachments: sniffed from their bytes, stripped of location data, sealed at rest, reached
only through their record's scope, gone when deleted; never by integration clients."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from obstore.store import MemoryStore, S3Store
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncConnection

from api.app import create_app
from api.settings import HttpSettings
from domain.attachments.metadata import PNG_SIGNATURE, DamagedFile, strip_jpeg, strip_png
from domain.attachments.sniffing import sniff
from domain.attachments.storage import storage_from_settings
from domain.common.principal import Role
from domain.common.settings import Settings
from persistence.attachment_store import AttachmentStorage, open_file, seal_file
from persistence.crypto import DecryptionError, FieldCipher, decode_key, new_key_text
from persistence.database import Database
from persistence.key_rotation import SEALED_COLUMNS, reseal_column
from persistence.models.device_vocabulary import AttachmentMediaType
from tests.factories import NORTH_24, SOUTH_24, Actor, Factory
from tests.test_consents import consent_body, give
from tests.test_shgs import create_group, day
from tests.worlds import ADMIN, CaseWorld, Client, person, world_fixture

API = "/api/v1"
GPS_PLACE = "Kultali-GPS-marker"
PDF_TEXT = b"%PDF-1.4\n1 0 obj << /Title (Consent of Rupa Haldar, Kultali) >> endobj\n%%EOF\n"


def photo_with_location() -> bytes:
    """A real JPEG as a phone writes it: EXIF with a GPS position, the camera, a comment."""
    image = Image.new("RGB", (64, 48), (180, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = GPS_PLACE  # Make
    exif[0x8825] = {1: "N", 2: (22.0, 9.0, 51.0), 3: "E", 4: (88.0, 25.0, 10.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), comment=b"taken at her home")
    return buffer.getvalue()


_PHOTO: list[bytes] = []


def photo_sample() -> bytes:
    """One photo with its location, made once (for the property test's many examples)."""
    if not _PHOTO:
        _PHOTO.append(photo_with_location())
    return _PHOTO[0]


settings_for_hypothesis = hypothesis_settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def png(text: str | None = None) -> bytes:
    info = PngInfo()
    if text is not None:
        info.add_text("Comment", text)
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 90, 0)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


class World(CaseWorld):
    people = {
        "pm_a": person("org_a", Role.program_manager),
        "sw_a": person("org_a", Role.social_worker, SOUTH_24),
        "sw_north": person("org_a", Role.social_worker, NORTH_24),
        "partner_a": person("org_a", Role.partner_staff),
        "analyst_a": person("org_a", Role.analyst),
        "pm_b": person("org_b", Role.program_manager),
        "admin": ADMIN,
    }
    clients = {
        "client_a": Client(
            "org_a",
            Role.program_manager,
            ("survivors:read", "cases:read", "consents:read", "shgs:read"),
        )
    }


world = world_fixture(World)


async def upload(
    client: httpx.AsyncClient,
    actor: Actor,
    path: str,
    data: bytes,
    content_type: str = "application/octet-stream",
    **params: str,
) -> httpx.Response:
    return await client.post(
        f"{API}{path}/attachments",
        content=data,
        params=params,
        headers={**actor.headers, "Content-Type": content_type},
    )


async def uploaded(
    client: httpx.AsyncClient, actor: Actor, path: str, data: bytes, **params: str
) -> dict[str, Any]:
    response = await upload(client, actor, path, data, **params)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    assert response.headers["Location"] == f"{API}/attachments/{created['id']}"
    return created


def stored_files(settings: Settings) -> dict[str, bytes]:
    root = settings.data_dir / "attachments"
    return {p.name: p.read_bytes() for p in Path(root).rglob("*") if p.is_file()}


async def stored_bytes(app: Any, connection: AsyncConnection, attachment_id: str) -> bytes:
    key = await connection.scalar(
        sa.text("SELECT storage_key FROM attachment WHERE id = :id"), {"id": attachment_id}
    )
    storage: AttachmentStorage = app.state.container.attachments
    return await storage.get(str(key))


# -- sniffing and cleaning --------------------------------------------------------------
def test_the_kind_is_what_the_bytes_say() -> None:
    assert sniff(photo_with_location()) is AttachmentMediaType.jpeg
    assert sniff(png()) is AttachmentMediaType.png
    assert sniff(PDF_TEXT) is AttachmentMediaType.pdf
    for refused in (
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"GIF89a\x01\x00\x01\x00",
        b"PK\x03\x04 a zip",
        b"  %PDF-1.4 behind junk",
        b"",
    ):
        assert sniff(refused) is None


def test_exif_and_gps_are_removed_from_a_jpeg_and_its_pixels_kept() -> None:
    original = photo_with_location()
    assert GPS_PLACE.encode() in original
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # it had a position
    cleaned = strip_jpeg(original)
    assert GPS_PLACE.encode() not in cleaned
    assert b"Exif" not in cleaned
    assert b"taken at her home" not in cleaned
    image = Image.open(io.BytesIO(cleaned))
    image.load()
    assert dict(image.getexif()) == {}
    assert image.tobytes() == Image.open(io.BytesIO(original)).tobytes()
    # What follows the image (a trailer, a second image) goes too; a cut file is refused.
    assert strip_jpeg(original + b"appended secret") == cleaned
    with pytest.raises(DamagedFile):
        strip_jpeg(original[: len(original) // 2])
    with pytest.raises(DamagedFile):
        strip_jpeg(b"\xff\xd8\xff\xe1\xff\xffshort")


def test_text_chunks_are_removed_from_a_png() -> None:
    original = png("GPS 22.16N 88.42E")
    cleaned = strip_png(original)
    assert b"22.16N" not in cleaned
    Image.open(io.BytesIO(cleaned)).load()
    with pytest.raises(DamagedFile):
        strip_png(original[:-12])  # no IEND


# -- the API ----------------------------------------------------------------------------
async def test_a_photo_is_stored_encrypted_without_its_location_and_downloaded_audited(
    app: Any,
    client: httpx.AsyncClient,
    world: World,
    settings: Settings,
    connection: AsyncConnection,
) -> None:
    original = photo_with_location()
    created = await uploaded(
        client, world.sw_a, f"/survivors/{world.survivor}", original, category="photo"
    )
    assert created["media_type"] == "image/jpeg"
    assert created["record_kind"] == "survivor"
    assert created["record_id"] == str(world.survivor)
    assert created["category"] == "photo"

    # At rest: neither the photo nor its location in what is stored.
    stored = await stored_bytes(app, connection, created["id"])
    assert original not in stored
    assert GPS_PLACE.encode() not in stored
    assert strip_jpeg(original) not in stored
    assert created["size_bytes"] == len(strip_jpeg(original))

    download = await client.get(
        f"{API}/attachments/{created['id']}/content", headers=world.sw_a.headers
    )
    assert download.status_code == 200
    assert download.headers["content-type"] == "image/jpeg"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["cache-control"] == "no-store"
    assert download.content == strip_jpeg(original)
    assert dict(Image.open(io.BytesIO(download.content)).getexif()) == {}
    reads = await connection.scalar(
        sa.text(
            "SELECT count(*) FROM audit_event WHERE entity_type = 'attachment'"
            " AND action = 'read' AND entity_id = :id AND actor_id = :who"
        ),
        {"id": created["id"], "who": world.sw_a.id},
    )
    assert reads == 1


async def test_a_pdf_is_kept_as_it_is_and_sealed_on_disk(
    app: Any,
    client: httpx.AsyncClient,
    world: World,
    settings: Settings,
    connection: AsyncConnection,
) -> None:
    before = stored_files(settings)
    created = await uploaded(client, world.pm_a, f"/cases/{world.case}", PDF_TEXT)
    assert (created["media_type"], created["category"]) == ("application/pdf", "document")
    # The local directory holds a new file, and it is not the plaintext.
    new = {name: data for name, data in stored_files(settings).items() if name not in before}
    assert len(new) == 1
    (on_disk,) = new.values()
    assert b"Rupa Haldar" not in on_disk
    assert PDF_TEXT not in on_disk
    assert on_disk == await stored_bytes(app, connection, created["id"])
    download = await client.get(
        f"{API}/attachments/{created['id']}/content", headers=world.pm_a.headers
    )
    assert download.content == PDF_TEXT


def test_a_sealed_file_opens_only_as_its_own_attachment() -> None:
    cipher = FieldCipher({"k1": bytes(32)}, "k1", bytes(32))
    first, second = uuid.uuid4(), uuid.uuid4()
    key, stored = seal_file(cipher, first, PDF_TEXT)
    assert open_file(cipher, first, key, stored) == PDF_TEXT
    with pytest.raises(DecryptionError):
        open_file(cipher, second, key, stored)  # the key is bound to its attachment
    other_key, _ = seal_file(cipher, second, b"%PDF-other")
    with pytest.raises(DecryptionError):
        open_file(cipher, second, other_key, stored)  # another attachment's object
    with pytest.raises(DecryptionError):
        open_file(cipher, first, key, stored[:-1] + bytes([stored[-1] ^ 1]))  # altered


async def test_sniffing_decides_not_the_declared_type(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    survivor = f"/survivors/{world.survivor}"
    # A PNG sent as a PDF named scan.pdf is a PNG.
    as_pdf = await client.post(
        f"{API}{survivor}/attachments",
        content=png(),
        headers={
            **world.sw_a.headers,
            "Content-Type": "application/pdf",
            "Content-Disposition": 'attachment; filename="scan.pdf"',
        },
    )
    assert as_pdf.status_code == 201, as_pdf.text
    assert as_pdf.json()["media_type"] == "image/png"
    count_before = await connection.scalar(sa.text("SELECT count(*) FROM attachment"))
    # An HTML page sent as a PNG, an SVG, a zip: 415, nothing stored.
    for data, declared in (
        (b"<html><body><script>steal()</script></body></html>", "image/png"),
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='x()'/>", "image/jpeg"),
        (b"PK\x03\x04\x14\x00 zipped", "application/pdf"),
    ):
        refused = await upload(client, world.sw_a, survivor, data, declared)
        assert refused.status_code == 415, refused.text
        assert refused.json()["type"] == "urn:shakti-mis:problem:unsupported-media-type"
    # An empty file and a damaged photo: 422.
    assert (await upload(client, world.sw_a, survivor, b"")).status_code == 422
    cut = photo_with_location()[:200]
    damaged = await upload(client, world.sw_a, survivor, cut)
    assert damaged.status_code == 422
    # A category the record does not take.
    wrong = await upload(client, world.sw_a, survivor, png(), category="meeting_photo")
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["loc"] == ["body", "category"]
    after = await connection.scalar(sa.text("SELECT count(*) FROM attachment"))
    assert after == count_before


async def test_the_size_limit_refuses_early(
    settings: Settings,
    http_settings: HttpSettings,
    database: Database,
    factory: Factory,
    world: World,
) -> None:
    small = settings.model_copy(update={"max_upload_bytes": 4096})
    app = create_app(small, database=database, http=http_settings)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.8", 50002))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        path = f"{API}/survivors/{world.survivor}/attachments"
        headers = {**world.sw_a.headers, "Content-Type": "application/pdf"}
        big = PDF_TEXT + b"0" * 5000
        # By its Content-Length, before the caller is even authenticated.
        for who in (headers, {"Content-Type": "application/pdf"}):
            refused = await http.post(path, content=big, headers=who)
            assert refused.status_code == 413
            assert refused.json()["type"] == "urn:shakti-mis:problem:content-too-large"

        # Streamed without a length: cut off once past the limit.
        async def chunks() -> Any:
            for _ in range(10):
                yield PDF_TEXT + b"0" * 1000

        streamed = await http.post(path, content=chunks(), headers=headers)
        assert streamed.status_code == 413
        fits = await http.post(path, content=PDF_TEXT + b"0" * 3000, headers=headers)
        assert fits.status_code == 201, fits.text
        # A JSON body keeps its own limit (max_body_bytes).
        too_long = {"name": "n" * 70_000, "platform": "android", "app_version": "1"}
        json_refused = await http.post(f"{API}/devices", json=too_long, headers=world.sw_a.headers)
        assert json_refused.status_code == 413


async def test_deleting_removes_the_stored_bytes(
    app: Any, client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    created = await uploaded(client, world.sw_a, f"/cases/{world.case}", PDF_TEXT)
    key = str(
        await connection.scalar(
            sa.text("SELECT storage_key FROM attachment WHERE id = :id"), {"id": created["id"]}
        )
    )
    storage: AttachmentStorage = app.state.container.attachments
    assert await storage.get(key)
    # Someone who may only read the record cannot delete (an analyst is refused outright).
    assert (
        await client.delete(f"{API}/attachments/{created['id']}", headers=world.analyst_a.headers)
    ).status_code == 403
    deleted = await client.delete(f"{API}/attachments/{created['id']}", headers=world.sw_a.headers)
    assert deleted.status_code == 204
    with pytest.raises(FileNotFoundError):
        await storage.get(key)
    for path in (f"/attachments/{created['id']}", f"/attachments/{created['id']}/content"):
        assert (await client.get(f"{API}{path}", headers=world.sw_a.headers)).status_code == 404
    listed = await client.get(f"{API}/cases/{world.case}/attachments", headers=world.sw_a.headers)
    assert listed.json()["items"] == []
    assert (
        await client.delete(f"{API}/attachments/{created['id']}", headers=world.sw_a.headers)
    ).status_code == 404


async def test_consent_forms_and_meeting_photos(
    client: httpx.AsyncClient, world: World, factory: Factory
) -> None:
    consent = await give(client, world.sw_a, str(world.survivor), consent_body())
    consent_path = f"/survivors/{world.survivor}/consents/{consent['id']}"
    form = await uploaded(client, world.sw_a, consent_path, PDF_TEXT)
    assert (form["record_kind"], form["category"]) == ("consent", "consent_form")
    listed = await client.get(f"{API}{consent_path}/attachments", headers=world.pm_a.headers)
    assert [a["id"] for a in listed.json()["items"]] == [form["id"]]
    # The consent under another survivor's path is not found.
    other = await world.cases.survivor(world.org_a, created_by=world.sw_a.id)
    wrong_path = f"/survivors/{other}/consents/{consent['id']}"
    assert (await upload(client, world.sw_a, wrong_path, PDF_TEXT)).status_code == 404
    photo = await upload(client, world.sw_a, consent_path, png(), category="photo")
    assert photo.status_code == 422

    group = await create_group(client, world.sw_a)
    meeting = await client.post(
        f"{API}/shgs/{group['id']}/meetings",
        json={"held_on": day(30), "attendance": [], "savings": []},
        headers=world.sw_a.headers,
    )
    assert meeting.status_code == 201, meeting.text
    meeting_path = f"/shgs/{group['id']}/meetings/{meeting.json()['id']}"
    shot = await uploaded(client, world.sw_a, meeting_path, photo_with_location())
    assert (shot["record_kind"], shot["category"]) == ("shg_meeting", "meeting_photo")
    # A social worker of another district does not see the group, nor its meeting's photo.
    for path in (f"/attachments/{shot['id']}", f"/attachments/{shot['id']}/content"):
        assert (await client.get(f"{API}{path}", headers=world.sw_north.headers)).status_code == 404
    assert (
        await client.get(f"{API}{meeting_path}/attachments", headers=world.sw_north.headers)
    ).status_code == 404
    assert (
        await client.get(
            f"{API}/shgs/{uuid.uuid4()}/meetings/{meeting.json()['id']}/attachments",
            headers=world.sw_a.headers,
        )
    ).status_code == 404


async def test_a_retried_upload_is_stored_once(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    path = f"{API}/cases/{world.case}/attachments"
    headers = {**world.sw_a.headers, **key, "Content-Type": "application/pdf"}
    first = await client.post(path, content=PDF_TEXT, headers=headers)
    again = await client.post(path, content=PDF_TEXT, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    count = await connection.scalar(
        sa.text("SELECT count(*) FROM attachment WHERE record_id = :c"), {"c": world.case}
    )
    assert count == 1


# -- the matrix -------------------------------------------------------------------------
# Columns: up uploads to the survivor of A's case (assigned to sw_a), ls lists them, meta
# reads one, get downloads it, del deletes another one. sw_north works another district and
# is not assigned: the survivor is outside her scope. Clients: never, whatever their scopes.
MATRIX = """
actor       up  ls meta get del
sw_a       201 200  200 200 204
pm_a       201 200  200 200 204
sw_north   404 404  404 404 404
partner_a  403 403  403 403 403
analyst_a  403 403  403 403 403
pm_b       404 404  404 404 404
admin      403 403  403 403 403
client_a   403 403  403 403 403
"""
ROWS = [line.split() for line in MATRIX.strip().splitlines()[1:]]


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
async def test_matrix(row: list[str], client: httpx.AsyncClient, world: World) -> None:
    name, *cells = row
    expected = dict(zip(("up", "ls", "meta", "get", "del"), map(int, cells), strict=True))
    actor: Actor = getattr(world, name)
    survivor = f"/survivors/{world.survivor}"
    kept = await uploaded(client, world.sw_a, survivor, PDF_TEXT)
    doomed = await uploaded(client, world.sw_a, survivor, png())
    got = {
        "up": (await upload(client, actor, survivor, PDF_TEXT)).status_code,
        "ls": (await client.get(f"{API}{survivor}/attachments", headers=actor.headers)).status_code,
        "meta": (
            await client.get(f"{API}/attachments/{kept['id']}", headers=actor.headers)
        ).status_code,
        "get": (
            await client.get(f"{API}/attachments/{kept['id']}/content", headers=actor.headers)
        ).status_code,
        "del": (
            await client.delete(f"{API}/attachments/{doomed['id']}", headers=actor.headers)
        ).status_code,
    }
    assert got == expected
    if expected["get"] == 404:
        # Exactly as an attachment that does not exist.
        missing = await client.get(f"{API}/attachments/{uuid.uuid4()}", headers=actor.headers)
        foreign = await client.get(f"{API}/attachments/{kept['id']}", headers=actor.headers)
        strip = {"instance", "request_id"}
        assert {k: v for k, v in missing.json().items() if k not in strip} == {
            k: v for k, v in foreign.json().items() if k not in strip
        }


# -- storage ----------------------------------------------------------------------------
async def test_the_s3_path_stores_through_the_same_interface(
    app: Any, client: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    configured = storage_from_settings(
        settings.model_copy(
            update={
                "attachments_s3_bucket": "shakti-attachments",
                "attachments_s3_prefix": "mis",
                "attachments_s3_endpoint": "http://minio.internal:9000",
                "attachments_s3_region": "ap-south-1",
            }
        )
    )
    assert isinstance(configured.store, S3Store)
    assert configured.store.config["bucket"] == "shakti-attachments"
    assert configured.store.config["endpoint"] == "http://minio.internal:9000"
    assert configured.store.prefix == "mis"

    # The whole round trip on obstore's in-memory store (no network): what the service does
    # with S3Store is the same calls on the same interface.
    memory = MemoryStore()
    app.state.container.attachments = AttachmentStorage(memory, "memory")
    created = await uploaded(client, world.sw_a, f"/cases/{world.case}", PDF_TEXT)
    listed = memory.list().collect()
    assert len(listed) == 1
    assert PDF_TEXT not in bytes(memory.get(listed[0]["path"]).bytes())
    download = await client.get(
        f"{API}/attachments/{created['id']}/content", headers=world.sw_a.headers
    )
    assert download.content == PDF_TEXT
    await client.delete(f"{API}/attachments/{created['id']}", headers=world.sw_a.headers)
    assert memory.list().collect() == []


def test_the_default_store_is_a_private_local_directory(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        data_keys={"k": SecretStr(new_key_text())},
        data_active_kid="k",
    )
    storage = storage_from_settings(settings)
    directory = tmp_path / "attachments"
    assert not directory.exists()  # made on first use, not when the app starts
    assert storage.store.__class__.__name__ == "LocalStore"
    assert directory.is_dir()
    assert directory.stat().st_mode & 0o077 == 0


async def test_rotating_the_data_key_reseals_the_file_key_and_leaves_the_file(
    app: Any,
    client: httpx.AsyncClient,
    world: World,
    settings: Settings,
    database: Database,
    connection: AsyncConnection,
) -> None:
    created = await uploaded(client, world.sw_a, f"/cases/{world.case}", PDF_TEXT)
    stored_before = await stored_bytes(app, connection, created["id"])
    spec = next(s for s in SEALED_COLUMNS if s.table == "attachment")
    old_kid = settings.data_active_kid
    assert old_kid is not None
    assert settings.blind_index_key is not None
    index_key = decode_key(settings.blind_index_key.get_secret_value())
    old_key = decode_key(settings.data_keys[old_kid].get_secret_value())
    new_key = decode_key(new_key_text())
    original = database.cipher
    try:
        database.cipher = FieldCipher({old_kid: old_key, "rotated": new_key}, "rotated", index_key)
        report = await reseal_column(database, spec)
        assert report.resealed == 1
        database.cipher = FieldCipher({"rotated": new_key}, "rotated", index_key)
        download = await client.get(
            f"{API}/attachments/{created['id']}/content", headers=world.sw_a.headers
        )
        assert download.status_code == 200, download.text
        assert download.content == PDF_TEXT
    finally:
        database.cipher = original
    assert await stored_bytes(app, connection, created["id"]) == stored_before


async def test_a_multipart_upload_is_refused_not_misread(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    response = await client.post(
        f"{API}/cases/{world.case}/attachments",
        files={"file": ("scan.pdf", PDF_TEXT, "application/pdf")},
        headers=world.sw_a.headers,
    )
    assert response.status_code == 415, response.text
    assert "bytes" in response.json()["detail"]
    count = await connection.scalar(
        sa.text("SELECT count(*) FROM attachment WHERE record_id = :c"), {"c": world.case}
    )
    assert count == 0


@settings_for_hypothesis
@given(st.binary(max_size=600))
def test_the_walk_never_fails_but_as_a_damaged_file(junk: bytes) -> None:
    for data in (b"\xff\xd8" + junk, photo_sample()[: len(junk)] + junk):
        try:
            cleaned = strip_jpeg(data)
        except DamagedFile:
            continue
        # Cleaning twice changes nothing: no segment the walk drops is left in what it kept.
        assert strip_jpeg(cleaned) == cleaned
    for data in (PNG_SIGNATURE + junk, png()[: len(junk)] + junk):
        try:
            cleaned = strip_png(data)
        except DamagedFile:
            continue
        assert strip_png(cleaned) == cleaned
