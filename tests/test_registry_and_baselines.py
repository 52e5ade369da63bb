import numpy as np
import pytest

from react_bench.data.split import SplitData
from react_bench.errors import RegistryError
from react_bench.methods import METHODS, get_method, method_names
from react_bench.registry import Registry


def _split(s=6, seed=0) -> SplitData:
    rng = np.random.default_rng(seed)
    speaker = rng.random((s, 750, 25), dtype=np.float32)
    half = s // 2
    listener = np.concatenate([speaker[half:], speaker[:half]])
    paths = [f"X/g/P{k}/1" for k in range(s)]
    return SplitData("test", paths, paths[half:] + paths[:half], speaker, listener,
                     np.zeros((s, 750, 3), np.float32), np.zeros((s, 750, 2), np.float32),
                     np.eye(s, dtype=np.uint8))


def test_registry_is_lazy_and_suggests_close_names():
    registry = Registry("thing")
    registry.register("alpha", "json:dumps")
    assert isinstance(registry.entry("alpha").target, str)      # nothing imported yet
    assert registry.get("ALPHA").__name__ == "dumps"
    with pytest.raises(RegistryError, match="Did you mean 'alpha'"):
        registry.get("alpah")
    with pytest.raises(ValueError):
        registry.register("Alpha", "json:loads")


def test_methods_registry_lists_naive_rows_and_regnn():
    names = method_names()
    for expected in ("GT", "B_Random", "B_Mime", "B_MeanSeq", "B_MeanFr", "regnn"):
        assert expected in names
    with pytest.raises(RegistryError, match="B_Mime"):
        get_method("B_Mim")
    assert "b_mime" in METHODS


def test_naive_baselines_follow_run_baselines_definitions():
    train, test = _split(8, 1), _split(6, 2)
    gt = get_method("GT").predict(test, n_samples=10, seed=0)
    assert gt.shape == (6, 10, 750, 25) and gt.dtype == np.float32
    np.testing.assert_array_equal(gt[:, 3], test.listener)
    mime = get_method("B_Mime").predict(test, n_samples=10, seed=0)
    np.testing.assert_array_equal(mime[:, 9], test.speaker)

    random_method = get_method("B_Random")
    first = random_method.predict(test, n_samples=10, seed=3)
    assert first.min() >= 0 and first.max() < 1 and abs(first.mean() - 0.5) < 0.01
    np.testing.assert_array_equal(first, random_method.predict(test, n_samples=10, seed=3))
    assert not np.array_equal(first, random_method.predict(test, n_samples=10, seed=4))

    mean_seq = get_method("B_MeanSeq")
    mean_seq.fit(train, None, seed=0, device="cpu", run_dir=None)
    seq = mean_seq.predict(test, n_samples=10, seed=0)
    expected = train.speaker.astype(np.float64).mean(axis=0)   # both roles of every train pair
    np.testing.assert_allclose(seq[4, 7], expected, rtol=1e-6)
    assert np.ptp(seq, axis=(0, 1)).max() == 0                 # same for every direction and slot

    mean_fr = get_method("B_MeanFr")
    mean_fr.fit(train, None, seed=0, device="cpu", run_dir=None)
    fr = mean_fr.predict(test, n_samples=10, seed=0)
    np.testing.assert_allclose(fr[0, 0, 123], expected.mean(axis=0), rtol=1e-5)
    assert np.ptp(fr, axis=2).max() == 0                        # constant in time


def test_mean_baselines_save_and_load(tmp_path):
    method = get_method("B_MeanSeq")
    method.fit(_split(4), None, seed=0, device="cpu", run_dir=None)
    method.save(tmp_path / "m")
    fresh = get_method("B_MeanSeq")
    fresh.load(tmp_path / "m")
    np.testing.assert_array_equal(fresh.mean_sequence, method.mean_sequence)
    with pytest.raises(RuntimeError, match="fit"):
        get_method("B_MeanFr").predict(_split(4), n_samples=2, seed=0)
