"""react-bench: benchmark harness for multiple appropriate facial reaction generation (REACT)."""

__version__ = "0.1.0"
