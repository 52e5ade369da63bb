"""Submission folders: write, validate and read predictions (docs/submission_format.md)."""

from .format import (
    FORMAT_VERSION,
    LAYOUTS,
    METADATA_FILE,
    REQUIRED_KEYS,
    default_max_file_bytes,
    npy_relpath,
    pth_relpath,
)
from .io import read_submission, read_submission_with_report, write_submission
from .validate import Finding, ValidationReport, check_submission, validate_submission

__all__ = [
    "FORMAT_VERSION", "LAYOUTS", "METADATA_FILE", "REQUIRED_KEYS", "default_max_file_bytes",
    "npy_relpath", "pth_relpath", "read_submission", "read_submission_with_report", "write_submission",
    "Finding", "ValidationReport", "check_submission", "validate_submission",
]
