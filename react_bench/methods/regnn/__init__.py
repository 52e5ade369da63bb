"""REGNN (Xu et al. 2023): reversible graph neural network for multiple appropriate facial reaction
generation, re-implemented from regnn_official.md. See docs/regnn.md."""

from .config import PROFILES, VARIANTS, ConfigError, REGNNConfig, make_config
from .method import REGNNMethod
from .model import REGNNModel
from .motor import InverseError, InverseWarning

__all__ = ["ConfigError", "InverseError", "InverseWarning", "PROFILES", "REGNNConfig", "REGNNMethod",
           "REGNNModel", "VARIANTS", "make_config"]
