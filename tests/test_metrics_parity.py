"""Parity with the official REACT metric code on the shared fixtures (values computed by the
unmodified baseline_react2023 metric/ functions; see shared/reference/metric_fixtures/README.md)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from react_bench.metrics import score_arrays

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "metric_fixtures"
REL_TOL = 1e-5
# FRCorr: numpy's pairwise float32 statistics are reproduced bit for bit (ccc.float32_stats); what
# is left is float64 summation order in np.cov / np.mean (measured <= 2.5e-16 relative).
FRCORR_REL_TOL = 1e-13

if not (FIXTURES / "expected.json").exists():
    pytest.skip("shared metric fixtures not available", allow_module_level=True)

EXPECTED = json.loads((FIXTURES / "expected.json").read_text())


def _load(case: dict) -> dict[str, np.ndarray]:
    path = FIXTURES / case["file"]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == case["sha256"], f"{path.name}: sha256 mismatch, fixture changed"
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in ("predictions", "listener", "speaker", "appropriate")}
    assert arrays["predictions"].shape[0] == case["S"]
    return arrays


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def scored(request):
    case = EXPECTED[request.param]
    arrays = _load(case)
    return request.param, case["expected"], score_arrays(**arrays), arrays


def test_every_official_value_reproduced(scored):
    name, expected, got, _ = scored
    bad = {k: (got[k], v) for k, v in expected.items()
           if abs(got[k] - v) > REL_TOL * max(abs(v), 1e-12)}
    assert not bad, f"{name}: (ours, official) outside {REL_TOL} relative: {bad}"


def test_frcorr_to_float64_rounding(scored):
    name, expected, got, _ = scored
    assert got["FRCorr"] == pytest.approx(expected["FRCorr"], rel=FRCORR_REL_TOL, abs=0), name


def test_frdist_and_synchrony_exact(scored):
    """FRDist uses tslearn's arithmetic, Synchrony is integer-valued: both match exactly."""
    name, expected, got, _ = scored
    assert got["FRDist"] == expected["FRDist"]
    assert got["Synchrony"] == expected["Synchrony"]
    assert got["Synchrony_all_samples"] == expected["Synchrony_all_samples"]


def test_per_sample_conventions(scored):
    _, _, got, arrays = scored
    n = arrays["predictions"].shape[1]
    assert got["FRCorr_per_sample"] == pytest.approx(got["FRCorr"] / n, rel=1e-15)
    assert got["FRDist_per_sample"] == pytest.approx(got["FRDist"] / n, rel=1e-15)
    assert all(isinstance(v, float) for v in got.values())
