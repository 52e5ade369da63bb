"""Reversibility of the REGNN motor: Mot^-1(Mot(x)) = x, contraction of each residual branch, and
checks that the Lipschitz helper does flag a layer whose bound no longer holds."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from react_bench.data.split import SplitData
from react_bench.methods.regnn import InverseError, InverseWarning, REGNNMethod
from react_bench.methods.regnn.config import make_config
from react_bench.methods.regnn.model import REGNNModel
from react_bench.methods.regnn.motor import branch_lipschitz
from conftest import single_torch_thread


_few_threads = pytest.fixture(autouse=True, scope="module")(single_torch_thread)


def _split(n: int, seed: int, dv: int = 12, da: int = 7) -> SplitData:
    rng = np.random.default_rng(seed)
    app = (rng.random((n, n)) < 0.4).astype(np.uint8)
    np.fill_diagonal(app, 1)
    listener = (rng.random((n, 750, 25)) < 0.3).astype(np.float32)
    listener[:, :, 15:] = rng.random((n, 750, 10), dtype=np.float32)
    speaker = rng.random((n, 750, 25), dtype=np.float32)
    return SplitData.from_arrays("t", speaker, listener, video=rng.standard_normal((n, 750, dv), dtype=np.float32),
                                 audio=rng.standard_normal((n, 750, da), dtype=np.float32), appropriate=app,
                                 speaker_paths=[f"s{i}" for i in range(n)], listener_paths=[f"l{i}" for i in range(n)])


def _model(seed: int = 0, variant: str = "default", **overrides) -> tuple[REGNNModel, torch.Tensor]:
    """A smoke-width model whose ActNorms were data-initialised on listener-like graphs, plus edges."""
    torch.manual_seed(seed)
    cfg = make_config("smoke", variant, video_dim=12, audio_dim=7, **overrides)
    model = REGNNModel(cfg)
    with torch.no_grad():
        _, edges = model.encode(torch.randn(4, 50, 12), torch.randn(4, 50, 7))
        model.train()
        model.to_latent((torch.rand(4, 25, 50) < 0.3).float(), edges)      # ActNorm data-init
    return model.eval(), edges


def contraction(layer, n: torch.Tensor, edges: torch.Tensor) -> float:
    """The test helper: the larger of the two Lipschitz estimates of layer's residual branch."""
    est = branch_lipschitz(layer, n, edges, iters=15, n_pairs=4)
    return max(est["power"], est["pairs"])


def _roundtrip_error(model: REGNNModel, x: torch.Tensor, edges: torch.Tensor) -> float:
    with torch.no_grad():
        return float((model.from_latent(model.to_latent(x, edges), edges) - x).abs().max())


@pytest.mark.parametrize("overrides", [dict(), dict(layers=6, topk_mask="per_row", lambda_offset=3.0),
                                       "iresnet", dict(edge_dim=1, act="relu")])
def test_inverse_roundtrip_random_inputs(overrides: dict | str) -> None:
    model, edges = _model(**overrides) if isinstance(overrides, dict) else _model(variant=overrides)
    gen = torch.Generator().manual_seed(1)
    for x in (torch.rand(4, 25, 50, generator=gen), 2 * torch.randn(4, 25, 50, generator=gen)):
        assert _roundtrip_error(model, x, edges) < 1e-4
    shared = torch.rand(12, 25, 50, generator=gen)                   # 3 samples per edge tensor
    assert _roundtrip_error(model, shared, edges) < 1e-4


def test_branches_are_contractions() -> None:
    for variant, overrides in (("default", {}), ("default", dict(layers=6, lambda_offset=3.0)), ("iresnet", {})):
        model, edges = _model(variant=variant, **overrides)
        x = torch.rand(3, 25, 50)
        for layer in model.motor.layers:
            n = layer.norm(x).detach()
            assert contraction(layer, n, edges[:3]) < 1.0
            x = layer(x, edges[:3]).detach()


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[REGNNMethod, SplitData]:
    split = _split(8, seed=3)
    method = REGNNMethod(profile="smoke", lr=1e-2, epochs=3, steps_per_epoch=3)
    method.fit(split, None, seed=1, device="cpu", run_dir=tmp_path_factory.mktemp("regnn_rev"))
    return method, split


def test_inverse_and_contraction_on_trained_weights(trained) -> None:
    method, split = trained
    model = method.model
    before = make_config("smoke", video_dim=12, audio_dim=7)
    fresh = REGNNModel(before)
    moved = [not torch.equal(a, b) for a, b in zip(model.motor.parameters(), fresh.motor.parameters())]
    assert all(moved)                                               # training changed the motor
    cfg = method.config
    v = torch.as_tensor(split.video[:2, :50])
    a = torch.as_tensor(split.audio[:2, :50])
    with torch.no_grad():
        z, edges = model.encode(v, a)
    reactions = torch.as_tensor(split.listener[:2, 100:150]).transpose(1, 2).contiguous()
    assert _roundtrip_error(model, reactions, edges) < 1e-4
    gen = torch.Generator().manual_seed(0)
    latents = z + 0.245 * torch.rand(z.shape, generator=gen)        # what inference decodes
    with torch.no_grad():
        decoded = model.from_latent(latents, edges)
        assert float((model.to_latent(decoded, edges) - latents).abs().max()) < 1e-3 * (cfg.layers + 1)
    x = reactions
    for layer in model.motor.layers:
        n = layer.norm(x).detach()
        assert contraction(layer, n, edges) < 1.0
        x = layer(x, edges).detach()


def test_helper_flags_tiny_lambda() -> None:
    model, edges = _model()
    layer = model.motor.layers[0]
    n = layer.norm(torch.rand(2, 25, 50)).detach()
    assert contraction(layer, n, edges[:2]) < 1.0
    layer.lambda_offset = 0.02 - float(layer.lipschitz_lambda() - layer.lambda_offset)   # lambda = 0.02
    assert float(layer.lipschitz_lambda()) == pytest.approx(0.02, abs=1e-5)
    assert contraction(layer, n, edges[:2]) >= 1.0
    with torch.no_grad():
        y = model.to_latent(torch.rand(2, 25, 50), edges[:2])
    with pytest.raises(InverseError, match="did not converge"), warnings.catch_warnings():
        warnings.simplefilter("ignore", InverseWarning)
        model.from_latent(y, edges[:2])


def test_helper_flags_steep_activation() -> None:
    model, edges = _model()
    layer = model.motor.layers[0]
    n = layer.norm(torch.rand(2, 25, 50)).detach()
    layer.phi = lambda t: torch.sigmoid(200.0 * t)                   # phi' up to 50 instead of 1/4
    assert contraction(layer, n, edges[:2]) >= 1.0


def test_inverse_fallback_warns_then_raises() -> None:
    model, edges = _model(inverse_iters=1, inverse_tol=1e-6, inverse_max_iters=60)
    x = torch.rand(2, 25, 50)
    with torch.no_grad():
        y = model.to_latent(x, edges[:2])
        with pytest.warns(InverseWarning, match="continuing"):
            back = model.from_latent(y, edges[:2])
    assert float((back - x).abs().max()) < 1e-4
    model.motor.max_iters = 1                                        # no fallback: a clear error
    with torch.no_grad(), pytest.raises(InverseError, match="tol"):
        model.from_latent(y, edges[:2])
