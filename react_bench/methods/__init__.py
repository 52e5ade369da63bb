"""The methods registry. Entries are lazy; ``baselines`` registers its own on import."""

from __future__ import annotations

from ..registry import Registry
from .base import Method

METHODS: Registry = Registry("method")

METHODS.register("regnn", "react_bench.methods.regnn:REGNNMethod",
                 "REGNN (Xu et al. 2023): reversible graph network learning a reaction distribution",
                 tags=("trained", "gpu"))


def _ensure_baselines() -> None:
    import baselines  # noqa: F401  registers GT, B_Random, ... on import


def get_method(name: str, **config) -> Method:
    """Instantiate a registered method by (case-insensitive) name."""
    _ensure_baselines()
    factory = METHODS.get(name)
    return factory(**config)


def method_names() -> list[str]:
    _ensure_baselines()
    return METHODS.names()


__all__ = ["METHODS", "Method", "get_method", "method_names"]
