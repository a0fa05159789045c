"""
The peers' own virtualenv, ``benchmarks/.venv-peers``: FastMCP, openapi-llm, LlamaIndex's OpenAPI
tool spec and LangChain's OpenAPI conversion, kept apart from toolsync's dependencies.

Run::

    .venv/bin/python benchmarks/peers_env.py          # create or complete the virtualenv
    .venv/bin/python benchmarks/peers_env.py --versions

Creating it needs PyPI; once the packages are installed nothing is fetched again.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEERS_VENV = HERE / ".venv-peers"
PEERS_PYTHON = PEERS_VENV / "bin" / "python"

#: What the peer scripts import; ``openapi-pydantic`` is what LangChain's ``OpenAPISpec`` is built on.
PACKAGES: tuple[str, ...] = (
    "fastmcp",
    "openapi-llm",
    "llama-index-tools-openapi",
    "langchain-community",
    "langchain-classic",
    "openapi-pydantic",
    "httpx",
    "orjson",
    "PyYAML",
)
#: The distributions whose versions RESULTS.md reports.
REPORTED: tuple[str, ...] = ("fastmcp", "openapi-llm", "llama-index-tools-openapi", "llama-index-core",
                             "langchain-community", "langchain-classic", "openapi-pydantic", "orjson", "mcp",
                             "pydantic", "jsonref")
_IMPORT_CHECK = ("import fastmcp, openapi_llm, llama_index.tools.openapi, "
                 "langchain_community.utilities.openapi, langchain_classic.chains.openai_functions.openapi, "
                 "openapi_pydantic, orjson")


def ensure(quiet: bool = True) -> Path:
    """Create the peers' virtualenv when missing and install what is not importable yet; return its Python."""
    if not PEERS_PYTHON.exists():
        venv.EnvBuilder(with_pip=True, clear=False).create(PEERS_VENV)
    if _importable():
        return PEERS_PYTHON
    cmd = [str(PEERS_PYTHON), "-m", "pip", "install", "--disable-pip-version-check", *PACKAGES]
    if quiet:
        cmd.insert(4, "--quiet")
    subprocess.run(cmd, check=True)
    if not _importable():
        raise SystemExit(f"the peers' packages installed but do not import in {PEERS_VENV}; see pip's output")
    return PEERS_PYTHON


def _importable() -> bool:
    result = subprocess.run([str(PEERS_PYTHON), "-c", _IMPORT_CHECK], capture_output=True, check=False)
    return result.returncode == 0


def versions(python: Path = PEERS_PYTHON, names: tuple[str, ...] = REPORTED) -> dict[str, str]:
    """Installed versions of ``names`` in the environment of ``python`` (missing ones left out)."""
    code = ("import json, sys\nfrom importlib import metadata\nout = {}\n"
            "for n in sys.argv[1:]:\n    try: out[n] = metadata.version(n)\n"
            "    except metadata.PackageNotFoundError: pass\nprint(json.dumps(out))")
    result = subprocess.run([str(python), "-c", code, *names], capture_output=True, text=True, check=True)
    found: dict[str, str] = json.loads(result.stdout)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--versions", action="store_true", help="print the installed versions as JSON")
    args = parser.parse_args()
    python = ensure(quiet=False)
    if args.versions:
        json.dump(versions(python), sys.stdout, indent=2)
        print()


if __name__ == "__main__":
    main()
