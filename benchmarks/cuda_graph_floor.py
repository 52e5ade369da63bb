"""How fast can a GPU run many small kernels, eagerly and replayed from a CUDA graph?

    python benchmarks/cuda_graph_floor.py [--kernels 1000] [--repeats 20]

The paper-profile training steps are bound by kernel launches (docs/baselines.md, "Speed on one
H200"). ``bench_baselines.py --kernels`` counts the kernels each schedule launches and prints the
microseconds per kernel it may take to train in 600 s. This measures the other side on the GPU at
hand: the microseconds per kernel of a chain of ``--kernels`` small kernels of the sizes those steps
use, launched eagerly from Python and replayed from one captured CUDA graph (what
``torch.compile(mode="reduce-overhead")`` replays). A schedule whose budget per kernel (itself
approximate: the CPU count is not exactly CUDA's) is well below the graph figure is unlikely to
meet 600 s by removing launches alone. Without CUDA it says so and exits 0.
"""

from __future__ import annotations

import argparse
import time
from typing import Callable

import torch

from react_bench.methods.step_graphs import on_side_stream


def _chains(n: int) -> dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]]:
    """Chains of n dependent kernels on (64, 128) activations: elementwise (a bias, an activation)
    and small matmuls (a 128 x 128 linear layer), the sizes of the baselines' window networks."""

    def elementwise(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        for i in range(n):
            x = x * 0.999 if i % 2 else x + 0.001
        return x

    def matmul(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        for _ in range(n):
            x = x @ w
        return x

    return {"elementwise (64 x 128)": elementwise, "matmul (64 x 128) @ (128 x 128)": matmul}


def _seconds(run: Callable[[], object], repeats: int) -> float:
    """Mean seconds of one ``run()``, timed between synchronisations after two warm-up calls."""
    for _ in range(2):
        run()
    torch.cuda.synchronize()
    tick = time.perf_counter()
    for _ in range(repeats):
        run()
    torch.cuda.synchronize()
    return (time.perf_counter() - tick) / repeats


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernels", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA device: nothing to measure")
        return
    dev = torch.device("cuda")
    x = torch.randn(64, 128, device=dev)
    w = torch.eye(128, device=dev) * 0.999             # keeps the chain's values finite
    print(f"{torch.cuda.get_device_name(dev)}, torch {torch.__version__}: chains of {args.kernels} dependent "
          f"kernels, mean of {args.repeats} runs")
    print("| chain | eager us/kernel | CUDA graph replay us/kernel |")
    print("|---|---|---|")
    for name, chain in _chains(args.kernels).items():
        eager = _seconds(lambda: chain(x, w), args.repeats)
        for _ in range(3):                             # warm-up before capture, as torch's docs do it
            on_side_stream(lambda: chain(x, w), dev)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            chain(x, w)
        replay = _seconds(graph.replay, args.repeats)
        print(f"| {name} | {1e6 * eager / args.kernels:.2f} | {1e6 * replay / args.kernels:.2f} |", flush=True)


if __name__ == "__main__":
    main()
