"""Extraction pipeline: government reports in, a tidy metrics dataset out."""

from pipeline.extract import extract

__all__ = ["extract", "build_dataset"]


def __getattr__(name: str):
    if name == "build_dataset":  # lazy: keeps `import pipeline` light for worker processes
        from pipeline.dataset import build_dataset

        return build_dataset
    raise AttributeError(name)
