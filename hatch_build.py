"""
Wheel build hook: compile the conversion hot path with mypyc.

Loading a large spec is pure Python work on many small dicts (resolving refs, cleaning schemas,
rendering and gating each provider's definitions); compiled, the same code takes a quarter to a third
less time.
Only wheels are compiled: an editable install stays pure Python, so that an edit to a module takes
effect without a rebuild. Set ``TOOLSYNC_PURE_PYTHON=1`` to build a pure wheel; a build that cannot
compile (no C compiler) falls back to a pure wheel with a warning, unless ``TOOLSYNC_REQUIRE_COMPILED=1``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# The modules a spec load runs through, one mypyc group. Modules that hold the public data model
# (ir, tool) stay interpreted: compiled classes cannot be subclassed or patched by users.
COMPILED = (
    "_json.py", "convert/annotations.py", "convert/build.py", "convert/hashing.py", "convert/inputs.py",
    "convert/merge.py", "convert/naming.py", "convert/schema.py", "convert/text.py", "convert/walk.py",
    "formats/_common.py", "formats/_passes.py", "formats/_strict.py", "formats/anthropic.py",
    "formats/gemini.py", "formats/mcp.py", "formats/openai.py",
    "gates/_anthropic.py", "gates/_gemini.py", "gates/_mcp.py", "gates/_memo.py", "gates/_metaschema.py",
    "gates/_openai.py", "gates/_report.py", "gates/_schema.py", "gates/_structure.py", "gates/_tools.py",
    "spec/extract.py", "spec/normalize.py", "spec/refs.py",
)

# Third-party packages are not installed in an isolated build environment: their types are Any here,
# which is what mypyc treats them as anyway. ``mypy --strict`` runs on the full environment in CI. No
# python_version: the modules are checked for the interpreter they are compiled for.
_MYPY_CONFIG = """\
[mypy]
mypy_path = {src}
ignore_missing_imports = True
"""

_SETUP = """\
from setuptools import setup
from mypyc.build import mypycify

setup(name="toolsync-compiled", ext_modules=mypycify(
    ["--config-file", {config!r}, *{paths!r}], opt_level="3", target_dir={target!r}))
"""


class CompileHook(BuildHookInterface):  # type: ignore[type-arg]
    """Adds the compiled modules to a (non-editable) wheel."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable" or os.environ.get("TOOLSYNC_PURE_PYTHON") == "1":
            return
        try:
            built = self._compile()
        except (OSError, subprocess.CalledProcessError) as exc:
            if os.environ.get("TOOLSYNC_REQUIRE_COMPILED") == "1":
                raise
            detail = getattr(exc, "output", b"") or b""
            sys.stderr.write(f"toolsync: building a pure-Python wheel, the compiled modules failed to build "
                             f"({exc}):\n{detail.decode(errors='replace')[-4000:]}\n")
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        build_data["force_include"].update(built)

    def _compile(self) -> dict[str, str]:
        """Build the extension modules in a scratch folder; returns {built file: path in the wheel}."""
        root = Path(self.root)
        src = root / "src"
        scratch = Path(tempfile.mkdtemp(prefix="toolsync-mypyc-"))
        self._scratch = scratch  # kept until finalize: the wheel is written from these files
        config = scratch / "mypy.ini"
        config.write_text(_MYPY_CONFIG.format(src=src))
        paths = [str(src / "toolsync" / name) for name in COMPILED]
        setup = scratch / "setup.py"
        setup.write_text(_SETUP.format(config=str(config), paths=paths, target=str(scratch / "c")))
        out = scratch / "lib"
        subprocess.run([sys.executable, str(setup), "build_ext", "--build-lib", str(out),
                        "--build-temp", str(scratch / "tmp")],
                       cwd=scratch, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
        built = {str(path): path.relative_to(out).as_posix() for path in out.rglob(f"*{suffix}")}
        expected = {f"toolsync/{name[:-3]}{suffix}" for name in COMPILED}
        missing = expected - set(built.values())
        if missing:
            raise OSError(f"mypyc did not produce {sorted(missing)}")
        return built

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        scratch = getattr(self, "_scratch", None)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
