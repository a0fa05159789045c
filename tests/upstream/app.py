"""
A small HTTP API for tests, with its own OpenAPI 3.1 document (:data:`OPENAPI`).

It checks credentials itself (never echoing them), fails on purpose (404, 500, 503 with
Retry-After), answers slowly or hugely on request, redirects, and echoes what it received so
tests can see a request exactly as a real server does. ``create_app()`` builds a fresh app
with its own state.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import secrets
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

API_KEY = "upstream-key-7d41c0a9"
BEARER_TOKEN = "upstream-bearer-93ab51f2"
BASIC_USER = "alice"
BASIC_PASSWORD = "upstream-pass-55e2d8"
CLIENT_ID = "toolsync-client"
CLIENT_SECRET = "upstream-secret-c0ffee42"

PETS = [
    {"id": 1, "name": "Rex", "tag": "dog", "status": "available"},
    {"id": 2, "name": "Tom", "tag": "cat", "status": "sold"},
    {"id": 3, "name": "Kiki", "tag": "bird", "status": "available"},
]

_PET = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "tag": {"type": "string"},
        "status": {"type": "string", "enum": ["available", "sold"]},
    },
}
_NEW_PET = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 40},
        "tag": {"type": "string", "maxLength": 20},
        "age": {"type": "integer", "minimum": 0, "maximum": 50},
    },
}
_JSON_OBJECT = {"application/json": {"schema": {"type": "object"}}}
_OK = {"200": {"description": "OK", "content": _JSON_OBJECT}}
_PET_ID = {"name": "petId", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}


def _auth_op(op_id: str, scheme: str) -> dict[str, Any]:
    return {"get": {"operationId": op_id, "security": [{scheme: []}],
                    "responses": {**_OK, "401": {"description": "Unauthorized"}}}}


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Upstream test API", "version": "1.0.0"},
    "servers": [{"url": "http://127.0.0.1:{port}", "variables": {"port": {"default": "8000"}}}],
    "paths": {
        "/pets": {
            "get": {
                "operationId": "listPets",
                "summary": "List pets, optionally filtered",
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                    {"name": "tags", "in": "query", "style": "form", "explode": True,
                     "schema": {"type": "array", "items": {"type": "string", "maxLength": 10}, "maxItems": 5}},
                    {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["available", "sold"]}},
                ],
                "responses": {"200": {"description": "Pets", "content": {
                    "application/json": {"schema": {"type": "array", "items": _PET}}}}},
            },
            "post": {
                "operationId": "createPet",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _NEW_PET}}},
                "responses": {"201": {"description": "Created", "content": {"application/json": {"schema": _PET}}}},
            },
        },
        "/pets/{petId}": {
            "get": {
                "operationId": "getPet",
                "parameters": [_PET_ID],
                "responses": {"200": {"description": "A pet", "content": {"application/json": {"schema": _PET}}},
                              "404": {"description": "Not found", "content": _JSON_OBJECT}},
            },
            "delete": {"operationId": "deletePet", "parameters": [_PET_ID],
                       "responses": {"204": {"description": "Deleted"}}},
        },
        "/search/{kind}": {
            "get": {
                "operationId": "search",
                "parameters": [
                    {"name": "kind", "in": "path", "required": True,
                     "schema": {"type": "string", "enum": ["pets", "owners"]}},
                    {"name": "filter", "in": "query", "style": "deepObject", "explode": True,
                     "schema": {"type": "object", "additionalProperties": False, "properties": {
                         "name": {"type": "string", "maxLength": 20}, "age": {"type": "integer"}}}},
                    {"name": "ids", "in": "query", "style": "pipeDelimited", "explode": False,
                     "schema": {"type": "array", "items": {"type": "integer"}, "maxItems": 5}},
                    {"name": "X-Request-Id", "in": "header",
                     "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,36}$"}},
                    {"name": "session", "in": "cookie", "schema": {"type": "string", "maxLength": 20}},
                ],
                "responses": _OK,
            }
        },
        "/forms/signup": {
            "post": {
                "operationId": "signup",
                "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
                    "type": "object", "required": ["email"], "additionalProperties": False,
                    "properties": {"email": {"type": "string", "maxLength": 60},
                                   "age": {"type": "integer", "minimum": 0},
                                   "newsletter": {"type": "boolean"}}}}}},
                "responses": _OK,
            }
        },
        "/files": {
            "post": {
                "operationId": "uploadFile",
                "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                    "type": "object", "required": ["file"], "additionalProperties": False,
                    "properties": {"file": {"type": "string", "contentMediaType": "application/octet-stream"},
                                   "description": {"type": "string", "maxLength": 100}}}}}},
                "responses": _OK,
            }
        },
        "/notes": {
            "put": {
                "operationId": "putNote",
                "requestBody": {"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}},
                "responses": _OK,
            }
        },
        "/text": {"get": {"operationId": "getText", "responses": {"200": {
            "description": "Plain text", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
        "/status/{code}": {"get": {"operationId": "getStatus", "parameters": [
            {"name": "code", "in": "path", "required": True,
             "schema": {"type": "integer", "minimum": 200, "maximum": 599}}], "responses": _OK}},
        "/flaky": {
            "get": {"operationId": "flakyGet", "parameters": [
                {"name": "key", "in": "query", "required": True, "schema": {"type": "string", "maxLength": 40}},
                {"name": "fail", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 5}}],
                "responses": _OK},
            "post": {"operationId": "flakyPost", "parameters": [
                {"name": "key", "in": "query", "required": True, "schema": {"type": "string", "maxLength": 40}},
                {"name": "fail", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 5}}],
                "responses": _OK},
        },
        "/slow": {"get": {"operationId": "slow", "parameters": [
            {"name": "seconds", "in": "query", "schema": {"type": "number", "minimum": 0, "maximum": 2}}],
            "responses": _OK}},
        "/big": {"get": {"operationId": "big", "parameters": [
            {"name": "size", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 5000000}}],
            "responses": {"200": {"description": "Many bytes",
                                  "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
        "/redirect": {"get": {"operationId": "redirect", "parameters": [
            {"name": "to", "in": "query", "required": True, "schema": {"type": "string", "maxLength": 200}}],
            "responses": {"302": {"description": "Redirect"}, **_OK}}},
        "/auth/header": _auth_op("authHeader", "apiKeyHeader"),
        "/auth/query": _auth_op("authQuery", "apiKeyQuery"),
        "/auth/cookie": _auth_op("authCookie", "apiKeyCookie"),
        "/auth/bearer": _auth_op("authBearer", "bearer"),
        "/auth/basic": _auth_op("authBasic", "basic"),
        "/auth/oauth": _auth_op("authOAuth", "oauth"),
    },
    "components": {"securitySchemes": {
        "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        "apiKeyQuery": {"type": "apiKey", "in": "query", "name": "api_key"},
        "apiKeyCookie": {"type": "apiKey", "in": "cookie", "name": "api_session"},
        "bearer": {"type": "http", "scheme": "bearer"},
        "basic": {"type": "http", "scheme": "basic"},
        "oauth": {"type": "oauth2", "flows": {"clientCredentials": {
            "tokenUrl": "/oauth/token", "scopes": {"pets:read": "Read pets"}}}},
    }},
}


class _State:
    """What the app remembers between requests: flaky counters and issued OAuth tokens."""

    def __init__(self) -> None:
        self.attempts: dict[str, int] = {}
        self.tokens: set[str] = set()
        self.issued = itertools.count(1)
        self.issued_total = 0


def create_app() -> Starlette:
    """A fresh upstream app (its own counters and tokens)."""
    state = _State()

    async def openapi(request: Request) -> Response:
        return JSONResponse(OPENAPI)

    async def list_pets(request: Request) -> Response:
        tags = request.query_params.getlist("tags")
        status = request.query_params.get("status")
        found = [p for p in PETS if (not tags or p["tag"] in tags) and (not status or p["status"] == status)]
        limit = int(request.query_params.get("limit", "100"))
        return JSONResponse(found[:limit])

    async def create_pet(request: Request) -> Response:
        data = await request.json()
        return JSONResponse({"id": 100 + len(data.get("name", "")), **data}, status_code=201)

    async def get_pet(request: Request) -> Response:
        pet_id = request.path_params["petId"]
        pet = next((p for p in PETS if str(p["id"]) == pet_id), None)
        if pet is None:
            return JSONResponse({"error": "not found", "petId": pet_id}, status_code=404)
        return JSONResponse(pet)

    async def delete_pet(request: Request) -> Response:
        return Response(status_code=204)

    async def text(request: Request) -> Response:
        return PlainTextResponse("hello, world")

    async def status(request: Request) -> Response:
        code = int(request.path_params["code"])
        return JSONResponse({"status": code, "detail": "as requested"}, status_code=code)

    async def flaky(request: Request) -> Response:
        key = f"{request.method} {request.query_params['key']}"
        count = state.attempts[key] = state.attempts.get(key, 0) + 1
        if count <= int(request.query_params.get("fail", "1")):
            return JSONResponse({"error": "busy", "attempt": count}, status_code=503,
                                headers={"Retry-After": request.query_params.get("retry_after", "0")})
        return JSONResponse({"attempts": count})

    async def slow(request: Request) -> Response:
        await asyncio.sleep(float(request.query_params.get("seconds", "1")))
        return JSONResponse({"slept": True})

    async def big(request: Request) -> Response:
        size = int(request.query_params.get("size", "2000000"))

        async def chunks() -> Any:
            sent = 0
            while sent < size:
                piece = min(65536, size - sent)
                sent += piece
                yield b"x" * piece

        return StreamingResponse(chunks(), media_type="text/plain")

    async def redirect(request: Request) -> Response:
        return RedirectResponse(request.query_params["to"], status_code=int(request.query_params.get("code", "302")))

    async def echo(request: Request) -> Response:
        return JSONResponse(await _echo(request))

    def authorized(request: Request, kind: str) -> bool:
        header = request.headers.get("authorization", "")
        checks = {
            "header": lambda: request.headers.get("x-api-key") == API_KEY,
            "query": lambda: request.query_params.get("api_key") == API_KEY,
            "cookie": lambda: request.cookies.get("api_session") == API_KEY,
            "bearer": lambda: header == f"Bearer {BEARER_TOKEN}",
            "basic": lambda: header == "Basic " + base64.b64encode(
                f"{BASIC_USER}:{BASIC_PASSWORD}".encode()).decode(),
            "oauth": lambda: header.startswith("Bearer ") and header[7:] in state.tokens,
        }
        return checks[kind]()

    async def auth(request: Request) -> Response:
        kind = request.path_params["kind"]
        if not authorized(request, kind):
            return JSONResponse({"error": "unauthorized", "scheme": kind}, status_code=401)
        return JSONResponse({"authenticated": True, "scheme": kind})

    async def token(request: Request) -> Response:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        form = await request.form()
        if request.headers.get("authorization") != expected:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        issued = f"oauth-{next(state.issued)}-{secrets.token_hex(8)}"
        state.tokens.add(issued)
        return JSONResponse({"access_token": issued, "token_type": "Bearer", "expires_in": 3600,
                             "scope": form.get("scope", "")})

    async def revoke(request: Request) -> Response:
        state.tokens.clear()
        return Response(status_code=204)

    async def stats(request: Request) -> Response:
        return JSONResponse({"issued": len(state.tokens), "attempts": state.attempts})

    routes = [
        Route("/openapi.json", openapi),
        Route("/pets", list_pets, methods=["GET"]),
        Route("/pets", create_pet, methods=["POST"]),
        Route("/pets/{petId}", get_pet, methods=["GET"]),
        Route("/pets/{petId}", delete_pet, methods=["DELETE"]),
        Route("/text", text),
        Route("/status/{code}", status),
        Route("/flaky", flaky, methods=["GET", "POST"]),
        Route("/slow", slow),
        Route("/big", big),
        Route("/redirect", redirect),
        Route("/auth/{kind}", auth),
        Route("/oauth/token", token, methods=["POST"]),
        Route("/oauth/revoke", revoke, methods=["POST"]),
        Route("/oauth/stats", stats),
        # Everything else (search, forms, files, notes, anything) is echoed back.
        Route("/{rest:path}", echo, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
    ]
    return Starlette(routes=routes)


async def _echo(request: Request) -> dict[str, Any]:
    """What arrived, as a server sees it. Credential headers are reported by name only."""
    body = await request.body()
    out: dict[str, Any] = {
        "method": request.method,
        "raw_path": request.scope["raw_path"].decode("latin-1"),
        "query": request.scope["query_string"].decode("latin-1"),
        "headers": {k: v for k, v in request.headers.items()
                    if (k.startswith("x-") and k != "x-api-key") or k in ("content-type", "accept")},
        "cookies": dict(request.cookies),
        "body": body.decode("utf-8", "replace"),
    }
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("multipart/", "application/x-www-form-urlencoded")):
        out["form"] = await _form(request)
    return out


async def _form(request: Request) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    async with request.form() as form:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                data = await value.read()
                entry: Any = {"filename": value.filename, "content_type": value.content_type,
                              "base64": base64.b64encode(data).decode()}
            else:
                entry = value
            fields.setdefault(name, []).append(entry)
    return fields
