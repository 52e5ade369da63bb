"""The error types react-bench raises. The CLI turns them into clean messages and exit codes."""

from __future__ import annotations


class ReactBenchError(Exception):
    """Base class of every error react-bench raises on bad input."""

    exit_code = 1


class DataError(ReactBenchError):
    """A dataset is missing files, has the wrong layout, or holds malformed values."""


class SubmissionError(ReactBenchError):
    """A submission directory failed validation. ``problems`` lists each failure."""

    exit_code = 2

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems or [])
        super().__init__(message)


class MatrixError(DataError):
    """An appropriateness matrix is malformed (same exit code as an invalid submission)."""

    exit_code = 2

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems or [])
        super().__init__(message)


class RegistryError(ReactBenchError, KeyError):
    """An unknown name was looked up in a registry."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class MetricInputError(ReactBenchError, ValueError):
    """Arrays handed to the metrics have the wrong shape or non-finite values."""
