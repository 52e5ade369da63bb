"""REGNN (Xu et al. 2023): reversible graph neural network for multiple appropriate facial reaction
generation, re-implemented from regnn_official.md. See docs/regnn.md.

The torch-backed names load on first use, so that ``regnn.config`` (what the experiment runner
reads to key its jobs) imports without torch."""

from importlib import import_module
from typing import Any

from .config import PROFILES, VARIANTS, ConfigError, REGNNConfig, make_config

_LAZY = {"REGNNMethod": ".method", "REGNNModel": ".model", "InverseError": ".motor", "InverseWarning": ".motor"}

__all__ = ["ConfigError", "InverseError", "InverseWarning", "PROFILES", "REGNNConfig", "REGNNMethod",
           "REGNNModel", "VARIANTS", "make_config"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
