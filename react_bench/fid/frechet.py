"""Fréchet distance between Gaussians, float64, without scipy.linalg.sqrtm.

d^2 = ||mu1 - mu2||^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^{1/2}).

Full-rank route (``frechet_distance``):
S1 S2 is not symmetric, but it has the same eigenvalues as the symmetric PSD matrix
M = S1^{1/2} S2 S1^{1/2}, so tr((S1 S2)^{1/2}) = sum(sqrt(eig(M))). Two ``eigh`` calls, real
arithmetic throughout, no imaginary parts to discard and no eps retry needed when a covariance is
singular (fewer images than feature dimensions). pytorch-fid's scipy ``sqrtm`` route agrees to
rounding on well-conditioned inputs (tests/test_fid.py).

Low-rank route (``frechet_distance_stats``, used by FRRea): with fewer images than feature
dimensions the trace term comes from the centred feature rows themselves (see that function).
"""

from __future__ import annotations

import numpy as np


class RunningStats:
    """Streaming mean and covariance (ddof=1, like np.cov) of feature rows, in float64.

    Rows are shifted by the first batch's mean before accumulating the sums so that the
    ``sum(x x^T) - n mu mu^T`` step does not cancel catastrophically. While there are no more rows
    than feature dimensions the rows are kept too: the covariance is then low-rank and
    :func:`frechet_distance_stats` works with the (n, d) factor instead of (d, d) matrices.
    """

    def __init__(self) -> None:
        self.n = 0
        self._shift: np.ndarray | None = None
        self._sum: np.ndarray | None = None
        self._outer: np.ndarray | None = None
        self._rows: list[np.ndarray] | None = []

    def update(self, rows: np.ndarray) -> None:
        x = np.asarray(rows, dtype=np.float64)
        if x.ndim != 2:
            raise ValueError(f"features must be (n, d), got {x.shape}")
        if x.shape[0] == 0:
            return
        if self._shift is None:
            self._shift = x.mean(axis=0)
            d = x.shape[1]
            self._sum = np.zeros(d)
            self._outer = np.zeros((d, d))
        y = x - self._shift
        self._sum += y.sum(axis=0)
        self._outer += y.T @ y
        self.n += x.shape[0]
        if self._rows is not None:
            self._rows.append(x.copy())
            if self.n > x.shape[1]:
                self._rows = None  # full rank possible: the (d, d) covariance is the cheaper form

    def mean_cov(self) -> tuple[np.ndarray, np.ndarray]:
        if self.n < 2:
            raise ValueError("need at least 2 feature rows for a covariance")
        m = self._sum / self.n
        cov = (self._outer - self.n * np.outer(m, m)) / (self.n - 1)
        cov = 0.5 * (cov + cov.T)
        return self._shift + m, cov

    def factor(self) -> np.ndarray | None:
        """F (n, d) with F^T F = covariance, when the rows were kept (n <= d); else None."""
        if self._rows is None or self.n < 2:
            return None
        x = np.concatenate(self._rows, axis=0)
        return (x - x.mean(axis=0)) / np.sqrt(self.n - 1)


def feature_statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (d,) and covariance (d, d) of (n, d) features, float64, ddof=1 (as pytorch-fid)."""
    stats = RunningStats()
    stats.update(features)
    return stats.mean_cov()


def _sqrt_psd(a: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh(a)
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def trace_sqrt_product(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    """tr((sigma1 sigma2)^{1/2}) for symmetric PSD matrices."""
    s1 = 0.5 * (sigma1 + sigma1.T)
    s2 = 0.5 * (sigma2 + sigma2.T)
    r = _sqrt_psd(s1)
    m = r @ s2 @ r
    w = np.linalg.eigvalsh(0.5 * (m + m.T))
    return float(np.sqrt(np.clip(w, 0.0, None)).sum())


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2), float64."""
    mu1 = np.atleast_1d(np.asarray(mu1, dtype=np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, dtype=np.float64))
    sigma1 = np.atleast_2d(np.asarray(sigma1, dtype=np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, dtype=np.float64))
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != (mu1.size, mu1.size):
        raise ValueError(f"shape mismatch: mu {mu1.shape}/{mu2.shape}, sigma {sigma1.shape}/{sigma2.shape}")
    for arr in (mu1, mu2, sigma1, sigma2):
        if not np.isfinite(arr).all():
            raise ValueError("non-finite statistics")
    diff = mu1 - mu2
    value = float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_sqrt_product(sigma1, sigma2))
    # Rounding can push an exact-zero distance slightly negative.
    return max(value, 0.0)


def frechet_distance_stats(a: RunningStats, b: RunningStats) -> float:
    """Fréchet distance between the Gaussians fitted to two feature streams.

    With C = F^T F, tr((C1 C2)^{1/2}) is the nuclear norm of F1 F2^T (n1 x n2), or, with one factor,
    sum(sqrt(eig(F1 C2 F1^T))). With fewer images than feature dimensions (the usual CPU case) this
    replaces (d, d) eigendecompositions by much smaller problems; it is exact, not an approximation.
    """
    mu1, s1 = a.mean_cov()
    mu2, s2 = b.mean_cov()
    f1, f2 = a.factor(), b.factor()
    if f1 is None and f2 is None:
        return frechet_distance(mu1, s1, mu2, s2)
    if f1 is not None and f2 is not None:
        tsp = float(np.linalg.svd(f1 @ f2.T, compute_uv=False).sum())
    else:
        f, s = (f1, s2) if f1 is not None else (f2, s1)
        m = f @ s @ f.T
        tsp = float(np.sqrt(np.clip(np.linalg.eigvalsh(0.5 * (m + m.T)), 0.0, None)).sum())
    diff = mu1 - mu2
    return max(float(diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * tsp), 0.0)
