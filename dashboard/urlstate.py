"""Every selection in the URL's query string: parse and serialise, so a copied link reopens the view."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TABS = ("trends", "rankings", "compare", "peers", "definitions", "data", "documents", "upload")
LIST_SEP = ","


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


def _parse(field: Field, raw: str) -> Any:
    """The typed value of one parameter, or the field's default when the text is not valid."""
    if field.kind == "int":
        try:
            return int(raw)
        except ValueError:
            return field.default
    if field.kind == "bool":
        return raw.lower() in ("1", "true", "yes")
    if field.kind == "list":
        return tuple(x for x in raw.split(LIST_SEP) if x)
    if field.kind == "choice":
        return raw if raw in field.choices else field.default
    return raw or field.default


def _format(field: Field, value: Any) -> str:
    if field.kind == "bool":
        return "1" if value else "0"
    if field.kind == "list":
        return LIST_SEP.join(str(v) for v in value)
    return str(value)


def read_state(params: Mapping[str, str]) -> dict[str, Any]:
    """Every field's value from query parameters; absent or invalid ones take the default."""
    return {f.name: (_parse(f, str(params[f.name])) if f.name in params else f.default) for f in FIELDS}


def write_state(state: Mapping[str, Any]) -> dict[str, str]:
    """Query parameters for `state`, leaving out defaults so links stay short."""
    out: dict[str, str] = {}
    for f in FIELDS:
        value = state.get(f.name, f.default)
        if f.kind == "list":
            value = tuple(value or ())
        if value is None or value == f.default:
            continue
        out[f.name] = _format(f, value)
    return out
