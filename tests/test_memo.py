"""Every memo cache of the pipeline is bounded, so a worker's memory does not grow with the corpus."""

from __future__ import annotations

import importlib
import pkgutil

import pipeline
from pipeline.memo import MEMO_SIZE

# Keyed by something whose kinds are few whatever the corpus: one character of text, or a rule
# prefix written in the generator's code.
FEW_KEYS = {
    "pipeline.text._char_t2s",
    "pipeline.synth._rules",
    "pipeline.synth._zero_rules",
    "pipeline.synth._cum_rules",
}


def _memo_caches() -> dict[str, object]:
    found = {}
    for info in pkgutil.iter_modules(pipeline.__path__):
        if info.name == "__main__":
            continue
        module = importlib.import_module(f"pipeline.{info.name}")
        for name, value in vars(module).items():
            if hasattr(value, "cache_info") and getattr(value, "__module__", None) == module.__name__:
                found[f"{module.__name__}.{name}"] = value
    return found


def test_the_extraction_core_has_memo_caches_to_check() -> None:
    caches = _memo_caches()
    assert {"pipeline.agencies.clean_name", "pipeline.numbers._parse_cached"} <= caches.keys()


def test_every_memo_cache_is_bounded_by_memo_size() -> None:
    unbounded = {
        name: f.cache_parameters()["maxsize"]
        for name, f in _memo_caches().items()
        if name not in FEW_KEYS
        and (f.cache_parameters()["maxsize"] is None or f.cache_parameters()["maxsize"] > MEMO_SIZE)
    }
    assert not unbounded, f"memo caches above MEMO_SIZE={MEMO_SIZE} (they grow with the corpus): {unbounded}"
