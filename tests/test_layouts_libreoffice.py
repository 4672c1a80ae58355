"""Generated reports laid out by a real layout engine (LibreOffice Writer) read like their text:
printed HTML pages and Word files as PDF, .doc and .rtf (scripts/check_layouts.py; 300 reports
there, 12 here to keep the suite quick)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

pytestmark = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="needs LibreOffice (scripts/setup.sh --dev installs it)"
)


def test_every_layout_gives_the_values_and_identities_of_the_text(tmp_path: Path) -> None:
    from check_layouts import LAYOUTS, check

    outcomes = check(12, seed=2026, work=tmp_path)
    assert set(outcomes) == set(LAYOUTS)
    for layout, o in outcomes.items():
        assert o.files == 12 and o.values > 300, layout
        assert (o.not_ok, o.lost, o.wrong, o.identities) == ([], 0, 0, 0), (layout, o.examples)
