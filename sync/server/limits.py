"""Request body size limits (413), enforced before and while a body is read.

A pure ASGI middleware: a ``Content-Length`` above the limit is answered 413 at once; a
body without one (chunked) is counted as it arrives and cut with 413 when it passes the
limit, so a client cannot make the server buffer more than the limit.
"""

from __future__ import annotations

import json
from typing import Any

from sync import protocol as p

Scope = dict[str, Any]
Message = dict[str, Any]


def limit_for(method: str, path: str) -> int:
    """The largest body accepted for this request."""
    if method == "PATCH" and path.startswith("/v1/uploads/"):
        return p.MAX_CHUNK
    if method == "POST" and path == "/v1/push":
        return p.MAX_PUSH_BODY
    if method == "PUT" and path.startswith(("/v1/envelopes/", "/v1/keypackets/")):
        return p.MAX_ENVELOPE + 1024
    if method == "PUT" and path.startswith("/v1/roster/"):
        return p.MAX_ROSTER
    return p.MAX_JSON_BODY


def _too_large_body() -> bytes:
    return json.dumps({"code": "too_large",
                       "message": "The request body is larger than the limit."}).encode()


class BodyLimit:
    """ASGI middleware answering 413 to oversize bodies."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["method"], scope["path"])
        length = None
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = -1
        if length is not None and (length < 0 or length > limit):
            await self._reject(send, 413 if length > limit else 400)
            return
        state = {"seen": 0, "started": False, "cut": False}

        async def counting_receive() -> Message:
            if state["cut"]:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                state["seen"] += len(message.get("body", b""))
                if state["seen"] > limit:
                    state["cut"] = True
                    if not state["started"]:
                        await self._reject(send, 413)
                        state["started"] = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if state["cut"]:
                return
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        await self.app(scope, counting_receive, guarded_send)

    @staticmethod
    async def _reject(send: Any, status: int) -> None:
        body = _too_large_body() if status == 413 else json.dumps(
            {"code": "bad_length", "message": "Invalid Content-Length."}).encode()
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
