"""Input checks for :func:`react_bench.metrics.score_arrays` (the official code checks nothing)."""

from __future__ import annotations

import numpy as np

from react_bench.constants import N_ATTRS
from react_bench.errors import MetricInputError


def _finite(arr: np.ndarray, name: str) -> None:
    if not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))
        raise MetricInputError(
            f"{name} holds {len(bad)} NaN/Inf value(s) (first at index {tuple(int(v) for v in bad[0])}); "
            "metrics need finite values"
        )


def validate_inputs(
    predictions: np.ndarray,
    listener: np.ndarray,
    speaker: np.ndarray,
    appropriate: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Check shapes and values; return float32 predictions/listener/speaker and a bool matrix.

    predictions (S, n, T, 25), listener (S, T, 25), speaker (S, T, 25), appropriate (S, S) of 0/1
    with at least one 1 per row. All values must be finite.
    """
    arrays = {}
    for name, arr, nd in (("predictions", predictions, 4), ("listener", listener, 3),
                          ("speaker", speaker, 3)):
        a = np.asarray(arr)
        if a.ndim != nd or a.shape[-1] != N_ATTRS:
            want = "(S, n, T, 25)" if nd == 4 else "(S, T, 25)"
            raise MetricInputError(f"{name} must have shape {want}, got {a.shape}")
        if not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
            raise MetricInputError(f"{name} must be numeric, got dtype {a.dtype}")
        arrays[name] = a
    p, lst, spk = arrays["predictions"], arrays["listener"], arrays["speaker"]
    s, n, t = p.shape[0], p.shape[1], p.shape[2]
    if s < 1 or n < 1:
        raise MetricInputError(f"predictions must hold at least one direction and sample, got {p.shape}")
    if t < 2:
        raise MetricInputError(f"predictions need at least 2 frames, got {p.shape}")
    for name, a in (("listener", lst), ("speaker", spk)):
        if a.shape != (s, t, N_ATTRS):
            raise MetricInputError(
                f"{name} has shape {a.shape}, expected {(s, t, N_ATTRS)} to match predictions {p.shape}")
    m = np.asarray(appropriate)
    if m.shape != (s, s):
        raise MetricInputError(f"appropriate has shape {m.shape}, expected {(s, s)} (S = {s} directions)")
    if m.dtype == bool:
        mb = m
    else:
        if not np.isin(m, (0, 1)).all():
            raise MetricInputError("appropriate must hold only 0 and 1")
        mb = m == 1
    empty = np.flatnonzero(~mb.any(axis=1))
    if empty.size:
        raise MetricInputError(
            f"appropriate has {empty.size} row(s) with no appropriate reaction (first: row {int(empty[0])})")
    p32 = np.asarray(p, dtype=np.float32)
    l32 = np.asarray(lst, dtype=np.float32)
    s32 = np.asarray(spk, dtype=np.float32)
    # Checked after the float32 cast: that is what the official code scores.
    _finite(p32, "predictions")
    _finite(l32, "listener")
    _finite(s32, "speaker")
    return p32, l32, s32, mb


def neighbour_lists(appropriate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR form of the appropriate matrix: (indptr (S+1,), indices) in ascending column order,
    like the official ``np.argwhere(row == 1)``."""
    mb = np.asarray(appropriate, dtype=bool)
    counts = mb.sum(axis=1)
    indptr = np.zeros(mb.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = np.nonzero(mb)[1].astype(np.int64)
    return indptr, indices
