"""Motor processor: a stack of invertible residual graph layers (REGNN, regnn_official.md §2.5-2.6).

One REGNN layer maps x (B, N, D) with fixed edges E (B, P, N, N):
    n = ActNorm(x)                      per-node scale and shift
    h = phi(n) = sigmoid(act(n))        official act = ELU
    alpha = softmax_rows(q k^T / sqrt(D)),  [q; k] = Linear(h)
    A = sum_p (w_p / sum_q w_q) rownorm(alpha * E_p)
    y = n + A h / lambda,   lambda = ||I + (2/sqrt(D)) W_q W_k^T||_2 + offset   (no grad)
The residual branch f(n) = A h / lambda must be a contraction for the layer to be invertible; the
inverse solves n = y - f(n) by fixed-point iteration from n0 = y, then undoes ActNorm.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ReactBenchError
from .config import REGNNConfig


class InverseError(ReactBenchError, RuntimeError):
    """The fixed-point inverse of a residual layer did not converge (the branch is not contractive)."""


class InverseWarning(UserWarning):
    """The official iteration budget was not enough; the inverse continued with more iterations."""


class ActNorm(nn.Module):
    """n = x * exp(log_scale) + bias, per node (shared over batch and frames).

    Data-dependent initialisation on the first forward call in training mode: each node gets zero
    mean and unit std over (batch x frames) of that batch. Guard (D-M2): the std is clamped from
    below by ``min_std``, so a node that is constant in the first batch gets a scale of at most
    1/min_std instead of the official 1/sqrt(1e-5) ~ 316. The init flag is a buffer, so a loaded
    state dict never re-initialises.
    """

    def __init__(self, n_nodes: int, min_std: float = 0.1) -> None:
        super().__init__()
        self.min_std = min_std
        self.log_scale = nn.Parameter(torch.zeros(1, n_nodes, 1))
        self.bias = nn.Parameter(torch.zeros(1, n_nodes, 1))
        self.register_buffer("initialised", torch.tensor(False))

    @torch.no_grad()
    def data_init(self, x: torch.Tensor) -> None:
        mean = x.mean(dim=(0, 2), keepdim=True)
        std = x.std(dim=(0, 2), keepdim=True, unbiased=False)
        std = std.clamp_min(max(self.min_std, 1e-5))
        self.log_scale.copy_(-torch.log(std))
        self.bias.copy_(-mean / std)
        self.initialised.fill_(True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training and not bool(self.initialised):
            self.data_init(x)
        return x * torch.exp(self.log_scale) + self.bias

    def inverse(self, n: torch.Tensor) -> torch.Tensor:
        return (n - self.bias) * torch.exp(-self.log_scale)


def make_phi(act: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """phi = sigmoid(act(.)); every choice is 1/4-Lipschitz (sigmoid' <= 1/4, act' <= ~1.13)."""
    inner: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
        "elu": F.elu, "relu": F.relu, "gelu": F.gelu, "none": lambda t: t}
    if act not in inner:
        raise ValueError(f"unknown activation {act!r}")
    f = inner[act]
    return lambda t: torch.sigmoid(f(t))


class ResidualGraphLayer(nn.Module):
    """y = ActNorm(x) + f(ActNorm(x); E), with a fixed-point inverse. Subclasses define f.

    x is (B, N, D); edges are (G, P, N, N) with B a multiple of G: consecutive groups of B / G
    samples share one edge tensor (at inference the samples of one window share its edges).
    """

    def __init__(self, n_nodes: int, use_actnorm: bool, min_std: float) -> None:
        super().__init__()
        self.norm = ActNorm(n_nodes, min_std) if use_actnorm else None

    def context(self, edges: torch.Tensor) -> Any:
        """Quantities fixed for one forward / inverse call (e.g. lambda)."""
        return None

    def branch(self, n: torch.Tensor, edges: torch.Tensor, ctx: Any) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
        n = self.norm(x) if self.norm is not None else x
        return n + self.branch(n, edges, self.context(edges))

    @torch.no_grad()
    def inverse(self, y: torch.Tensor, edges: torch.Tensor, iters: int = 5, tol: float = 1e-3,
                max_iters: int = 100, name: str = "layer") -> torch.Tensor:
        """Solve n + f(n) = y by x_{k+1} = y - f(x_k) from x_0 = y, then undo ActNorm (no gradient:
        the inverse is only used to decode samples).

        Official: at most ``iters`` iterations, stop when no element moved by more than ``tol``, then
        a bare assert on |y - (n + f(n))| <= tol. Here a failed check continues up to ``max_iters``
        iterations with an InverseWarning, and raises InverseError if that is not enough.
        """
        ctx = self.context(edges)
        n = y
        done = 0
        for done in range(1, iters + 1):
            nxt = y - self.branch(n, edges, ctx)
            moved = float((nxt - n).abs().max()) if n.numel() else 0.0
            n = nxt
            if moved <= tol:
                break
        residual = self._residual(n, y, edges, ctx)
        if residual > tol and max_iters > done:
            warnings.warn(f"REGNN {name}: inverse residual {residual:.3g} > tol {tol:g} after {done} "
                          f"iterations; continuing up to {max_iters}", InverseWarning, stacklevel=3)
            while residual > tol and done < max_iters:
                n = y - self.branch(n, edges, ctx)
                done += 1
                residual = self._residual(n, y, edges, ctx)
        if residual > tol or not math.isfinite(residual):
            raise InverseError(
                f"REGNN {name}: fixed-point inverse did not converge (max |y - (n + f(n))| = {residual:.3g} "
                f"> tol {tol:g} after {done} iterations); the residual branch is probably not a "
                "contraction (check lambda_offset / the activation / trained edge weights)")
        return self.norm.inverse(n) if self.norm is not None else n

    def _residual(self, n: torch.Tensor, y: torch.Tensor, edges: torch.Tensor, ctx: Any) -> float:
        if not n.numel():
            return 0.0
        return float((y - n - self.branch(n, edges, ctx)).abs().max())


class REGNNLayer(ResidualGraphLayer):
    def __init__(self, n_nodes: int, dim: int, edge_dim: int, act: str = "elu", lambda_offset: float = 5.0,
                 use_actnorm: bool = True, min_std: float = 0.1) -> None:
        super().__init__(n_nodes, use_actnorm, min_std)
        self.dim = dim
        self.lambda_offset = lambda_offset
        self.qk = nn.Linear(dim, 2 * dim)
        self.w = nn.Parameter(torch.ones(1, edge_dim))     # channel fusion, sum-normalised (official)
        self.phi = make_phi(act)

    @torch.no_grad()
    def lipschitz_lambda(self) -> torch.Tensor:
        """lambda = ||I + (2/sqrt(D)) W_q W_k^T||_2 + offset (official formula and layout; no grad)."""
        wq, wk = self.qk.weight[: self.dim], self.qk.weight[self.dim:]
        m = torch.eye(self.dim, device=wq.device, dtype=wq.dtype) + (2.0 / math.sqrt(self.dim)) * (wq @ wk.T)
        return torch.linalg.matrix_norm(m, ord=2) + self.lambda_offset

    def context(self, edges: torch.Tensor) -> torch.Tensor:
        return self.lipschitz_lambda()

    def adjacency(self, h: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
        """A(h) (B, N, N) = sum_p (w_p / sum w) rownorm(alpha * E_p), alpha = softmax(q k^T / sqrt(D)).

        ``edges`` (G, P, N, N) may be shared by consecutive samples: B = G * s, sample b uses
        edges[b // s]. Computed as alpha * sum_p (w_p / r_p) E_p with r_p = rowsum(alpha * E_p), so the
        (B, P, N, N) product is never materialised.
        """
        b, n, _ = h.shape
        g = edges.shape[0]
        q, k = self.qk(h).chunk(2, dim=-1)
        alpha = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.dim), dim=-1)
        alpha = alpha.view(g, b // g, n, n)
        rows = torch.einsum("gsij,gpij->gspi", alpha, edges)
        # Official divides by the row sum without eps (the diagonal keeps it positive); the floor
        # only matters if the softmax underflows to exact zeros.
        coef = (self.w / self.w.sum())[0][None, None, :, None] / rows.clamp_min(1e-30)
        return (alpha * torch.einsum("gpij,gspi->gsij", edges, coef)).reshape(b, n, n)

    def branch(self, n: torch.Tensor, edges: torch.Tensor, ctx: torch.Tensor) -> torch.Tensor:
        h = self.phi(n)
        return self.adjacency(h, edges) @ h / ctx


class Motor(nn.Module):
    """Mot: x -> latent through the layers; inverse: latent -> x through the layers in reverse."""

    def __init__(self, layers: list[ResidualGraphLayer], iters: int = 5, tol: float = 1e-3,
                 max_iters: int = 100) -> None:
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.iters, self.tol, self.max_iters = iters, tol, max_iters

    def forward(self, x: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x, edges)
        return x

    def inverse(self, y: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
        for i in reversed(range(len(self.layers))):
            y = self.layers[i].inverse(y, edges, self.iters, self.tol, self.max_iters, name=f"layer {i}")
        return y


def build_motor(cfg: REGNNConfig) -> Motor | None:
    if cfg.motor == "none":
        return None
    if cfg.motor == "regnn":
        layers: list[ResidualGraphLayer] = [
            REGNNLayer(cfg.n_attrs, cfg.window, cfg.edge_dim, cfg.act, cfg.lambda_offset, cfg.actnorm,
                       cfg.actnorm_min_std) for _ in range(cfg.layers)]
    else:
        from .iresnet import IResNetLayer
        layers = [IResNetLayer(cfg.n_attrs, cfg.window, cfg.iresnet_hidden, cfg.iresnet_coeff, cfg.actnorm,
                               cfg.actnorm_min_std) for _ in range(cfg.layers)]
    return Motor(layers, cfg.inverse_iters, cfg.inverse_tol, cfg.inverse_max_iters)


# ----------------------------------------------------------------------------- Lipschitz diagnostics
def _per_sample_norm(t: torch.Tensor) -> torch.Tensor:
    return t.flatten(1).norm(dim=1)


def lipschitz_power(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, iters: int = 30,
                    seed: int = 0) -> torch.Tensor:
    """Per-sample spectral norm of the Jacobian of ``fn`` at ``x`` (B, ...), by power iteration on
    J^T J with forward-mode (jvp) and reverse-mode (vjp) products. ``fn`` must act per sample."""
    gen = torch.Generator(device=x.device).manual_seed(seed)
    v = torch.randn(x.shape, generator=gen, device=x.device, dtype=x.dtype)
    v = v / _per_sample_norm(v).view(-1, *[1] * (x.dim() - 1))
    _, vjp_fn = torch.func.vjp(fn, x)
    sigma = torch.zeros(x.shape[0], device=x.device, dtype=x.dtype)
    for _ in range(iters):
        _, jv = torch.func.jvp(fn, (x,), (v,))
        (jtjv,) = vjp_fn(jv)
        sigma = _per_sample_norm(jv)                     # ||J v|| with ||v|| = 1
        norm = _per_sample_norm(jtjv).clamp_min(1e-30)
        v = jtjv / norm.view(-1, *[1] * (x.dim() - 1))
    return sigma


def lipschitz_pairs(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, n_pairs: int = 8,
                    scales: tuple[float, ...] = (1e-3, 1e-1, 1.0), seed: int = 0) -> torch.Tensor:
    """Per-sample max of ||fn(a) - fn(b)|| / ||a - b|| over random pairs around ``x``."""
    gen = torch.Generator(device=x.device).manual_seed(seed)
    best = torch.zeros(x.shape[0], device=x.device, dtype=x.dtype)
    with torch.no_grad():
        for scale in scales:
            for _ in range(n_pairs):
                a = x + scale * torch.randn(x.shape, generator=gen, device=x.device, dtype=x.dtype)
                b = x + scale * torch.randn(x.shape, generator=gen, device=x.device, dtype=x.dtype)
                ratio = _per_sample_norm(fn(a) - fn(b)) / _per_sample_norm(a - b).clamp_min(1e-30)
                best = torch.maximum(best, ratio)
    return best


def branch_lipschitz(layer: ResidualGraphLayer, n: torch.Tensor, edges: torch.Tensor,
                     iters: int = 30, n_pairs: int = 8, seed: int = 0) -> dict[str, float]:
    """Lipschitz estimates of one layer's residual branch n -> f(n; E) (edges fixed)."""
    ctx = layer.context(edges)

    def fn(t: torch.Tensor) -> torch.Tensor:
        return layer.branch(t, edges, ctx)

    power = lipschitz_power(fn, n.detach(), iters=iters, seed=seed)
    pairs = lipschitz_pairs(fn, n.detach(), n_pairs=n_pairs, seed=seed)
    return {"power": float(power.detach().max()), "pairs": float(pairs.max())}
