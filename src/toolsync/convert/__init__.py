"""
Operations to provider-neutral tools.

:func:`build_tools` turns a whole :class:`~toolsync.ir.Spec` into a :class:`ToolBuild`
(tools sorted by name, plus the operations that could not be converted and why);
:func:`build_tool` converts one operation. Names come from :func:`assign_names`
(``toolsync.convert.naming`` documents the algorithm). Rendering for a provider is
``toolsync.formats``.
"""

from __future__ import annotations

from .build import ToolBuild, build_tool, build_tools
from .naming import assign_names
from .options import ToolOptions

__all__ = ["ToolBuild", "ToolOptions", "assign_names", "build_tool", "build_tools"]
