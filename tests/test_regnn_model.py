"""REGNN building blocks against loop re-statements of the official semantics (regnn_official.md)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from react_bench.methods.regnn.config import ConfigError, REGNNConfig, make_config
from react_bench.methods.regnn.losses import mid_loss, min_mse_loss
from react_bench.methods.regnn.mefl import MEFL, doubly_stochastic, topk_mask
from react_bench.methods.regnn.model import REGNNModel, sample_noise
from react_bench.methods.regnn.motor import ActNorm, REGNNLayer
from react_bench.methods.regnn.train import NeighbourTable
from react_bench.methods.windows import overlap_average, to_windows, window_starts
from conftest import single_torch_thread


_few_threads = pytest.fixture(autouse=True, scope="module")(single_torch_thread)


# ----------------------------------------------------------------------------- config
def test_official_defaults_and_profiles() -> None:
    cfg = REGNNConfig()
    assert (cfg.d_model, cfg.n_heads, cfg.cross_layers, cfg.self_layers, cfg.fusion_dim) == (128, 4, 5, 5, 64)
    assert (cfg.edge_dim, cfg.top_k, cfg.topk_mask, cfg.layers, cfg.lambda_offset) == (8, 5, "union", 2, 5.0)
    assert (cfg.inverse_iters, cfg.inverse_tol, cfg.noise_mode, cfg.sigma) == (5, 1e-3, "max_normalised", 0.06)
    assert (cfg.epochs, cfg.steps_per_epoch, cfg.batch_size, cfg.max_reactions) == (100, 101, 128, 10)
    assert (cfg.lr, cfg.weight_decay, cfg.lr_milestones, cfg.lr_gamma) == (1e-4, 5e-4, (9,), 0.1)
    assert cfg.n_windows == 29
    paper = make_config("paper")
    assert paper.to_dict() == REGNNConfig(profile="paper").to_dict()
    small = make_config("small", layers=6, topk_mask="per_row")
    assert small.layers == 6 and small.topk_mask == "per_row" and small.profile == "small"
    assert REGNNConfig.from_dict(small.to_dict()).to_dict() == small.to_dict()
    assert make_config("smoke", "video-only").name == "regnn-video-only"


@pytest.mark.parametrize("bad", [dict(topk_mask="rows"), dict(noise_mode="uniform"), dict(stride=30),
                                 dict(motor="none"), dict(d_model=30, n_heads=4), dict(layers=-1)])
def test_config_rejects_bad_values(bad: dict) -> None:
    with pytest.raises(ConfigError):
        make_config("smoke", **bad)


def test_unknown_profile_variant_or_key() -> None:
    for kwargs in (dict(profile="huge"), dict(variant="no_motor"), dict(lambda_ofset=3)):
        with pytest.raises(ConfigError):
            make_config(**kwargs)


# ----------------------------------------------------------------------------- windows
def _official_combine(windows: np.ndarray) -> np.ndarray:
    """combine_preds as described in regnn_official.md §4.1 step 4 (stride = T/2)."""
    half = windows.shape[1] // 2
    parts = [windows[0, :half]]
    for i in range(1, len(windows)):
        parts.append((windows[i - 1, half:] + windows[i, :half]) / 2)
    parts.append(windows[-1, half:])
    return np.concatenate(parts)


def test_windowing_and_overlap_average_match_official() -> None:
    starts = window_starts(750, 50, 25)
    assert len(starts) == 29 and int(starts[0]) == 0 and int(starts[-1]) == 700
    clip = torch.randn(2, 750, 3)
    win = to_windows(clip, 50, 25)
    assert win.shape == (2, 29, 50, 3)
    assert torch.equal(win[1, 7], clip[1, 175:225])
    assert torch.allclose(overlap_average(win, 750, 25), clip, atol=1e-6)    # consistent windows
    rnd = torch.randn(4, 29, 50, 25, dtype=torch.float64)
    ours = overlap_average(rnd, 750, 25).numpy()
    for i in range(4):
        np.testing.assert_allclose(ours[i], _official_combine(rnd[i].numpy()), atol=1e-12)


# ----------------------------------------------------------------------------- MEFL
def _official_mask(scores: np.ndarray, k: int, mode: str) -> np.ndarray:
    b, n, _ = scores.shape
    mask = np.zeros_like(scores)
    for bi in range(b):
        inds = np.argsort(-scores[bi], axis=1, kind="stable")[:, :k]
        for j in range(n):
            rows = inds if mode == "union" else inds[j:j + 1]     # the official loop's bug: all rows
            for ind in rows:
                mask[bi, j, ind] = 1.0
            mask[bi, j, j] = 1.0
    return mask


@pytest.mark.parametrize("mode", ["union", "per_row"])
def test_topk_mask_matches_loop(mode: str) -> None:
    scores = torch.rand(3, 25, 25, dtype=torch.float64)
    ours = topk_mask(scores, 5, mode).numpy()
    np.testing.assert_array_equal(ours, _official_mask(scores.numpy(), 5, mode))
    per_row = topk_mask(scores, 5, "per_row").sum(-1)
    assert bool(((per_row >= 5) & (per_row <= 6)).all())


def test_mefl_edges_are_doubly_stochastic() -> None:
    torch.manual_seed(0)
    mefl = MEFL(node_dim=50, edge_dim=8, top_k=5, mask="per_row")
    e = mefl(torch.randn(4, 25, 50))
    assert e.shape == (4, 8, 25, 25)
    assert torch.allclose(e.sum(-1), torch.ones(4, 8, 25), atol=1e-5)
    assert torch.allclose(e.sum(-2), torch.ones(4, 8, 25), atol=1e-5)
    assert torch.allclose(e, e.transpose(-1, -2), atol=1e-6)
    # R C^T normalisation spelled out for one channel
    m = torch.rand(25, 25, dtype=torch.float64)
    r = m / m.sum(1, keepdim=True)
    c = r / r.sum(0, keepdim=True)
    assert torch.allclose(doubly_stochastic(m[None])[0], r @ c.T)


# ----------------------------------------------------------------------------- motor pieces
def test_actnorm_data_init_guard_and_buffer() -> None:
    x = torch.randn(16, 25, 50) * 3 + 1
    x[:, 4] = 0.25                                    # a node that never moves in the first batch
    norm = ActNorm(25, min_std=0.1).train()
    n = norm(x)
    assert bool(norm.initialised)
    assert torch.allclose(n[:, :4].mean(dim=(0, 2)), torch.zeros(4), atol=1e-5)
    assert torch.allclose(n[:, :4].std(dim=(0, 2), unbiased=False), torch.ones(4), atol=1e-4)
    assert float(torch.exp(norm.log_scale[0, 4, 0].detach())) == pytest.approx(10.0, rel=1e-5)   # not ~316
    state = norm.state_dict()
    assert "initialised" in state and bool(state["initialised"])
    fresh = ActNorm(25)
    fresh.load_state_dict(state)
    fresh.train()
    assert torch.equal(fresh(x * 5), norm(x * 5))    # a loaded ActNorm does not re-initialise
    assert torch.allclose(norm.inverse(n), x, atol=1e-5)


def _adjacency_loop(layer: REGNNLayer, h: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
    """Step 3-4 of §2.5 written out: alpha * E_p, row-normalised, fused with w / sum w."""
    q, k = layer.qk(h).chunk(2, dim=-1)
    alpha = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(layer.dim), dim=-1)
    out = torch.zeros(h.shape[0], h.shape[1], h.shape[1], dtype=h.dtype)
    wn = layer.w[0] / layer.w.sum()
    for p in range(edges.shape[1]):
        e = alpha * edges[:, p]
        out = out + wn[p] * e / e.sum(-1, keepdim=True)
    return out


def test_regnn_adjacency_and_lambda() -> None:
    torch.manual_seed(1)
    layer = REGNNLayer(25, 50, 8).double()
    with torch.no_grad():
        layer.w.uniform_(0.5, 2.0)
    h = torch.rand(6, 25, 50, dtype=torch.float64)
    edges = torch.rand(6, 8, 25, 25, dtype=torch.float64)
    assert torch.allclose(layer.adjacency(h, edges), _adjacency_loop(layer, h, edges), atol=1e-12)
    shared = edges[:2]                                # 3 consecutive samples share one edge tensor
    assert torch.allclose(layer.adjacency(h, shared), _adjacency_loop(layer, h, shared.repeat_interleave(3, 0)),
                          atol=1e-12)
    wq, wk = layer.qk.weight[:50], layer.qk.weight[50:]
    expected = np.linalg.norm(np.eye(50) + 2 / np.sqrt(50) * (wq @ wk.T).detach().numpy(), 2) + 5
    assert float(layer.lipschitz_lambda()) == pytest.approx(expected, rel=1e-10)


# ----------------------------------------------------------------------------- losses, sampling
def test_afrdl_losses_match_loop() -> None:
    torch.manual_seed(2)
    pred = torch.randn(3, 25, 50, dtype=torch.float64)
    counts = [2, 4, 1]
    owner = torch.tensor([b for b, c in enumerate(counts) for _ in range(c)])
    slot = torch.tensor([m for c in counts for m in range(c)])
    lat = torch.randn(len(owner), 25, 50, dtype=torch.float64)
    deltas = [min(float(((pred[b] - lat[i]) ** 2).mean()) for i in range(len(owner)) if owner[i] == b)
              for b in range(3)]
    assert float(min_mse_loss(pred, lat, owner, slot, 4, None)) == pytest.approx(np.mean(deltas))
    tau = sorted(deltas)[1]
    hinge = np.mean([d if d > tau else 0.0 for d in deltas])
    assert float(min_mse_loss(pred, lat, owner, slot, 4, tau)) == pytest.approx(hinge)
    sq = []
    for b in range(3):
        group = lat[owner == b]
        sq.append(((group - group.mean(0)) ** 2).sum())
    assert float(mid_loss(lat, owner, 3)) == pytest.approx(float(sum(sq)) / lat.numel())


def test_max_normalised_noise() -> None:
    gen = torch.Generator().manual_seed(0)
    eps = sample_noise((10, 29, 25, 50), "max_normalised", 0.06, gen)
    peaks = eps.abs().flatten(1).amax(1)
    assert torch.allclose(peaks, torch.full((10,), math.sqrt(0.06)), rtol=1e-6)   # every sample rescaled
    assert 0.045 < float(eps.std()) < 0.07                   # the official effective std ~0.058
    small = sample_noise((2, 1, 1, 2), "max_normalised", 100.0, gen)              # max below the bound
    assert float(small.abs().max()) < 10.0
    g = sample_noise((4, 29, 25, 50), "gaussian", 0.6, gen)
    assert 0.57 < float(g.std()) < 0.63


def test_neighbour_table_sampling() -> None:
    m = np.zeros((5, 5), np.uint8)
    m[0, [1, 2, 3, 4]] = 1
    m[1, 1] = 1
    m[2, [0, 3]] = 1                      # row 3 and 4: no neighbours
    table = NeighbourTable.from_matrix(m, 5, "own_listener", torch.device("cpu"))
    assert table.degree.tolist() == [4, 1, 2, 1, 1]
    gen = torch.Generator().manual_seed(0)
    seen = set()
    for _ in range(50):
        ids, valid = table.sample(torch.tensor([0, 1, 2, 3, 4]), 3, gen)
        assert valid.sum(1).tolist() == [3, 1, 2, 1, 1]
        rows = [sorted(ids[b][valid[b]].tolist()) for b in range(5)]
        assert set(rows[0]) <= {1, 2, 3, 4} and len(set(rows[0])) == 3
        assert rows[1] == [1] and rows[2] == [0, 3] and rows[3] == [3] and rows[4] == [4]
        seen.add(tuple(rows[0]))
    assert len(seen) == 4                 # every 3-subset of 4 neighbours shows up
    skip = NeighbourTable.from_matrix(m, 5, "skip", torch.device("cpu"))
    assert skip.degree.tolist() == [4, 1, 2, 0, 0]


# ----------------------------------------------------------------------------- whole network
@pytest.mark.parametrize("variant", ["default", "video_only", "audio_only", "no_graph", "iresnet", "no_mefl"])
def test_model_shapes(variant: str) -> None:
    torch.manual_seed(0)
    cfg = make_config("smoke", variant, video_dim=12, audio_dim=7)
    model = REGNNModel(cfg).eval()
    z, edges = model.encode(torch.randn(3, 50, 12), torch.randn(3, 50, 7))
    assert z.shape == (3, 25, 50)
    if variant == "no_graph":
        assert edges is None and model.motor is None
    else:
        assert edges.shape == (3, 1 if variant == "no_mefl" else 8, 25, 25)
        assert model.to_latent(torch.rand(3, 25, 50), edges).shape == (3, 25, 50)


def test_official_sizes_parameter_count() -> None:
    """Official model (R24 train.sh, 768-d Swin video, 128-d VGGish audio): 2.18 M used parameters
    (regnn_official.md §7.1: total 2,233,171 minus the unused GMM head, LU weight and proj_a)."""
    cfg = make_config("paper", video_dim=768, audio_dim=128)
    model = REGNNModel(cfg)
    count = {name: sum(p.numel() for p in mod.parameters())
             for name, mod in (("percep", model.perceptual), ("cog", model.cognitive), ("motor", model.motor))}
    assert model.perceptual.proj_video.weight.numel() == 98_304
    assert sum(p.numel() for p in model.perceptual.cross.parameters()) == 991_616
    assert sum(p.numel() for p in model.cognitive.mefl.parameters()) == 45_100
    assert count["cog"] == 2_905 + 45_100
    assert count["motor"] == 2 * 5_158
    assert count["percep"] == 2_139_200 - 16_384      # without the unused proj_a
