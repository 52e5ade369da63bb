"""The Triton FRDist kernel (react_bench/metrics/dtw_triton.py) against the CPU kernels.

Without a GPU the kernel runs under Triton's interpreter (TRITON_INTERPRET=1, numpy on the CPU,
one program after the other), so shapes are kept small: T <= 45 frames and a band height of 8
or 16 rows, which still makes every pair cross several bands. The GPU test runs the compiled
kernel at the production length T = 750.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

pytest.importorskip("triton")

from react_bench.constants import FRD_WEIGHTS  # noqa: E402
from react_bench.metrics import dtw_triton  # noqa: E402
from react_bench.metrics.dtw import weighted_dtw  # noqa: E402
from react_bench.metrics.frdist import frdist_best  # noqa: E402
from react_bench.metrics.validate import neighbour_lists  # noqa: E402

REL = 1e-9


@pytest.fixture
def interpret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRITON_INTERPRET", "1")


def _series(rng: np.random.Generator, count: int, t_len: int) -> np.ndarray:
    """REACT-like values: binary AUs, VA in [-1, 1], expression values in [0, 1]."""
    a = rng.random((count, t_len, 25)).astype(np.float32)
    a[..., :15] = a[..., :15] > 0.6
    a[..., 15:17] = a[..., 15:17] * 2 - 1
    return a


def _reference(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.array([weighted_dtw(x[p], y[p]) for p in range(len(x))])


def _assert_close(got: np.ndarray, ref: np.ndarray) -> None:
    assert got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=REL, atol=0)


def test_random_pairs_match_cpu_kernel(interpret: None) -> None:
    rng = np.random.default_rng(1)
    x = _series(rng, 2, 40)
    y = _series(rng, 2, 40)
    x[1] = rng.normal(0, 1, (40, 25)).astype(np.float32)     # not REACT-like, any float32
    got = dtw_triton.weighted_dtw_triton(x, y, device="cpu", block_r=16)
    _assert_close(got, _reference(x, y))
    # unequal lengths, rows not a multiple of the band height
    xs = _series(rng, 1, 37)
    ys = _series(rng, 1, 45)
    _assert_close(dtw_triton.weighted_dtw_triton(xs, ys, device="cpu", block_r=16),
                  _reference(xs, ys))


def test_hand_made_pairs(interpret: None) -> None:
    rng = np.random.default_rng(2)
    t_len = 20
    base = _series(rng, 1, t_len)[0]
    a = np.float32(0.3)
    b = np.float32(-0.45)
    x = np.stack([base, np.full((t_len, 25), a), base])
    y = np.stack([base, np.full((t_len, 25), b), np.roll(base, 3, axis=0)])
    got = dtw_triton.weighted_dtw_triton(x, y, device="cpu", block_r=8)
    _assert_close(got, _reference(x, y))
    assert got[0] == 0.0                                      # identical sequences
    # constant sequences: every cell costs the same, the shortest path has T cells
    diff2 = (np.float64(a) - np.float64(b)) ** 2
    widths = (15, 2, 8)
    expected = sum(w * np.sqrt(t_len * k * diff2) for w, k in zip(FRD_WEIGHTS, widths))
    assert got[1] == pytest.approx(expected, rel=1e-12)
    assert got[2] > 0.0


def test_tiny_lengths(interpret: None) -> None:
    rng = np.random.default_rng(3)
    for n, m in ((1, 5), (9, 1), (8, 9)):
        x = _series(rng, 1, n)
        y = _series(rng, 1, m)
        got = dtw_triton.weighted_dtw_triton(x, y, device="cpu", block_r=8)
        _assert_close(got, _reference(x, y))


def test_frdist_best_triton_matches_cpu(interpret: None) -> None:
    rng = np.random.default_rng(4)
    s, n, t_len = 3, 2, 16
    lst = _series(rng, s, t_len)
    pred = _series(rng, s * n, t_len).reshape(s, n, t_len, 25)
    pred[1, 1] = pred[1, 0]                                   # repeated sample: computed once
    appropriate = np.eye(s, dtype=np.uint8)
    appropriate[0, 2] = appropriate[2, 0] = 1
    appropriate[1, 0] = 1
    indptr, indices = neighbour_lists(appropriate)
    calls: list[tuple[int, int]] = []
    got = dtw_triton.frdist_best_triton(pred, lst, indptr, indices, device="cpu", block_r=8,
                                        batch_pairs=4, progress=lambda d, t: calls.append((d, t)))
    ref, _ = frdist_best(pred, lst, indptr, indices)
    assert got.shape == (s, n) and got.dtype == np.float64
    _assert_close(got, ref)
    assert got[1, 1] == got[1, 0]
    assert calls and calls[-1][0] == calls[-1][1] and len(calls) > 1


def test_argument_checks() -> None:
    x = torch.zeros((1, 4, 25), dtype=torch.float32)
    y = dtw_triton.prepare_reactions(np.zeros((1, 4, 25), np.float32), "cpu")
    idx = torch.zeros(1, dtype=torch.int64)
    assert y.shape == (1, 25, 4) and y.dtype == torch.float64
    with pytest.raises(ValueError):
        dtw_triton.accumulated_costs(x, y, idx, idx, block_r=12)
    with pytest.raises(ValueError):
        dtw_triton.accumulated_costs(x.double(), y, idx, idx)
    with pytest.raises(ValueError):
        dtw_triton.weighted_dtw_triton(np.zeros((2, 4, 25)), np.zeros((3, 4, 25)), device="cpu")


def test_prepare_reactions_reverses_time() -> None:
    y = np.arange(3 * 25, dtype=np.float32).reshape(1, 3, 25)
    yr = dtw_triton.prepare_reactions(y, "cpu").numpy()
    assert yr[0, 4, 0] == y[0, 2, 4] and yr[0, 4, 2] == y[0, 0, 4]


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_gpu_kernel_production_length() -> None:
    from react_bench.metrics.dtw_gpu import frdist_best_gpu, weighted_dtw_torch

    rng = np.random.default_rng(5)
    t_len, pairs = 750, 32
    x = _series(rng, pairs, t_len)
    y = _series(rng, pairs, t_len)
    x[0] = y[0]
    got = dtw_triton.weighted_dtw_triton(x, y, device="cuda")
    _assert_close(got, _reference(x, y))
    assert got[0] == 0.0
    # speed against the torch wavefront on the same GPU, and the throughput at T=750
    xd = torch.from_numpy(x).cuda()
    yd = torch.from_numpy(y).cuda()
    weighted_dtw_torch(xd[:2], yd[:2])
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    weighted_dtw_torch(xd, yd)
    torch.cuda.synchronize()
    t_torch = time.perf_counter() - t0
    y_rev = dtw_triton.prepare_reactions(y, "cuda")
    many = 8192
    xi = torch.randint(0, pairs, (many,), device="cuda")
    yi = torch.randint(0, pairs, (many,), device="cuda")
    dtw_triton.accumulated_costs(xd, y_rev, xi[:64], yi[:64])
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    dtw_triton.accumulated_costs(xd, y_rev, xi, yi)
    torch.cuda.synchronize()
    t_triton = time.perf_counter() - t0
    print(f"\ntriton {many / t_triton:,.0f} triples/s, "
          f"torch wavefront {pairs / t_torch:,.0f} triples/s")
    assert many / t_triton > 5 * pairs / t_torch
    # frdist_best_gpu dispatches to the Triton kernel: same minima as the CPU path
    s, n = 6, 3
    lst = _series(rng, s, t_len)
    pred = _series(rng, s * n, t_len).reshape(s, n, t_len, 25)
    appropriate = ((rng.random((s, s)) < 0.4) | np.eye(s, dtype=bool)).astype(np.uint8)
    indptr, indices = neighbour_lists(appropriate)
    _assert_close(frdist_best_gpu(pred, lst, indptr, indices),
                  frdist_best(pred, lst, indptr, indices)[0])
