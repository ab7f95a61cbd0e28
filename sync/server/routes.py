"""The HTTP endpoints of the central server (see docs/PROTOCOL.md)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, Response

from sync import protocol as p

from . import auth
from .blobs import BlobHashMismatch, OffsetMismatch
from .service import AUTH, DEVICE_ID, HEX32, HEX64, OCTETS, UUID, ApiError, NewItem, Server, valid
from .storage import KeyConflict, now_ms

_SECTIONS = ("record", "narrative", "identity", "review", "translation", "assignment",
             "attachment", "note", "glossary")
_TUS = {"Tus-Resumable": p.TUS_VERSION}


def install_routes(app: FastAPI, server: Server) -> None:
    """Add every endpoint to ``app``."""
    _install_enrollment(app, server)
    _install_items(app, server)
    _install_uploads(app, server)


def _install_enrollment(app: FastAPI, server: Server) -> None:
    @app.get("/v1/health")
    def health() -> dict[str, object]:
        return {"status": "ok", "protocol": p.PROTOCOL_VERSION}

    @app.get("/v1/server", response_model=p.ServerInfo)
    def server_info() -> p.ServerInfo:
        return p.ServerInfo(server_sign_public=p.b64(server.key.public),
                            registered=server.storage.project_row() is not None,
                            tls_pin=server.tls_pin)

    @app.post("/v1/projects", status_code=201, response_model=p.Enrolled)
    def register(body: p.ProjectRegistration, request: Request) -> p.Enrolled:
        server.check_open(request)
        if server.storage.project_row() is not None:
            raise ApiError(403, "bootstrap_used", "A project is already registered here.")
        try:
            sign_public = p.unb64(body.project_sign_public)
        except ValueError:
            raise ApiError(400, "bad_keys", "The project key is not valid base64.") from None
        if len(sign_public) != 32:
            raise ApiError(400, "bad_keys", "The project key has the wrong length.")
        if body.device.suite != body.suite:
            raise ApiError(400, "wrong_suite", "The device keys use another suite.")
        token = auth.new_token()
        row = server.new_device_row(body.device, token)
        row["role"] = "coordinator"
        project_row = {"project_id": body.project_id, "name": body.name, "suite": body.suite,
                       "sign_public": sign_public, "created_at": int(time.time())}
        if not server.storage.register_project(auth.token_hash(body.bootstrap_token),
                                               project_row, row):
            raise ApiError(403, "bootstrap_used",
                           "The bootstrap token is wrong or was already used.")
        auth.forget_bootstrap(server.data_dir)
        server.bootstrap_token = None
        return p.Enrolled(device_id=body.device.device_id, role="coordinator", token=token,
                          project=server.project_info(),
                          server_sign_public=p.b64(server.key.public))

    @app.get("/v1/project", response_model=p.ProjectInfo)
    def project(who: auth.Caller = AUTH) -> p.ProjectInfo:
        del who
        return server.project_info()

    @app.get("/v1/roster", responses={200: {"content": {"application/json": {}}},
                                      204: {"description": "nothing newer"}})
    def get_roster(since: int = 0, who: auth.Caller = AUTH) -> Response:
        del who  # any device, even one waiting for approval (it learns it is approved)
        if not 0 <= since < 1 << 62:
            raise ApiError(400, "bad_range", "since must be ≥ 0.")
        roster = server.roster()
        if roster is None or roster.counter <= since:
            return Response(status_code=204, headers={"Cache-Control": "no-store"})
        return Response(roster.to_bytes(), media_type="application/json",
                        headers={"Cache-Control": "no-store"})

    @app.put("/v1/roster/{counter}", openapi_extra=OCTETS)
    async def put_roster(counter: int, request: Request,
                         who: auth.Caller = AUTH) -> Response:
        del who  # the signature decides, not who carries the statement
        if not 0 < counter < 1 << 62:
            raise ApiError(404, "not_found", "No such roster.")
        data = await request.body()
        created = await run_in_threadpool(server.accept_roster, counter, data)
        return JSONResponse({"counter": counter}, status_code=201 if created else 200)

    @app.post("/v1/invites", status_code=201, response_model=p.InviteCreated)
    def create_invite(body: p.InviteCreate, who: auth.Caller = AUTH) -> p.InviteCreated:
        if not who.is_coordinator:
            raise ApiError(403, "forbidden", "Only a coordinator can invite.")
        token = auth.new_token()
        invite_id = secrets.token_hex(16)
        expires_at = int(time.time()) + body.expires_in
        server.storage.add_invite({
            "invite_id": invite_id, "token_hash": auth.token_hash(token), "role": body.role,
            "created_by": who.device_id, "created_at": int(time.time()),
            "expires_at": expires_at, "used_at": None, "used_by": None})
        return p.InviteCreated(invite_id=invite_id, role=body.role, token=token,
                               expires_at=expires_at, project=server.project_info(),
                               server_sign_public=p.b64(server.key.public))

    @app.post("/v1/join", status_code=201, response_model=p.Enrolled)
    def join(body: p.JoinRequest, request: Request) -> p.Enrolled:
        server.check_open(request)
        token = auth.new_token()
        row = server.new_device_row(body.device, token)
        outcome = server.storage.use_invite(auth.token_hash(body.invite_token), row)
        if outcome == "expired":
            raise ApiError(410, "invite_expired", "This invite has expired.")
        if outcome == "exists":
            raise ApiError(409, "device_exists", "This device has already joined.")
        if outcome != "ok":
            raise ApiError(403, "invite_invalid", "This invite is unknown or already used.")
        joined = server.storage.device(body.device.device_id) or {}
        return p.Enrolled(device_id=body.device.device_id, role=joined["role"], token=token,
                          project=server.project_info(),
                          server_sign_public=p.b64(server.key.public))

    @app.get("/v1/directory", response_model=p.Directory)
    def directory(who: auth.Caller = AUTH) -> p.Directory:
        rows = server.storage.devices(active_only=True)
        if not who.is_coordinator:
            rows = [r for r in rows if r["role"] == "coordinator"
                    or r["device_id"] == who.device_id]
        return p.Directory(devices=[server.device_info(r) for r in rows])

    @app.get("/v1/devices", response_model=p.DeviceList)
    def devices(who: auth.Caller = AUTH) -> p.DeviceList:
        if not who.is_coordinator:
            raise ApiError(403, "forbidden", "Only a coordinator can list devices.")
        return p.DeviceList(devices=[server.device_info(r) for r in server.storage.devices()])

    @app.post("/v1/devices/{device_id}/revoke", response_model=p.DeviceInfo)
    def revoke(device_id: str, who: auth.Caller = AUTH) -> p.DeviceInfo:
        if not who.is_coordinator:
            raise ApiError(403, "forbidden", "Only a coordinator can revoke a device.")
        valid(DEVICE_ID, device_id, "device")
        target = server.storage.device(device_id)
        if target is None:
            raise ApiError(404, "not_found", "No such device.")
        coordinators = [d for d in server.storage.devices(active_only=True)
                        if d["role"] == "coordinator"]
        if target["revoked_at"] is None and [d["device_id"] for d in coordinators] == [
                device_id]:
            raise ApiError(409, "last_coordinator",
                           "The last coordinator cannot be revoked: invite another first.")
        server.storage.revoke(device_id)
        server.forget_device(device_id)
        return server.device_info(server.storage.device(device_id) or {})


def _receipt_response(created: bool, receipt: p.Receipt) -> JSONResponse:
    return JSONResponse(receipt.model_dump(), status_code=201 if created else 200)


def _install_items(app: FastAPI, server: Server) -> None:
    @app.put("/v1/keypackets/{epoch_id}", response_model=p.Receipt, openapi_extra=OCTETS,
             responses={201: {"model": p.Receipt}, 409: {"model": p.ErrorBody}})
    async def put_key_packet(epoch_id: str, request: Request,
                             who: auth.Caller = AUTH) -> Response:
        valid(HEX32, epoch_id, "epoch")
        server.require_approved(who)
        data = await request.body()
        stored, receipt = await server.ingest(data, who, "keypacket/" + epoch_id)
        return _receipt_response(stored.created, receipt)

    @app.put("/v1/envelopes/{record_id}/{version_hash}/{section}", response_model=p.Receipt,
             openapi_extra=OCTETS,
             responses={201: {"model": p.Receipt}, 409: {"model": p.ErrorBody}})
    async def put_envelope(record_id: str, version_hash: str, section: str,
                           request: Request, who: auth.Caller = AUTH) -> Response:
        valid(UUID, record_id, "record")
        valid(HEX64, version_hash, "version")
        if section not in _SECTIONS:
            raise ApiError(404, "not_found", "No such section.")
        server.require_approved(who)
        data = await request.body()
        stored, receipt = await server.ingest(
            data, who, f"envelope/{record_id}/{version_hash}/{section}")
        return _receipt_response(stored.created, receipt)

    @app.post("/v1/push", response_model=p.PushResults, openapi_extra=OCTETS)
    async def push(request: Request, who: auth.Caller = AUTH) -> p.PushResults:
        server.require_approved(who)
        data = await request.body()
        try:
            items = list(p.iter_items(data))
        except ValueError:
            raise ApiError(400, "bad_framing", "The push body is not framed items.") from None
        return await _push_all(server, items, who)

    @app.get("/v1/changes", responses={200: {"content": {"application/octet-stream": {}}}})
    def changes(since: int = 0, limit: int = 500, who: auth.Caller = AUTH) -> Response:
        if not 0 <= since < 1 << 62 or not 1 <= limit <= p.MAX_CHANGES_LIMIT:
            raise ApiError(400, "bad_range", "since must be ≥ 0 and limit 1 to 1000.")
        rows = server.storage.changes(who.device_id, who.is_coordinator, since, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        frames, size, last = [], 0, since
        for seq, data in rows:
            if frames and size + len(data) > p.MAX_PUSH_BODY:
                more = True
                break
            frames.append(p.frame_change(seq, data))
            size += len(data)
            last = seq
        roster = server.roster()
        return Response(b"".join(frames), media_type="application/octet-stream",
                        headers={p.HEADER_NEXT: str(last), p.HEADER_MORE: "1" if more else "0",
                                 p.HEADER_ROSTER: str(roster.counter if roster else 0),
                                 "Cache-Control": "no-store"})


def _verify_all(server: Server, items: list[bytes]
                ) -> tuple[list[p.PushResult | None], list[tuple[int, NewItem]]]:
    results: list[p.PushResult | None] = []
    valid_items: list[tuple[int, NewItem]] = []
    pending: dict[str, tuple[str, str]] = {}
    for index, data in enumerate(items):
        try:
            valid_items.append((index, server.verify(data, pending=pending)))
            results.append(None)
        except ApiError as exc:
            results.append(p.PushResult(index=index, status="rejected", code=exc.code))
    return results, valid_items


async def _push_all(server: Server, items: list[bytes], who: auth.Caller) -> p.PushResults:
    """Verify every item (in a worker thread), then store the valid ones together."""
    results, valid_items = await run_in_threadpool(_verify_all, server, items)
    stored = (await server.store_async([item for _i, item in valid_items], who)
              if valid_items else [])
    for (index, _item), outcome in zip(valid_items, stored, strict=True):
        if isinstance(outcome, KeyConflict):
            results[index] = p.PushResult(index=index, status="conflict", code="conflict")
        else:
            results[index] = p.PushResult(
                index=index, status="stored" if outcome.created else "duplicate",
                receipt=server.receipt(outcome))
    return p.PushResults(results=[r for r in results if r is not None])


def _parse_int(value: str | None, name: str) -> int:
    if value is None or not value.isdigit() or len(value) > 15:
        raise ApiError(400, "bad_header", f"{name} must be a whole number.", _TUS)
    return int(value)


def _install_uploads(app: FastAPI, server: Server) -> None:
    @app.options("/v1/uploads")
    def tus_options() -> Response:
        return Response(status_code=204, headers={
            **_TUS, "Tus-Version": p.TUS_VERSION, "Tus-Extension": "creation,checksum",
            "Tus-Checksum-Algorithm": "sha256", "Tus-Max-Size": str(p.MAX_ATTACHMENT)})

    @app.post("/v1/uploads", status_code=201)
    def create_upload(request: Request, who: auth.Caller = AUTH) -> Response:
        server.require_approved(who)
        length = _parse_int(request.headers.get("upload-length"), "Upload-Length")
        if length > p.MAX_ATTACHMENT:
            raise ApiError(413, "too_large", "The attachment is larger than the limit.", _TUS)
        try:
            meta = p.parse_tus_metadata(request.headers.get("upload-metadata", ""))
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "bad_metadata", "Upload-Metadata is malformed.", _TUS) from None
        sha, epoch_id = meta.get("sha256", ""), meta.get("epoch", "")
        if not HEX64.fullmatch(sha) or not HEX32.fullmatch(epoch_id):
            raise ApiError(400, "bad_metadata", "sha256 and epoch are required.", _TUS)
        found = server.storage.key_packet(epoch_id)
        if found is None:
            raise ApiError(409, "unknown_epoch", "Push the key packet of this epoch first.",
                           _TUS)
        if found[0] != who.device_id and not server.may_read_epoch(who, epoch_id):
            raise ApiError(403, "forbidden", "This device is not part of that epoch.", _TUS)
        location = {**_TUS, "Location": f"/v1/uploads/{sha}"}
        existing = server.storage.blob(sha)
        if existing is not None:
            if existing["length"] != length:
                raise ApiError(409, "conflict", "This blob exists with another length.", _TUS)
            return Response(status_code=201 if not existing["complete"] else 200,
                            headers={**location, "Upload-Offset": str(
                                server.blobs.offset(sha))})
        server.storage.create_blob({
            "sha256": sha, "epoch_id": epoch_id, "length": length, "offset": 0,
            "uploader": who.device_id, "complete": False, "created_at": now_ms(),
            "completed_at": None, "seq": None})
        server.blobs.start(sha)
        return Response(status_code=201, headers=location)

    def _upload(sha: str, who: auth.Caller) -> dict[str, object]:
        valid(HEX64, sha, "upload")
        row = server.storage.blob(sha)
        if row is None or not (who.is_coordinator or row["uploader"] == who.device_id):
            raise ApiError(404, "not_found", "No such upload.", _TUS)
        return row

    @app.head("/v1/uploads/{sha}")
    def upload_offset(sha: str, who: auth.Caller = AUTH) -> Response:
        row = _upload(sha, who)
        return Response(status_code=200, headers={
            **_TUS, "Upload-Offset": str(server.blobs.offset(sha)),
            "Upload-Length": str(row["length"]), "Cache-Control": "no-store"})

    @app.patch("/v1/uploads/{sha}", status_code=204, openapi_extra=OCTETS)
    async def upload_chunk(sha: str, request: Request, who: auth.Caller = AUTH) -> Response:
        server.require_approved(who)
        row = await run_in_threadpool(_upload, sha, who)
        if request.headers.get("content-type") != "application/offset+octet-stream":
            raise ApiError(415, "bad_content_type",
                           "Use Content-Type: application/offset+octet-stream.", _TUS)
        offset = _parse_int(request.headers.get("upload-offset"), "Upload-Offset")
        chunk = await request.body()
        checksum = request.headers.get("upload-checksum")
        if checksum is not None:
            algo, _, value = checksum.partition(" ")
            if algo != "sha256":
                raise ApiError(400, "bad_checksum_algorithm", "Only sha256 is supported.",
                               _TUS)
            try:
                expected = base64.b64decode(value.strip(), validate=True)
            except ValueError:
                raise ApiError(400, "bad_header", "Upload-Checksum is malformed.",
                               _TUS) from None
            if hashlib.sha256(chunk).digest() != expected:
                raise ApiError(460, "checksum_mismatch", "The chunk checksum differs.", _TUS)
        return await run_in_threadpool(_store_chunk, server, sha, row, offset, chunk)

    @app.get("/v1/blobs/{sha}")
    def download(sha: str, who: auth.Caller = AUTH) -> Response:
        valid(HEX64, sha, "blob")
        row = server.storage.blob(sha)
        if row is None or not row["complete"] or not (
                row["uploader"] == who.device_id
                or server.may_read_epoch(who, str(row["epoch_id"]))):
            raise ApiError(404, "not_found", "No such blob.")
        return FileResponse(server.blobs.final_path(sha), media_type="application/octet-stream",
                            headers={"Cache-Control": "no-store"})


def _store_chunk(server: Server, sha: str, row: dict[str, object], offset: int,
                 chunk: bytes) -> Response:
    with server.blobs.lock(sha):
        fresh = server.storage.blob(sha) or row
        return _append_chunk(server, sha, fresh, offset, chunk)


def _append_chunk(server: Server, sha: str, row: dict[str, object], offset: int,
                  chunk: bytes) -> Response:
    length = int(row["length"])  # type: ignore[call-overload]
    if row["complete"]:
        raise ApiError(409, "complete", "This upload is already complete.",
                       {**_TUS, "Upload-Offset": str(length)})
    if offset + len(chunk) > length:
        raise ApiError(413, "too_large", "The chunk goes past Upload-Length.", _TUS)
    try:
        new_offset = server.blobs.append(sha, offset, chunk)
    except OffsetMismatch as exc:
        raise ApiError(409, "offset_mismatch", "Upload-Offset differs from the server's.",
                       {**_TUS, "Upload-Offset": str(exc.current)}) from None
    headers = {**_TUS, "Upload-Offset": str(new_offset)}
    if new_offset == length:
        try:
            server.blobs.finish(sha)
        except BlobHashMismatch:
            server.storage.set_blob_offset(sha, 0)
            server.blobs.start(sha)
            raise ApiError(460, "blob_checksum",
                           "The whole upload does not match its sha256; start again.",
                           {**_TUS, "Upload-Offset": "0"}) from None
        server.storage.set_blob_offset(sha, new_offset, complete=True)
        receipt = server.blob_receipt(sha, now_ms())
        headers["Upload-Receipt"] = base64.b64encode(
            json.dumps(receipt.model_dump()).encode()).decode()
    else:
        server.storage.set_blob_offset(sha, new_offset)
    return Response(status_code=204, headers=headers)
