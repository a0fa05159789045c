"""``toolsync load``: read specs from files, folders and URLs and report what each one holds."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..config import RefPolicy
from ..errors import SpecError, ToolsyncError
from ..ir import Severity, Spec
from ..limits import FetchPolicy, Limits
from ..spec.loader import Expansion, LoadResult, expand_sources, is_url, load_spec
from ._app import app

__all__ = ["load"]

# Above this many bytes a single file gets a progress bar too: parsing it takes noticeable time.
_LARGE_FILE = 4 * 1024 * 1024


@app.command()
def load(
    sources: Annotated[list[str], typer.Argument(help="Spec files, folders of specs, or http(s) URLs.",
                                                 metavar="SPEC...")],
    json_output: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
    allow_private: Annotated[bool, typer.Option(
        "--allow-private", help="Allow URLs on loopback and private networks.")] = False,
    allow_remote_refs: Annotated[bool, typer.Option(
        "--allow-remote-refs", help="Follow $refs to http(s) URLs (through the same fetch guard).")] = False,
    skip_unresolved: Annotated[bool, typer.Option(
        "--skip-unresolved", help="Skip operations whose $refs cannot be resolved instead of failing.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds allowed for each URL download.", min=0.1)] = 15.0,
) -> None:
    """Load every spec and show its operations, warnings and status; exit 1 if any spec failed."""
    limits = Limits()
    fetch = FetchPolicy(timeout=timeout, allow_private=allow_private, allow_remote_refs=allow_remote_refs)
    policy = RefPolicy.SKIP if skip_unresolved else RefPolicy.FAIL
    expansion = expand_sources(sources, limits=limits)
    err = Console(stderr=True)
    with _progress(err, expansion, quiet=json_output) as advance:
        results = [_run(entry, limits, fetch, policy, advance) for entry in expansion.entries]
    if json_output:
        typer.echo(orjson.dumps(_json_report(results, expansion), option=orjson.OPT_INDENT_2).decode())
    else:
        _print_report(results, expansion, Console(), err)
    if not results or not all(result.ok for result in results):
        raise typer.Exit(1)


def _run(entry: str | LoadResult, limits: Limits, fetch: FetchPolicy, policy: RefPolicy,
         advance: Any) -> LoadResult:
    if isinstance(entry, LoadResult):
        advance(entry.source)
        return entry
    try:
        result = LoadResult(entry, spec=load_spec(entry, limits=limits, fetch=fetch, on_unresolved_ref=policy))
    except ToolsyncError as exc:
        result = LoadResult(entry, error=exc)
    except Exception as exc:  # noqa: BLE001 - a bug must still end in a clear line, not a traceback
        result = LoadResult(entry, error=SpecError(f"internal error ({type(exc).__name__}: {exc}); please report "
                                                   "it with the spec attached", source=entry))
    advance(entry)
    return result


@contextmanager
def _progress(console: Console, expansion: Expansion, *, quiet: bool) -> Iterator[Any]:
    """A progress bar on stderr when there are several specs or a large one; otherwise nothing."""
    entries = expansion.entries
    if quiet or not (len(entries) > 1 or any(_is_large(e) for e in entries)):
        yield lambda source: None
        return
    columns = (TextColumn("loading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.description}"))
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("", total=len(entries))

        def advance(source: str) -> None:
            progress.update(task, advance=1, description=escape(os.path.basename(source.rstrip("/"))))

        yield advance


def _is_large(entry: str | LoadResult) -> bool:
    if isinstance(entry, LoadResult):
        return False
    if is_url(entry):
        return True  # a URL's size is unknown until it arrives
    try:
        return os.path.getsize(entry) > _LARGE_FILE
    except OSError:
        return False


def _warnings(spec: Spec) -> int:
    return sum(1 for d in spec.diagnostics if d.severity != Severity.INFO)


def _print_report(results: list[LoadResult], expansion: Expansion, out: Console, err: Console) -> None:
    table = Table(title="Specs", title_justify="left")
    for column in ("spec", "source", "openapi", "version", "operations", "warnings", "status"):
        table.add_column(column, justify="right" if column in ("operations", "warnings") else "left",
                         overflow="fold")
    for result in results:
        table.add_row(*_row(result))
    out.print(table)
    failed = [r for r in results if not r.ok]
    ok = len(results) - len(failed)
    operations = sum(len(r.spec.operations) for r in results if r.spec is not None)
    out.print(f"{ok} loaded, {len(failed)} failed, {operations} operations")
    for path, reason in expansion.ignored:
        err.print(f"[dim]skipped {escape(path)}: {escape(reason)}[/dim]")
    for result in failed:
        err.print(f"[red]error[/red] {escape(str(result.error))}")


def _row(result: LoadResult) -> tuple[str, ...]:
    spec = result.spec
    if spec is None:
        kind = type(result.error).__name__ if result.error else "error"
        return ("-", escape(result.source), "-", "-", "-", "-", f"[red]failed ({kind})[/red]")
    warnings = _warnings(spec)
    return (escape(spec.name), escape(result.source), escape(spec.openapi_version), escape(spec.version),
            str(len(spec.operations)), f"[yellow]{warnings}[/yellow]" if warnings else "0", "[green]ok[/green]")


def _json_report(results: list[LoadResult], expansion: Expansion) -> dict[str, Any]:
    return {
        "ok": bool(results) and all(r.ok for r in results),
        "specs": [_json_result(r) for r in results],
        "ignored": [{"path": path, "reason": reason} for path, reason in expansion.ignored],
    }


def _json_result(result: LoadResult) -> dict[str, Any]:
    out: dict[str, Any] = {"source": result.source, "ok": result.ok}
    spec = result.spec
    if spec is not None:
        out.update(name=spec.name, title=spec.title, version=spec.version, openapi_version=spec.openapi_version,
                   operations=len(spec.operations), fingerprint=spec.fingerprint,
                   referenced_files=list(spec.referenced_files),
                   diagnostics=[{"code": d.code, "severity": str(d.severity), "message": d.message,
                                 "pointer": d.pointer} for d in spec.diagnostics])
    if result.error is not None:
        out["error"] = result.error.to_dict()
    return out
