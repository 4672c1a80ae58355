"""Extraction pipeline: government reports in, a tidy metrics dataset out."""

__all__ = ["extract", "build_dataset"]


def __getattr__(name: str):
    # Lazy: `import pipeline.catalog` (the dashboard) must not load the whole extraction stack.
    if name == "extract":
        from pipeline.extract import extract

        return extract
    if name == "build_dataset":
        from pipeline.dataset import build_dataset

        return build_dataset
    raise AttributeError(name)
