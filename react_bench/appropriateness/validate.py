"""Sanity report of a split's appropriateness matrix (S, S), row k = directions j whose real
listener reaction is appropriate for speaker k (react_metrics.md §1).

Problems (``ok`` False): not a square 2-D matrix, size differs from ``expected_size``, values
other than 0/1 (NaN included), a diagonal entry that is not 1, a row with no 1 at all,
an odd size (a split has S = 2 x pairs directions).
Warnings: rows whose only appropriate reaction is their own real one, an asymmetric matrix. An
asymmetric matrix is scored (the official evaluator only reads rows) but warned about everywhere:
labelling by a threshold on a symmetric distance always gives a symmetric matrix.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

_MAX_LISTED = 10


def _listed(idx: np.ndarray) -> str:
    items = [str(int(i)) for i in idx[:_MAX_LISTED]]
    more = f" ... and {idx.size - _MAX_LISTED} more" if idx.size > _MAX_LISTED else ""
    return ", ".join(items) + more


@dataclass
class MatrixReport:
    """Result of validate_matrix. Neighbour counts are 1-entries per row ("incl_self" counts the
    diagonal, "excl_self" does not); they are computed on ``m != 0`` and are None when the matrix
    is not square."""

    ok: bool
    problems: list[str]
    warnings: list[str]
    n: int                                   # rows (0 when not 2-D)
    shape: tuple[int, ...]
    dtype: str
    binary: bool                             # every value is 0 or 1
    symmetric: bool | None
    diagonal_ok: bool | None                 # every diagonal entry is 1
    neighbours_incl_self_mean: float | None = None
    neighbours_incl_self_min: int | None = None
    neighbours_incl_self_max: int | None = None
    neighbours_excl_self_mean: float | None = None
    neighbours_excl_self_min: int | None = None
    neighbours_excl_self_max: int | None = None
    density: float | None = None             # fraction of ones, diagonal included
    only_self_rows: list[int] = field(default_factory=list)   # rows whose only 1 is the diagonal
    empty_rows: list[int] = field(default_factory=list)       # rows with no 1 at all
    bad_diagonal_rows: list[int] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)        # what could not be checked, and why

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["shape"] = list(self.shape)
        return d

    def summary(self) -> str:
        lines = [f"appropriateness matrix {self.shape} {self.dtype}: " + ("OK" if self.ok else "FAILED")]
        if self.neighbours_excl_self_mean is not None:
            lines.append(f"  appropriate reactions per row excluding its own: mean "
                         f"{self.neighbours_excl_self_mean:.2f}, min {self.neighbours_excl_self_min}, "
                         f"max {self.neighbours_excl_self_max}; symmetric: {self.symmetric}")
        lines += [f"  error: {p}" for p in self.problems] + [f"  warning: {w}" for w in self.warnings]
        lines += [f"  not checked: {u}" for u in self.unchecked]
        return "\n".join(lines)


def validate_matrix(m: np.ndarray, expected_size: int | None = None) -> MatrixReport:
    """Check an appropriateness matrix; ``expected_size`` is the split's S (number of directions)."""
    a = np.asarray(m)
    problems: list[str] = []
    warnings: list[str] = []
    shape = tuple(int(x) for x in a.shape)
    square = a.ndim == 2 and shape[0] == shape[1]
    n = shape[0] if a.ndim == 2 else 0
    if not square:
        problems.append(f"matrix must be square 2-D (S, S), got shape {shape}")
    if expected_size is not None and (not square or n != expected_size):
        problems.append(f"matrix size {shape} does not match the split's {expected_size} directions "
                        f"(expected ({expected_size}, {expected_size}))")
    if square and n % 2:
        problems.append(f"matrix size {n} is odd, but a split has S = 2 x pairs mirrored directions")
    unchecked = [] if expected_size is not None else [
        "size against the split's directions (no split given: use --data/--profile and --split)"]
    if a.dtype.kind not in "biuf":
        problems.append(f"matrix dtype {a.dtype} is not numeric")
        return MatrixReport(False, problems, warnings, n, shape, str(a.dtype), False, None, None,
                            unchecked=unchecked)

    ones = a == 1
    binary = bool((ones | (a == 0)).all())
    if not binary:
        bad = ~(ones | (a == 0))
        vals = np.unique(a[bad])[:5].tolist()
        problems.append(f"{int(bad.sum())} value(s) are not 0/1 (e.g. {vals})")
    rep = MatrixReport(False, problems, warnings, n, shape, str(a.dtype), binary, None, None,
                       unchecked=unchecked)
    if not square:
        return rep

    nz = a != 0
    rep.symmetric = bool((nz == nz.T).all())
    diag = np.diagonal(a)
    bad_diag = np.flatnonzero(diag != 1)
    rep.diagonal_ok = bad_diag.size == 0
    rep.bad_diagonal_rows = bad_diag.tolist()
    if bad_diag.size:
        problems.append(f"{bad_diag.size} diagonal entr(ies) are not 1 (each direction's own listener must be "
                        f"appropriate): rows {_listed(bad_diag)}")
    incl = nz.sum(axis=1)
    excl = incl - (np.diagonal(nz)).astype(incl.dtype)
    if n:
        rep.neighbours_incl_self_mean = float(incl.mean())
        rep.neighbours_incl_self_min = int(incl.min())
        rep.neighbours_incl_self_max = int(incl.max())
        rep.neighbours_excl_self_mean = float(excl.mean())
        rep.neighbours_excl_self_min = int(excl.min())
        rep.neighbours_excl_self_max = int(excl.max())
        rep.density = float(incl.sum()) / (n * n)
    empty = np.flatnonzero(incl == 0)
    rep.empty_rows = empty.tolist()
    if empty.size:
        problems.append(f"{empty.size} row(s) have no appropriate reaction at all (FRCorr/FRDist undefined): "
                        f"rows {_listed(empty)}")
    only_self = np.flatnonzero((excl == 0) & np.diagonal(nz))
    rep.only_self_rows = only_self.tolist()
    if only_self.size:
        warnings.append(f"{only_self.size} row(s) have no appropriate reaction but their own: "
                        f"rows {_listed(only_self)}")
    if not rep.symmetric:
        n_asym = int((nz != nz.T).sum()) // 2
        warnings.append(f"matrix is not symmetric ({n_asym} asymmetric pair(s))")
    rep.ok = not problems
    return rep
