"""What a build keeps of its document table once written: the summary's counts and agency names.

A build sees its documents one bucket at a time, in path order (doc_order), and lets each go once
written; these gather over the buckets what the rest of the build and meta.json need.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

FAILED = ("empty", "unreadable", "unsupported", "error")  # statuses of a file that could not be read
# Failed files named in the summary (meta.json): documents.csv lists every one. A folder may hold
# a million files that are not reports; listed in full, they made meta.json ~100 MB.
LISTED_FAILURES = 1_000


class DocumentCounts:
    """The summary's counts of documents: how many, by status, which failed, agencies, years."""

    def __init__(self, listed: int | None = None) -> None:
        self.listed = LISTED_FAILURES if listed is None else listed
        self.documents = 0
        self.status: Counter = Counter()
        self.failed = 0
        self.failures: list[str] = []
        self.agencies: set[str] = set()
        self.years: set[int] = set()

    def add(self, part: pd.DataFrame) -> None:
        self.documents += len(part)
        self.status.update(part["status"].astype(str))
        is_failed = part["status"].isin(FAILED).to_numpy()
        self.failed += int(is_failed.sum())
        room = self.listed - len(self.failures)
        if room > 0 and is_failed.any():
            failed = part[["path", "status", "message"]].iloc[np.flatnonzero(is_failed)[:room]]
            self.failures += [
                f"{p}: {s} - {m}"
                for p, s, m in zip(failed["path"], failed["status"], failed["message"], strict=True)
            ]
        self.agencies.update(str(a) for a in part["agency_id"].dropna().unique())
        self.years.update(int(y) for y in part["year"].dropna().unique())

    def summary(self) -> dict:
        return {
            "documents": self.documents,
            "status": dict(sorted(self.status.items())),
            "failed": self.failed,
            "failures": self.failures,
            "agencies": len(self.agencies),
            "years": sorted(self.years),
        }


class AgencyNames:
    """agency_id -> agency and region as the first document in path order names them: what derived
    indicators are labelled with. One row per agency, not per document."""

    def __init__(self) -> None:
        self._parts: list[pd.DataFrame] = []
        self._seen: set[str] = set()

    def add(self, part: pd.DataFrame) -> None:
        named = part["agency_id"].notna() & ~part["agency_id"].duplicated()
        rows = part.loc[named, ["agency_id", "agency", "region"]].astype("string")
        # A loop over this part's agencies: isin() would hash every agency seen so far, per part.
        new = [a not in self._seen for a in rows["agency_id"]]
        rows = rows[new]
        if len(rows):
            self._seen.update(rows["agency_id"])
            self._parts.append(rows)

    def table(self) -> pd.DataFrame:
        """Indexed by agency_id."""
        if not self._parts:
            return pd.DataFrame(
                {c: pd.Series(dtype="string") for c in ("agency_id", "agency", "region")}
            ).set_index("agency_id")
        return pd.concat(self._parts, ignore_index=True).set_index("agency_id")
