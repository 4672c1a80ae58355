"""One value per (agency, year, metric, scope): analyst correction > table > narrative.

Disagreeing sources are kept in `alternatives` and flagged `conflict`, never silently dropped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.record import MetricRecord
from pipeline.schema import RESOLVED_COLUMNS

SOURCE_RANK = {"correction": 0, "table": 1, "narrative": 2}
KEY = ["agency_id", "year", "metric", "scope"]


def source_of(method: str) -> str:
    """The source family of a record from its method id ('table:...', 'narrative:...')."""
    head = (method or "").split(":", 1)[0]
    return head if head in SOURCE_RANK else "narrative"


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def resolve_records(records: list[MetricRecord]) -> list[MetricRecord]:
    """Per document: the best record for each (metric, scope), conflicts flagged on the winner."""
    best: dict[tuple[str, str], list[MetricRecord]] = {}
    for r in records:
        best.setdefault((r.metric, r.scope), []).append(r)
    out = []
    for group in best.values():
        if len(group) == 1:  # most keys have one record: nothing to rank
            out.append(group[0])
            continue
        group = sorted(group, key=lambda r: (SOURCE_RANK[source_of(r.method)], -r.confidence, r.start))
        winner = group[0]
        if any(not _same(r.value, winner.value) for r in group[1:]):
            flags = [f for f in winner.flags.split(";") if f] + ["conflict"]
            winner = MetricRecord(**{**winner.to_dict(), "flags": ";".join(dict.fromkeys(flags))})
        out.append(winner)
    return sorted(out, key=lambda r: r.start)


def resolve_metrics(metrics: pd.DataFrame, corrections: pd.DataFrame | None = None) -> pd.DataFrame:
    """Dataset view: one row per (agency_id, year, metric, scope) with its source and conflicts.

    `corrections` rows (already matched to agency_id/year, see pipeline.corrections) win over
    everything extracted and carry the analyst's note.
    """
    frames = [metrics.assign(note="")]
    if corrections is not None and len(corrections):
        frames.append(corrections)
    allrows = (
        pd.concat([f for f in frames if len(f)], ignore_index=True)
        if any(len(f) for f in frames)
        else frames[0]
    )
    if allrows.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in RESOLVED_COLUMNS.items()})
    winners = choose_winners(allrows.assign(source=allrows["method"].map(source_of)))
    for col, dtype in RESOLVED_COLUMNS.items():
        if col not in winners:
            winners[col] = pd.NA
        winners[col] = winners[col].astype(dtype)
    return winners[list(RESOLVED_COLUMNS)].reset_index(drop=True)


def choose_winners(allrows: pd.DataFrame) -> pd.DataFrame:
    """The winning row of each KEY group with n_sources, conflict, alternatives and flags.

    `allrows` needs KEY, value, source, confidence, start and flags; any other column (such as a
    build's pointers back to its spooled rows) is carried through on the winners.
    """
    allrows = allrows.assign(
        _rank=allrows["source"].astype(str).map(SOURCE_RANK).fillna(9),
        _conf=-allrows["confidence"].astype("float64").fillna(0.0),
    ).sort_values(KEY + ["_rank", "_conf", "start"], na_position="last", kind="stable")
    grouped = allrows.groupby(KEY, sort=False, dropna=False, observed=True)
    first = grouped.cumcount() == 0
    winners = allrows[first].copy()
    winners["n_sources"] = grouped["value"].transform("size")[first].astype("Int64")
    # Whole-column work only: a per-group Python function costs hours on millions of rows.
    distinct = ~allrows.assign(_r=allrows["value"].round(6)).duplicated(KEY + ["_r"])
    keys = [allrows[k] for k in KEY]
    n_values = distinct.groupby(keys, sort=False, dropna=False, observed=True).transform("sum")
    winners["conflict"] = (n_values[first] > 1).astype(bool)
    winners["alternatives"] = _alternatives(allrows, first)
    flags = winners["flags"].astype(object).fillna("").astype(str).to_numpy(dtype=object)
    for i in np.flatnonzero(winners["conflict"].to_numpy()):  # only the conflicting few are rewritten
        flags[i] = ";".join(x for x in dict.fromkeys(flags[i].split(";") + ["conflict"]) if x)
    winners["flags"] = flags
    return winners.drop(columns=["_rank", "_conf"])


def choose_winners_in_batches(allrows: pd.DataFrame, max_rows: int) -> pd.DataFrame:
    """choose_winners over runs of whole (agency_id, year) groups, about `max_rows` rows a run:
    the same rows in the same order as one call (a key never spans two runs, and the runs follow
    the key order), with working memory bounded by the run rather than by the agency. Sorting and
    grouping copy the rows several times; on the shard of an agency with thousands of reports
    that was ~70 MiB. A run holds at most `max_rows` rows plus its last group."""
    if len(allrows) <= max_rows:
        return choose_winners(allrows)
    # Group numbers follow choose_winners' sort: categories in their order, missing years last.
    group = allrows.groupby(["agency_id", "year"], sort=True, dropna=False, observed=True).ngroup()
    sizes = np.bincount(group.to_numpy())
    run_of_group = (np.cumsum(sizes) - sizes) // max_rows  # each run starts within its max_rows slot
    run = run_of_group[group.to_numpy()]
    return pd.concat([choose_winners(allrows[run == r]) for r in np.unique(run_of_group)])


def _alternatives(allrows: pd.DataFrame, first: pd.Series) -> np.ndarray:
    """For each winner (rows sorted by KEY, winner first): "source=value; ..." of the other rows.

    The losers of a key follow their winner, so each winner's alternatives are the run of
    non-winner rows after it: one join per run, no per-group pandas objects.
    """
    is_first = first.to_numpy()
    out = np.full(int(is_first.sum()), "", dtype=object)
    losers = np.flatnonzero(~is_first)
    if not len(losers):
        return out
    owner = np.cumsum(is_first)[losers] - 1  # which winner each loser belongs to
    sources = allrows["source"].astype(str).to_numpy()[losers]
    values = allrows["value"].to_numpy(dtype="float64")[losers]
    labels = [f"{s}={v:g}" for s, v in zip(sources, values, strict=True)]
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    ends = np.r_[starts[1:], len(owner)]
    for a, b in zip(starts, ends, strict=True):
        out[owner[a]] = "; ".join(labels[a:b])
    return out
