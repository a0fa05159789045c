"""
The HTTP API's own OpenAPI 3.1 document, served at ``GET /openapi.json``.

It is written here by hand, next to nothing else, so that it can be read as the API's reference;
tests check that every route is in it, that it validates, that toolsync loads it into one tool per
operation, and that the server's answers conform to it.
"""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..formats import PROVIDERS

__all__ = ["OPERATIONS", "api_document"]

_REF = "#/components/schemas/"
Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": _REF + name}


def _nullable(kind: str) -> Schema:
    return {"type": [kind, "null"]}


_PRINTABLE = "^[^\\u0000-\\u001f]*$"
_STRINGS: Schema = {"type": "array", "items": {"type": "string"}}
_OBJECT: Schema = {"type": "object"}


def _object(required: list[str], properties: dict[str, Schema], *, extra: bool = True) -> Schema:
    out: Schema = {"type": "object", "required": required, "properties": properties}
    if not extra:
        out["additionalProperties"] = False
    return out


_SCHEMAS: dict[str, Schema] = {
    "Error": _object(["error", "message"], {
        "error": {"type": "string", "description": "A short code or the error class name."},
        "message": {"type": "string", "description": "What went wrong and what to do about it."},
        "source": {"type": "string"}, "pointer": {"type": "string"}, "details": _OBJECT}),
    "ToolList": _object(["version", "provider", "tools"], {
        "version": {"type": "integer"}, "provider": {"type": "string", "enum": list(PROVIDERS)},
        "tools": {"type": "array", "items": _OBJECT, "description": "Tool definitions in the provider's format."}}),
    "ToolDetail": _object(["version", "name", "spec", "spec_version", "schema_hash", "registered_at", "operation",
                           "tags", "description"], {
        "version": {"type": "integer"}, "name": {"type": "string"}, "spec": {"type": "string"},
        "spec_version": {"type": "string"}, "schema_hash": {"type": "string"}, "registered_at": {"type": "number"},
        "operation": {"type": "string", "description": "METHOD /path in the spec."}, "tags": _STRINGS,
        "description": {"type": "string"},
        "definitions": {"type": "object", "additionalProperties": _OBJECT, "description": "By provider."},
        "provider": {"type": "string"}, "definition": _OBJECT}),
    "CallRequest": _object([], {
        "arguments": {"type": "object", "description": "The tool's arguments."},
        "schema_hash": {"type": "string", "maxLength": 128,
                        "description": "The schema hash the caller saw; a changed tool is then not called."}},
        extra=False),
    "CallResult": _object(["tool", "version", "schema_hash", "result"], {
        "tool": {"type": "string"}, "version": {"type": "integer"}, "schema_hash": {"type": "string"},
        "result": _object(["ok", "status", "content_type", "body", "text", "error", "elapsed_ms", "truncated"], {
            "ok": {"type": "boolean"}, "status": _nullable("integer"), "content_type": _nullable("string"),
            "body": {}, "text": {"type": "string"}, "error": _nullable("object"), "elapsed_ms": {"type": "number"},
            "truncated": {"type": "boolean"}})}),
    "SpecEntry": _object(["name", "source", "version", "fingerprint", "policy", "tools", "loaded_at", "status"], {
        "name": {"type": "string"}, "source": {"type": "string"}, "version": {"type": "string"},
        "fingerprint": {"type": "string"}, "policy": {"type": "string", "enum": ["allow", "warn", "block"]},
        "tools": _STRINGS, "loaded_at": {"type": "number"},
        "status": {"type": "string", "enum": ["ok", "failed", "held"]}, "last_error": _nullable("string"),
        "title": {"type": "string"}, "openapi_version": {"type": "string"}, "held": _nullable("string"),
        "watched": {"type": "boolean"}}),
    "SpecList": _object(["version", "specs", "failures"], {
        "version": {"type": "integer"}, "specs": {"type": "array", "items": _ref("SpecEntry")},
        "failures": {"type": "object", "additionalProperties": {"type": "string"}}}),
    "AddSpec": _object(["source"], {
        "source": {"type": "string", "minLength": 1, "maxLength": 4096, "pattern": _PRINTABLE,
                   "description": "A spec file under an allowed root, or an http(s) URL."},
        "name": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": _PRINTABLE},
        "namespace": {"type": "string", "maxLength": 64, "pattern": _PRINTABLE},
        "policy": {"type": "string", "enum": ["allow", "warn", "block"]}}, extra=False),
    "ChangeSet": _object(["spec", "version", "added", "removed", "updated", "unchanged", "held", "findings",
                          "trigger", "summary"], {
        "spec": _nullable("string"), "version": _nullable("integer"), "added": _STRINGS, "removed": _STRINGS,
        "updated": _STRINGS, "unchanged": _STRINGS, "held": _STRINGS, "held_id": _nullable("string"),
        "findings": {"type": "array", "items": _OBJECT}, "trigger": {"type": "string"},
        "summary": {"type": "string"}}),
    "ChangeResult": _object(["version", "changes"], {"version": {"type": "integer"}, "changes": _ref("ChangeSet")}),
    "AddedSpec": _object(["version", "changes", "spec"], {
        "version": {"type": "integer"}, "changes": _ref("ChangeSet"),
        "spec": {"oneOf": [_ref("SpecEntry"), {"type": "null"}]}}),
    "ReloadOutcome": _object(["outcome"], {
        "outcome": {"type": "string", "enum": ["applied", "unchanged", "failed", "removed", "ignored", "queued"]},
        "spec": _nullable("string"), "version": _nullable("integer"), "source": {"type": "string"},
        "summary": {"type": "string"}, "changes": _ref("ChangeSet")}),
    "ReloadFailed": _object(["error", "message", "outcome"], {
        "error": {"type": "string"}, "message": {"type": "string"}, "outcome": _ref("ReloadOutcome")}),
    "HistoryEntry": _object(["version", "time", "trigger", "spec", "summary", "changes"], {
        "version": {"type": "integer"}, "time": {"type": "number"}, "trigger": {"type": "string"},
        "spec": _nullable("string"), "summary": {"type": "string"},
        "changes": {"type": "object", "additionalProperties": _nullable("string"),
                    "description": "Tool name to its new schema hash; null when removed."},
        "message": {"type": "string"}, "specs": _STRINGS}),
    "History": _object(["version", "history"], {
        "version": {"type": "integer"}, "history": {"type": "array", "items": _ref("HistoryEntry")}}),
    "Diff": _object(["from", "to", "breaking", "specs"], {
        "from": {"type": "integer"}, "to": {"type": "integer"}, "breaking": {"type": "boolean"},
        "specs": {"type": "array", "items": _object(["spec", "status", "breaking", "tools", "report"], {
            "spec": {"type": "string"}, "status": {"type": "string", "enum": ["added", "removed", "changed",
                                                                              "unchanged"]},
            "breaking": {"type": "boolean"},
            "tools": _object(["added", "removed", "updated"], {"added": _STRINGS, "removed": _STRINGS,
                                                               "updated": _STRINGS}),
            "report": {"oneOf": [_OBJECT, {"type": "null"}], "description": "The spec diff, with findings."}})}}),
    "Rollback": _object(["version"], {
        "version": {"type": "integer", "minimum": 1, "description": "The kept version to serve again."},
        "spec": {"type": "string", "maxLength": 256, "description": "Roll back only this spec's tools."}},
        extra=False),
    "HeldChange": _object(["id", "spec", "tools", "created_at", "version", "findings"], {
        "id": {"type": "string"}, "spec": {"type": "string"}, "tools": _STRINGS, "created_at": {"type": "number"},
        "version": {"type": "string"}, "findings": {"type": "array", "items": _OBJECT}}),
    "HeldList": _object(["version", "held"], {
        "version": {"type": "integer"}, "held": {"type": "array", "items": _ref("HeldChange")}}),
    "Rejected": _object(["version", "held"], {"version": {"type": "integer"}, "held": _ref("HeldChange")}),
    "Health": _object(["status", "version", "uptime"], {
        "status": {"type": "string"}, "version": {"type": "integer"}, "uptime": {"type": "number"}}),
    "Ready": _object(["status", "version", "specs", "tools", "failed"], {
        "status": {"type": "string", "enum": ["ready", "degraded", "starting", "unavailable"]},
        "version": {"type": "integer"}, "specs": {"type": "integer"}, "tools": {"type": "integer"},
        "failed": {"type": "object", "additionalProperties": {"type": "string"}},
        "error": {"type": "string"}, "message": {"type": "string"}}),
    "WebhookRequest": _object([], {
        "spec": {"type": "string", "maxLength": 1024, "description": "Reload this spec (by name)."},
        "source": {"type": "string", "maxLength": 4096, "description": "Reload this watched file or URL."}},
        extra=False),
    "WebhookAccepted": _object(["queued", "version"], {"queued": _STRINGS, "version": {"type": "integer"}}),
}

_ERRORS = {
    "400": "The body is not valid JSON.",
    "401": "A token is needed (or the webhook signature was refused).",
    "403": "The token given may not do this, or admin endpoints are disabled.",
    "404": "Nothing by that name or version.",
    "409": "The request conflicts with the registry's state.",
    "413": "The request body is too large.",
    "422": "A parameter or body field is missing or wrong, or the spec cannot be used.",
    "503": "The store cannot be read or written.",
}


def _json(schema: Schema, description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        out["headers"] = headers
    return out


def _responses(ok: dict[str, dict[str, Any]], errors: str) -> dict[str, Any]:
    out = dict(ok)
    for code in errors.split():
        out[code] = _json(_ref("Error"), _ERRORS[code])
    return out


def _query(name: str, schema: Schema, description: str, *, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def _path(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1},
            "description": description}


def _body(schema: str, *, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": _ref(schema)}}}


_READ: list[dict[str, list[str]]] = [{}, {"bearer": []}]
_ADMIN: list[dict[str, list[str]]] = [{"bearer": []}]
_VERSION_HEADER = {"X-Toolsync-Version": {"description": "The snapshot version served.",
                                          "schema": {"type": "string"}}}
_PROVIDER = _query("provider", {"type": "string", "enum": list(PROVIDERS)}, "The provider format.")


def _op(op_id: str, summary: str, responses: dict[str, Any], *, security: list[Any], tags: list[str],
        parameters: list[Any] | None = None, body: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"operationId": op_id, "summary": summary, "tags": tags, "security": security,
                           "responses": responses}
    if parameters:
        out["parameters"] = parameters
    if body is not None:
        out["requestBody"] = body
    return out


def _paths() -> dict[str, Any]:
    name = _path("name", "A tool or spec name.")
    held_id = _path("id", "The id of a held change.")
    return {
        "/tools": {"get": _op(
            "listTools", "List every tool in one provider's format", _responses({
                "200": _json(_ref("ToolList"), "The tools.", {"ETag": {"schema": {"type": "string"}},
                                                               **_VERSION_HEADER}),
                "304": {"description": "Unchanged since the ETag given in If-None-Match."}}, "401 422"),
            security=_READ, tags=["tools"], parameters=[
                _PROVIDER, _query("spec", {"type": "string"}, "Only this spec's tools."),
                _query("tag", {"type": "string"}, "Only operations with this tag."),
                {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
                 "description": "An ETag from an earlier answer."}])},
        "/tools/{name}": {"get": _op(
            "getTool", "One tool, in every provider's format or one", _responses({
                "200": _json(_ref("ToolDetail"), "The tool.", _VERSION_HEADER)}, "401 404 422"),
            security=_READ, tags=["tools"], parameters=[name, _PROVIDER])},
        "/tools/{name}/call": {"post": _op(
            "callTool", "Call a tool against its API", _responses({
                "200": _json(_ref("CallResult"), "The call's result (check result.ok).")},
                "400 401 403 404 413 422"),
            security=_ADMIN, tags=["tools"], parameters=[name], body=_body("CallRequest", required=False))},
        "/specs": {
            "get": _op("listSpecs", "List the registered specs", _responses({
                "200": _json(_ref("SpecList"), "The specs.")}, "401"), security=_READ, tags=["specs"]),
            "post": _op("addSpec", "Register a spec from a file or URL and watch it", _responses({
                "200": _json(_ref("AddedSpec"), "The spec was registered already, from the same source."),
                "201": _json(_ref("AddedSpec"), "The spec was registered.")},
                "400 401 403 409 413 422 503"), security=_ADMIN, tags=["specs"], body=_body("AddSpec"))},
        "/specs/{name}": {"delete": _op(
            "removeSpec", "Unregister a spec and its tools", _responses({
                "200": _json(_ref("ChangeResult"), "The spec was removed.")}, "401 403 404 409 503"),
            security=_ADMIN, tags=["specs"], parameters=[name])},
        "/specs/{name}/reload": {"post": _op(
            "reloadSpec", "Reload a spec now", _responses({
                "200": _json(_ref("ReloadOutcome"), "The reload's outcome."),
                "202": _json(_ref("ReloadOutcome"), "Still running; watch GET /events."),
                "422": _json(_ref("ReloadFailed"), "The reload failed; the last good version is served.")},
                "401 403 404 409 503"), security=_ADMIN, tags=["specs"], parameters=[name])},
        "/history": {"get": _op(
            "getHistory", "Kept versions, newest first", _responses({
                "200": _json(_ref("History"), "The history.")}, "401 422"),
            security=_READ, tags=["history"], parameters=[
                _query("spec", {"type": "string"}, "Only versions touching this spec."),
                _query("tool", {"type": "string"}, "Only versions changing this tool."),
                _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "At most this many.")])},
        "/diff": {"get": _op(
            "diffVersions", "Compare two kept versions", _responses({
                "200": _json(_ref("Diff"), "The differences, per spec.")}, "401 404 422 503"),
            security=_READ, tags=["history"], parameters=[
                _query("from", {"type": "integer", "minimum": 0}, "The older version.", required=True),
                _query("to", {"type": "integer", "minimum": 0}, "The newer version.", required=True)])},
        "/rollback": {"post": _op(
            "rollback", "Serve again what a kept version served", _responses({
                "200": _json(_ref("ChangeResult"), "The rollback, itself a new version.")},
                "400 401 403 404 409 413 422 503"), security=_ADMIN, tags=["history"], body=_body("Rollback"))},
        "/held": {"get": _op(
            "listHeld", "Breaking changes held for approval", _responses({
                "200": _json(_ref("HeldList"), "The held changes.")}, "401"), security=_READ, tags=["history"])},
        "/held/{id}/approve": {"post": _op(
            "approveHeld", "Apply a held change", _responses({
                "200": _json(_ref("ChangeResult"), "The change was applied.")}, "401 403 404 409 422 503"),
            security=_ADMIN, tags=["history"], parameters=[held_id])},
        "/held/{id}/reject": {"post": _op(
            "rejectHeld", "Drop a held change", _responses({
                "200": _json(_ref("Rejected"), "The change was dropped.")}, "401 403 404 409 503"),
            security=_ADMIN, tags=["history"], parameters=[held_id])},
        "/events": {"get": _op(
            "streamEvents", "Server-Sent Events, one per commit", _responses({
                "200": {"description": "An endless event stream (event: hello, commit, resync, spec_failed...).",
                        "content": {"text/event-stream": {"schema": {"type": "string"}}}}}, "401 422"),
            security=_READ, tags=["events"], parameters=[
                {"name": "Last-Event-ID", "in": "header", "required": False,
                 "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"}, "description": "Resume after this version."},
                _query("last_event_id", {"type": "integer", "minimum": 0}, "Resume after this version.")])},
        "/webhooks/reload": {"post": _op(
            "reloadWebhook", "Signed reload request (HMAC-SHA256 over timestamp and body)", _responses({
                "202": _json(_ref("WebhookAccepted"), "The reload was queued.")}, "400 401 404 409 413 422"),
            security=[], tags=["events"], parameters=[
                {"name": "X-Toolsync-Timestamp", "in": "header", "required": True, "schema": {"type": "string"},
                 "description": "Unix seconds when the delivery was signed."},
                {"name": "X-Toolsync-Signature", "in": "header", "required": True, "schema": {"type": "string"},
                 "description": "sha256=<hex HMAC of '<timestamp>.<raw body>'>."}],
            body=_body("WebhookRequest", required=False))},
        "/healthz": {"get": _op("healthz", "Liveness", {"200": _json(_ref("Health"), "The process is alive.")},
                                security=[], tags=["operations"])},
        "/readyz": {"get": _op("readyz", "Readiness", {
            "200": _json(_ref("Ready"), "Ready (status degraded when a spec failed)."),
            "503": _json(_ref("Ready"), "Starting, or the store cannot be read.")}, security=[], tags=["operations"])},
        "/metrics": {"get": _op("metrics", "Prometheus metrics", _responses({
            "200": {"description": "Text exposition format 0.0.4.",
                    "content": {"text/plain": {"schema": {"type": "string"}}}}}, "401"),
            security=_READ, tags=["operations"])},
        "/openapi.json": {"get": _op("openapi", "This document", {
            "200": _json(_OBJECT, "The OpenAPI 3.1 document of this API.")}, security=[], tags=["operations"])},
    }


#: ``(method, path)`` of every documented operation.
OPERATIONS: tuple[tuple[str, str], ...] = tuple(
    (method.upper(), path) for path, item in _paths().items() for method in item)


def api_document(server_url: str | None = None) -> dict[str, Any]:
    """The document; ``server_url`` (the URL the API is reached at) goes into ``servers``."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "toolsync", "version": __version__,
                 "description": "Tools generated from OpenAPI specs, kept in sync, served to AI agents."},
        "servers": [{"url": server_url or "/"}],
        "paths": _paths(),
        "components": {"schemas": _SCHEMAS, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "The admin token, or the read token for reading."}}},
    }
