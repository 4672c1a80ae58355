"""Every selection in the URL's query string: parse and serialise, so a copied link reopens the view.

A list (agencies, provinces, ...) is one repeated parameter per item (?agencies=a&agencies=b), so an
item may hold any character, a comma included; links written before that (?agencies=a,b) still open:
resolve_list splits such an item only when its parts are offered options and it is not one itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

TABS = ("trends", "rankings", "compare", "peers", "definitions", "data", "documents", "upload")
LEGACY_SEP = ","  # how older links joined a list into one parameter


@dataclass(frozen=True)
class Field:
    name: str  # query parameter and widget key
    kind: str  # str | int | bool | list | choice
    default: Any = None
    choices: tuple[str, ...] = ()


# One row per selection the app offers; the app's widgets use these names as their keys.
FIELDS: tuple[Field, ...] = (
    Field("lang", "choice", "zh", ("zh", "en")),
    Field("tab", "choice", "trends", TABS),
    Field("metric", "str"),
    Field("scope", "choice", "annual", ("annual", "cumulative")),
    Field("province", "list", ()),
    Field("level", "list", ()),
    Field("kind", "list", ()),
    Field("sort", "choice", "value", ("value", "name")),
    Field("agencies", "list", ()),
    Field("y0", "int"),
    Field("y1", "int"),
    Field("mode", "choice", "absolute", ("absolute", "indexed", "yoy")),
    Field("log", "bool", False),
    Field("rank_year", "int"),
    Field("top", "int", 15),
    Field("mx", "str"),
    Field("my", "str"),
    Field("cy0", "int"),
    Field("cy1", "int"),
    Field("peer", "str"),
    Field("pgroup", "choice", "same", ("same", "selected", "all")),
    Field("doc", "str"),
)
BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}


def _parse(field: Field, raw: str | Sequence[str]) -> Any:
    """The typed value of one parameter, or the field's default when the text is not valid.

    `raw` is the parameter's text, or every value of a repeated parameter (a single-value field takes the
    last, as browsers do).
    """
    values = [raw] if isinstance(raw, str) else [str(v) for v in raw]
    if field.kind == "list":
        return tuple(v for v in values if v)
    if not values:
        return field.default
    last = values[-1]
    if field.kind == "int":
        try:
            return int(last)
        except ValueError:
            return field.default
    if field.kind == "bool":
        return last.lower() in ("1", "true", "yes")
    if field.kind == "choice":
        return last if last in field.choices else field.default
    return last or field.default


def read_state(params: Mapping[str, str | Sequence[str]]) -> dict[str, Any]:
    """Every field's value from query parameters; absent or invalid ones take the default."""
    return {f.name: (_parse(f, params[f.name]) if f.name in params else f.default) for f in FIELDS}


def write_state(state: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """Query parameters for `state` (a list as one value per item), leaving out defaults so links stay short."""
    out: dict[str, str | list[str]] = {}
    for f in FIELDS:
        value = state.get(f.name, f.default)
        if f.kind == "list":
            value = tuple(value or ())
        if value is None or value == f.default:
            continue
        if f.kind == "list":
            out[f.name] = [str(v) for v in value]
        elif f.kind == "bool":
            out[f.name] = "1" if value else "0"
        else:
            out[f.name] = str(value)
    return out


def as_lists(params: Mapping[str, str | Sequence[str]]) -> dict[str, list[str]]:
    """Parameters with every value as a list, for comparing what the URL holds with write_state's output."""
    return {k: [v] if isinstance(v, str) else [str(x) for x in v] for k, v in params.items()}


def not_offered(values: Iterable[str], options: Iterable[str]) -> list[str]:
    """The items of `values` that resolve_list drops: what a link asks for and the data no longer has."""
    offered = list(options)
    return [v for v in values if not resolve_list([v], offered)]


def resolve_list(values: Iterable[str], options: Iterable[str]) -> list[str]:
    """The offered options among `values`, in order; an item that is no option but whose comma-separated
    parts all are (a link from before repeated parameters) stands for those parts."""
    offered = set(options)
    out: list[str] = []
    for v in values:
        parts = [p for p in v.split(LEGACY_SEP) if p]
        if v in offered:
            out.append(v)
        elif parts and all(p in offered for p in parts):
            out.extend(parts)
    return list(dict.fromkeys(out))
