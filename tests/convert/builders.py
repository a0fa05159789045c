"""Small builders for hand-made IR operations (the spec loader is tested elsewhere)."""

from __future__ import annotations

from typing import Any

from toolsync.ir import MediaType, Operation, Parameter, ParamLocation, RequestBody, Response, Server, Spec

SERVERS = (Server("https://api.example.test/v1"),)


def param(name: str, location: str = "query", schema: dict[str, Any] | None = None, *, required: bool = False,
          description: str = "", **kw: Any) -> Parameter:
    loc = ParamLocation(location)
    defaults = {"style": "simple", "explode": False} if loc in (ParamLocation.PATH, ParamLocation.HEADER) else {}
    return Parameter(name=name, location=loc, schema=schema if schema is not None else {"type": "string"},
                     required=required or loc == ParamLocation.PATH, description=description,
                     **{**defaults, **kw})


def body(schema: Any, media_type: str = "application/json", *, required: bool = True, description: str = "",
         encoding: dict[str, Any] | None = None) -> RequestBody:
    return RequestBody(content=(MediaType(media_type, schema, encoding or {}),), required=required,
                       description=description)


def ok(schema: Any, status: str = "200", media_type: str = "application/json") -> Response:
    return Response(status=status, description="OK", content=(MediaType(media_type, schema),))


def op(method: str, path: str, operation_id: str | None = None, *, params: tuple[Parameter, ...] = (),
       request_body: RequestBody | None = None, responses: tuple[Response, ...] = (), **kw: Any) -> Operation:
    return Operation(method=method, path=path, operation_id=operation_id, parameters=params,
                     request_body=request_body, responses=responses, servers=SERVERS, **kw)


def spec(*operations: Operation, name: str = "pets", version: str = "1.0.0") -> Spec:
    return Spec(name=name, source=f"{name}.yaml", title="Pets", version=version, openapi_version="3.1.0",
                operations=tuple(operations), servers=SERVERS)
