"""The methods registry. Entries are lazy; ``baselines`` registers its own on import."""

from __future__ import annotations

from ..registry import Registry
from .base import Method

METHODS: Registry = Registry("method")

METHODS.register("regnn", "react_bench.methods.regnn:REGNNMethod",
                 "REGNN (Xu et al. 2023): reversible graph network learning a reaction distribution",
                 tags=("trained", "gpu"), config="react_bench.methods.regnn.config:resolved_config",
                 inference_fields=("sampling", "noise_mode", "sigma", "noise_tau"))   # = regnn.config.INFERENCE_FIELDS (a test checks)


def _ensure_baselines() -> None:
    import baselines  # noqa: F401  registers GT, B_Random, ... on import


def get_method(name: str, **config) -> Method:
    """Instantiate a registered method by (case-insensitive) name."""
    import inspect

    from ..errors import ReactBenchError

    _ensure_baselines()
    factory = METHODS.get(name)
    params = inspect.signature(factory).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    unknown = sorted(set(config) - set(params)) if not takes_any else []
    if unknown:
        known = ", ".join(sorted(set(params) - {"self"})) or "none"
        raise ReactBenchError(f"method {name!r} does not take config key(s) {unknown}; it takes: {known}")
    try:
        return factory(**config)
    except (TypeError, ValueError) as error:  # e.g. a REGNN config field with a bad value
        raise ReactBenchError(f"cannot build method {name!r} with config {config}: {error}") from None


def method_names() -> list[str]:
    _ensure_baselines()
    return METHODS.names()


__all__ = ["METHODS", "Method", "get_method", "method_names"]
