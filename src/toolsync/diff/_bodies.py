"""Request body and success response checks: presence, required flag, media types, schemas."""

from __future__ import annotations

from collections.abc import Iterator

from ..ir import MediaType, Operation, RequestBody
from ._finding import Finding, FindingSeverity
from ._pair import OperationPair, op_pointer, pointer
from ._schema import Side

__all__ = ["body_findings", "response_findings"]

B, W, I = FindingSeverity.BREAKING, FindingSeverity.WARNING, FindingSeverity.INFO
_WHERE = "the request body"


def _name(media: MediaType) -> str:
    return media.media_type.split(";")[0].strip().lower()


def _names(content: tuple[MediaType, ...]) -> dict[str, MediaType]:
    return {_name(media): media for media in content}


def _body_pointer(op: Operation, body: RequestBody) -> str:
    return pointer(body.pointer) if body.pointer else pointer(op_pointer(op), "requestBody")


def _counterpart(media: MediaType, content: tuple[MediaType, ...]) -> MediaType | None:
    """The same media type on the other side, else the one toolsync would send there."""
    return _names(content).get(_name(media)) or RequestBody(content).preferred()


def body_findings(pair: OperationPair) -> Iterator[Finding]:
    """Everything that changed about the request body."""
    before, after = pair.old.request_body, pair.new.request_body
    if before is None:
        if after is not None:
            yield _body_added(pair, after)
        return
    if after is None:
        yield pair.finding("request.body.removed", B,
                           f"{pair.key} no longer takes a request body; calls that send one may now fail",
                           old_pointer=_body_pointer(pair.old, before))
        return
    old_at, new_at = _body_pointer(pair.old, before), _body_pointer(pair.new, after)
    if after.required and not before.required:
        yield pair.finding("request.body.became-required", B, pair.about(_WHERE, "became required"),
                           old_pointer=old_at, new_pointer=new_at)
    elif before.required and not after.required:
        yield pair.finding("request.body.became-optional", I, pair.about(_WHERE, "became optional"),
                           old_pointer=old_at, new_pointer=new_at)
    yield from _body_media(pair, before, after, old_at, new_at)
    used = before.preferred()
    other = _counterpart(used, after.content) if used else None
    if used is not None and other is not None:
        changes = pair.request.compare(used.schema, other.schema)
        yield from pair.schema_findings(changes, Side.REQUEST, _WHERE,
                                        pointer(old_at, "content", used.media_type, "schema"),
                                        pointer(new_at, "content", other.media_type, "schema"))


def _body_added(pair: OperationPair, after: RequestBody) -> Finding:
    at = _body_pointer(pair.new, after)
    if after.required:
        return pair.finding("request.body.added-required", B, f"{pair.key} now requires a request body",
                            new_pointer=at)
    return pair.finding("request.body.added-optional", I, f"{pair.key} now accepts an optional request body",
                        new_pointer=at)


def _body_media(pair: OperationPair, before: RequestBody, after: RequestBody, old_at: str,
                new_at: str) -> Iterator[Finding]:
    old, new = _names(before.content), _names(after.content)
    used = before.preferred()
    for name in sorted(old.keys() - new.keys()):
        was_used = used is not None and _name(used) == name
        phrase = ("the media type toolsync sends" if was_used else "an alternative media type")
        yield pair.finding("request.body.media-type-removed", B if was_used else W,
                           pair.about(_WHERE, f"no longer accepts `{name}` ({phrase})"),
                           old_pointer=pointer(old_at, "content", old[name].media_type), media_type=name,
                           was_used=was_used)
    for name in sorted(new.keys() - old.keys()):
        yield pair.finding("request.body.media-type-added", I, pair.about(_WHERE, f"now also accepts `{name}`"),
                           new_pointer=pointer(new_at, "content", new[name].media_type), media_type=name)


def response_findings(pair: OperationPair) -> Iterator[Finding]:
    """Changes to the success response: status, media types and the schema the agent reads."""
    before, after = pair.old.success_response(), pair.new.success_response()
    if before is None:
        return
    old_at = pointer(op_pointer(pair.old), "responses", before.status)
    if after is None:
        yield pair.finding("response.success.removed", W,
                           f"{pair.key} no longer documents its success response {before.status}",
                           old_pointer=old_at, status=before.status)
        return
    new_at = pointer(op_pointer(pair.new), "responses", after.status)
    if before.status != after.status:
        yield pair.finding("response.success.status-changed", W,
                           f"The success response of {pair.key} changed from {before.status} to {after.status}",
                           old_pointer=old_at, new_pointer=new_at, old=before.status, new=after.status)
    where = f"the {after.status} response"
    old, new = _names(before.content), _names(after.content)
    for name in sorted(old.keys() - new.keys()):
        yield pair.finding("response.media-type-removed", W, pair.about(where, f"is no longer sent as `{name}`"),
                           old_pointer=pointer(old_at, "content", old[name].media_type), media_type=name)
    used = RequestBody(before.content).preferred()
    other = _counterpart(used, after.content) if used else None
    if used is not None and other is not None:
        changes = pair.response.compare(used.schema, other.schema)
        yield from pair.schema_findings(changes, Side.RESPONSE, where,
                                        pointer(old_at, "content", used.media_type, "schema"),
                                        pointer(new_at, "content", other.media_type, "schema"))
