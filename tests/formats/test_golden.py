"""Every format of every representative operation, compared byte for byte with a reviewed file."""

from __future__ import annotations

import pytest

from tests.formats.golden_support import GOLDEN, UPDATE, VARIANTS, as_bytes, document


@pytest.mark.parametrize("stem", sorted(VARIANTS))
def test_matches_golden_file(stem: str) -> None:
    """The rendering equals tests/formats/golden/<variant>.json exactly."""
    path = GOLDEN / f"{stem}.json"
    produced = as_bytes(document(stem))
    if UPDATE:
        path.write_bytes(produced)
        pytest.skip(f"wrote {path.name}; review it and run again")
    assert path.exists(), f"{path.name} is missing; create it with TOOLSYNC_UPDATE_GOLDEN=1 and review it"
    assert produced == path.read_bytes(), f"{path.name} differs; if the change is intended, review and update it"
