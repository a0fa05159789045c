"""load_spec and friends: files, URLs, dicts, refs confined to the spec's folder, and load_many."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
import yaml

from toolsync.config import RefPolicy, SpecConfig
from toolsync.errors import FetchBlockedError, LimitError, ParseError, RefError, SourceError
from toolsync.limits import FetchPolicy, Limits
from toolsync.spec import aload_spec, expand_sources, load_bytes, load_config, load_many, load_spec, read_file

from .conftest import PETSTORE, Reply, Server


def spec_with_ref(ref: str) -> str:
    """A one-operation spec whose single parameter is the given $ref."""
    return yaml.safe_dump({
        "openapi": "3.0.3",
        "info": {"title": "Refs", "version": "1"},
        "paths": {"/items": {"get": {"parameters": [{"$ref": ref}],
                                     "responses": {"200": {"description": "ok"}}}}},
    })


PARAM = "limit:\n  name: limit\n  in: query\n  schema: {type: integer}\n"


def write_tree(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "common").mkdir(exist_ok=True)
    (root / "common" / "params.yaml").write_text(PARAM)
    spec = root / "spec.yaml"
    spec.write_text(spec_with_ref("common/params.yaml#/limit"))
    return spec


def test_load_file_with_relative_refs(tmp_path: Path) -> None:
    """Relative refs inside the folder resolve; the files are listed and counted in the fingerprint."""
    spec_path = write_tree(tmp_path / "api")
    spec = load_spec(spec_path)
    assert [op.key for op in spec.operations] == ["GET /items"]
    assert spec.operations[0].parameters[0].name == "limit"
    params = str((tmp_path / "api" / "common" / "params.yaml").resolve())
    assert params in spec.referenced_files
    root_only = read_file(spec_path, limits=Limits()).fingerprint
    assert spec.fingerprint != root_only
    (tmp_path / "api" / "common" / "params.yaml").write_text(PARAM.replace("integer", "string"))
    assert load_spec(spec_path).fingerprint != spec.fingerprint


def test_load_file_url_path_and_pathlike(tmp_path: Path) -> None:
    """A path string, a Path and a file:// URL name the same spec."""
    spec_path = write_tree(tmp_path / "api")
    by_str = load_spec(str(spec_path))
    assert load_spec(spec_path).fingerprint == by_str.fingerprint
    assert load_spec(spec_path.as_uri()).fingerprint == by_str.fingerprint


@pytest.mark.parametrize("ref", [
    "/etc/passwd#/x",
    "file:///etc/passwd#/x",
    "../outside.yaml#/limit",
    "common/../../outside.yaml#/limit",
    "link.yaml#/limit",
    "file://otherhost/etc/passwd#/x",
])
def test_refs_cannot_leave_the_folder(tmp_path: Path, ref: str) -> None:
    """Absolute paths, .. and symbolic links out of the spec's folder are refused, naming the ref."""
    api = tmp_path / "api"
    write_tree(api)
    (tmp_path / "outside.yaml").write_text(PARAM)
    (api / "link.yaml").symlink_to(tmp_path / "outside.yaml")
    (api / "spec.yaml").write_text(spec_with_ref(ref))
    with pytest.raises(RefError) as info:
        load_spec(api / "spec.yaml")
    assert "outside.yaml" in str(info.value) or "passwd" in str(info.value)


@pytest.mark.parametrize("ref", [
    "http://169.254.169.254/latest/meta-data#/x",
    "http://2130706433/spec.yaml#/x",
    "http://[::ffff:127.0.0.1]/spec.yaml#/x",
])
def test_remote_refs_are_off_by_default_and_guarded_when_on(tmp_path: Path, ref: str) -> None:
    """Remote refs need allow_remote_refs, and then still go through the fetch guard."""
    (tmp_path / "spec.yaml").write_text(spec_with_ref(ref))
    with pytest.raises(RefError, match="allow_remote_refs"):
        load_spec(tmp_path / "spec.yaml")
    with pytest.raises(FetchBlockedError):
        load_spec(tmp_path / "spec.yaml", fetch=FetchPolicy(allow_remote_refs=True))


def test_other_schemes_are_refused(tmp_path: Path) -> None:
    """A ref to a scheme other than file or http(s) is refused."""
    (tmp_path / "spec.yaml").write_text(spec_with_ref("ftp://example.com/x.yaml#/limit"))
    with pytest.raises(RefError, match="only files"):
        load_spec(tmp_path / "spec.yaml")


def test_missing_ref_file_can_be_skipped(tmp_path: Path) -> None:
    """A ref to a missing file fails the spec, or skips the operation under RefPolicy.SKIP."""
    (tmp_path / "spec.yaml").write_text(spec_with_ref("gone.yaml#/limit"))
    with pytest.raises(RefError, match=r"gone\.yaml"):
        load_spec(tmp_path / "spec.yaml")
    spec = load_spec(tmp_path / "spec.yaml", on_unresolved_ref=RefPolicy.SKIP)
    assert spec.operations == ()


def test_referenced_file_count_is_limited(tmp_path: Path) -> None:
    """More referenced files than limits.max_ref_files is a LimitError."""
    refs = [f"p{i}.yaml#/limit" for i in range(3)]
    for i in range(3):
        (tmp_path / f"p{i}.yaml").write_text(PARAM.replace("name: limit", f"name: p{i}"))
    document = yaml.safe_load(spec_with_ref(refs[0]))
    document["paths"]["/items"]["get"]["parameters"] = [{"$ref": r} for r in refs]
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(document))
    assert len(load_spec(tmp_path / "spec.yaml").operations[0].parameters) == 3
    with pytest.raises(LimitError, match="max_ref_files"):
        load_spec(tmp_path / "spec.yaml", limits=Limits(max_ref_files=2))


def test_hostile_bytes_fail_cleanly(tmp_path: Path) -> None:
    """Binary garbage, an empty file and deep nesting end in SpecErrors naming the file."""
    cases = {"garbage.yaml": bytes(range(256)) * 8, "empty.yaml": b"", "blank.yaml": b"  \n\n",
             "deep.json": b"[" * 100_000 + b"]" * 100_000}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises((ParseError, LimitError)) as info:
            load_spec(tmp_path / name)
        assert info.value.source == str(tmp_path / name)


def test_load_from_url_with_same_origin_refs(server: Server) -> None:
    """A spec served over HTTP reaches relative refs on its origin only when remote refs are allowed."""
    server.routes["/api/spec.yaml"] = Reply(200, spec_with_ref("params.yaml#/limit").encode())
    server.routes["/api/params.yaml"] = Reply(200, PARAM.encode())
    policy = FetchPolicy(allowed_hosts=("127.0.0.1",))
    with pytest.raises(RefError, match="allow_remote_refs"):
        load_spec(server.url("/api/spec.yaml"), fetch=policy)
    spec = load_spec(server.url("/api/spec.yaml"), fetch=dataclasses.replace(policy, allow_remote_refs=True))
    assert spec.operations[0].parameters[0].name == "limit"
    assert spec.source == server.url("/api/spec.yaml")


def test_url_spec_cannot_read_local_files(server: Server, tmp_path: Path) -> None:
    """A spec fetched from a URL never reads local files, even with remote refs allowed."""
    (tmp_path / "params.yaml").write_text(PARAM)
    server.routes["/spec.yaml"] = Reply(200, spec_with_ref((tmp_path / "params.yaml").as_uri() + "#/limit")
                                        .encode())
    policy = FetchPolicy(allowed_hosts=("127.0.0.1",), allow_remote_refs=True)
    with pytest.raises(RefError, match="cannot read local files"):
        load_spec(server.url("/spec.yaml"), fetch=policy)


async def test_aload_spec_file_and_url(server: Server, tmp_path: Path) -> None:
    """aload_spec loads files and URLs like load_spec."""
    server.routes["/pets.yaml"] = Reply(200, PETSTORE, {"Content-Type": "application/yaml"})
    url_spec = await aload_spec(server.url("/pets.yaml"), fetch=FetchPolicy(allowed_hosts=("127.0.0.1",)))
    (tmp_path / "pets.yaml").write_bytes(PETSTORE)
    file_spec = await aload_spec(tmp_path / "pets.yaml", name="pets")
    assert url_spec.fingerprint == file_spec.fingerprint
    assert file_spec.name == "pets"
    assert [op.operation_id for op in url_spec.operations] == ["listPets"]


def test_load_mapping_copies_and_normalizes_keys() -> None:
    """An in-memory dict is copied: int response codes become strings and the caller's dict is untouched."""
    document = {"openapi": "3.1.0", "info": {"title": "Mem", "version": "1"},
                "paths": {"/a": {"get": {"responses": {200: {"description": "ok"}}}}}}
    spec = load_spec(document)
    assert spec.operations[0].responses[0].status == "200"
    assert 200 in document["paths"]["/a"]["get"]["responses"]  # type: ignore[index]
    assert spec.fingerprint == load_spec(dict(document)).fingerprint


def test_load_mapping_refuses_external_refs_and_odd_values() -> None:
    """A dict cannot reach files, and values JSON cannot hold are a ParseError."""
    with pytest.raises(RefError):
        load_spec(yaml.safe_load(spec_with_ref("/etc/passwd#/x")))
    with pytest.raises(ParseError, match="JSON cannot represent"):
        load_spec({"openapi": "3.1.0", "info": {"title": object()}})


def test_load_config_and_load_bytes(tmp_path: Path) -> None:
    """load_config passes the configured name; load_bytes builds from bytes already read."""
    spec_path = write_tree(tmp_path)
    assert load_config(SpecConfig(source=str(spec_path), name="configured")).name == "configured"
    payload = read_file(spec_path, limits=Limits())
    assert load_bytes(payload).fingerprint == load_spec(spec_path).fingerprint


def test_missing_source(tmp_path: Path) -> None:
    """A missing file is a SourceError; a folder needs load_many."""
    with pytest.raises(SourceError, match="no such file"):
        load_spec(tmp_path / "nope.yaml")
    with pytest.raises(SourceError, match="load_many"):
        load_spec(tmp_path)


def test_load_many_expands_folders_and_keeps_going(tmp_path: Path) -> None:
    """Folders expand to their specs; one bad spec does not stop the rest; each result is reported."""
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "a.yaml").write_bytes(PETSTORE)
    (folder / "b.yaml").write_bytes(PETSTORE.replace(b"Petstore", b"Other"))
    (folder / "broken.yaml").write_bytes(b"openapi: 3.0.0\npaths: [\n")
    (folder / "notes.yaml").write_text("a: 1\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    seen: list[str] = []
    results = load_many([folder, tmp_path / "missing.yaml", empty], on_result=lambda r: seen.append(r.source))
    assert [os.path.basename(r.source) for r in results] == ["a.yaml", "b.yaml", "broken.yaml", "missing.yaml",
                                                             "empty"]
    assert [r.ok for r in results] == [True, True, False, False, False]
    assert isinstance(results[2].error, ParseError)
    assert seen == [r.source for r in results]
    expansion = expand_sources([folder])
    assert [os.path.basename(p) for p, _ in expansion.ignored] == ["notes.yaml"]


def test_a_large_spec_is_fingerprinted_while_it_is_parsed(tmp_path: Path) -> None:
    """Past a megabyte the file's sha256 is taken on another thread: the same fingerprint, refs counted too."""
    import hashlib

    import orjson

    paths = {f"/items/{i}": {"get": {"operationId": f"get{i}", "description": "x" * 200,
                                     "responses": {"200": {"description": "ok"}}}} for i in range(5000)}
    document = {"openapi": "3.1.0", "info": {"title": "Big", "version": "1"}, "paths": paths}
    path = tmp_path / "big.json"
    path.write_bytes(orjson.dumps(document))
    assert path.stat().st_size > 2**20
    spec = load_spec(path)
    assert spec.fingerprint == hashlib.sha256(path.read_bytes()).hexdigest() == read_file(path, limits=Limits()).fingerprint
    assert len(spec.operations) == 5000
    path.write_bytes(b"{" + path.read_bytes()[1:-1])  # a half-written copy: the error names the file
    with pytest.raises(ParseError) as info:
        load_spec(path)
    assert info.value.source == str(path)
