"""REACT-layout datasets: the reader (with its array cache), the synthetic world, the default dataset."""

from .reader import load_split
from .split import SplitData

__all__ = ["SplitData", "load_split"]
