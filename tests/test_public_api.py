"""The package's curated public names stay complete and importable."""

from __future__ import annotations

import inspect

import toolsync
from toolsync import errors


def test_all_lists_every_public_name() -> None:
    """__all__ names exactly the public attributes of the package (modules and the __future__ flag aside)."""
    public = {
        name
        for name, value in vars(toolsync).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }
    assert set(toolsync.__all__) == public


def test_every_error_is_exported_and_derives_from_the_base() -> None:
    """Every exception class in toolsync.errors is public and derives from ToolsyncError."""
    classes = {
        name: value
        for name, value in vars(errors).items()
        if inspect.isclass(value) and issubclass(value, Exception) and value.__module__ == errors.__name__
    }
    assert set(classes) == set(errors.__all__)
    for name, cls in classes.items():
        assert issubclass(cls, toolsync.ToolsyncError), name
        assert name in toolsync.__all__


def test_error_message_names_source_and_pointer() -> None:
    """str(error) puts the source and the JSON pointer before the message."""
    err = toolsync.RefError("cannot resolve", source="spec.yaml", pointer="#/paths/~1pets/get")
    assert str(err) == "spec.yaml at #/paths/~1pets/get: cannot resolve"
    assert err.to_dict()["source"] == "spec.yaml"
