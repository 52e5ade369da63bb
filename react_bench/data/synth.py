"""The embedded default dataset: a synthetic dyadic world written in the exact REACT layout.

Public API::

    PROFILES                       # name -> (train, val, test) pair counts
    write_synthetic_dataset(out_dir, profile="small", seed=0, video_dim=128, audio_dim=64,
                            progress=None) -> Path
    generate_split(...)            # in-memory generation of one split (tests, experiments)
    true_appropriateness(context)  # (2L, 2L) uint8 ground truth in mirrored order

The generative model is in synth_world.py and documented in docs/synthetic_world.md.
Content depends only on (profile pair counts, seed, video_dim, audio_dim, GENERATOR_VERSION,
NUMERICS_REVISION): pair i of a split is drawn from generators keyed by (seed, split, i), so the
result does not depend on how generation is chunked, and the numerics are bit-identical on every
x86-64 CPU (docs/synthetic_world.md, "Bit-identical on every machine").
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from react_bench.constants import FPS, N_FRAMES, RAW_FRAMES, SPLITS
from react_bench.data import synth_world as sw
from react_bench.data.synth_io import HashingWriter, emotion_csv_bytes, npy_bytes
from react_bench.errors import DataError

PROFILES: dict[str, tuple[int, int, int]] = {
    "smoke": (8, 4, 4),
    "small": (96, 24, 24),
    "paper": (1594, 562, 806),
}
SITE = "Synth"
ROLES = ("P1", "P2")           # P1 = the CSV speaker column, P2 = the listener column
SESSION_CLIPS = (3, 10)        # clips per session, inclusive range
CHUNK_PAIRS = 32               # pairs processed at once when writing (memory bound only)

ProgressFn = Callable[[str, int, int], None]

# per-pair random streams: default_rng([seed, split_index, component, pair_index])
_C_SPLIT, _C_LATENT, _C_AU, _C_EXPR, _C_VIDEO, _C_AUDIO = range(6)


@dataclass
class SynthSplit:
    """One generated split before attribute read-out (latent states + labels)."""

    name: str
    seed: int
    split_index: int
    video_dim: int
    audio_dim: int
    paths: list[tuple[str, str]]   # per pair: (P1 path, P2 path)
    session: np.ndarray            # (L,) global session number
    context: np.ndarray            # (L,) latent context of each clip
    style: np.ndarray              # (L, 2) reaction style of P1, P2
    lag: np.ndarray                # (L, 2) reaction lag in frames
    person: np.ndarray             # (L, 2) person id (index into people)
    people: sw.People
    latent: np.ndarray             # (L, 2, RAW_FRAMES, D)

    @property
    def n_pairs(self) -> int:
        return len(self.paths)


def _resolve_profile(profile: str | tuple[int, int, int]) -> tuple[str, tuple[int, int, int]]:
    if isinstance(profile, str):
        if profile not in PROFILES:
            raise DataError(f"unknown synthetic profile {profile!r}; choose from {sorted(PROFILES)}")
        return profile, PROFILES[profile]
    counts = tuple(int(c) for c in profile)
    if len(counts) != 3 or min(counts) < 1:
        raise DataError(f"a custom profile is three positive pair counts, got {profile!r}")
    return "custom", counts  # type: ignore[return-value]


def _session_sizes(rng: np.random.Generator, n_pairs: int) -> list[int]:
    sizes: list[int] = []
    while sum(sizes) < n_pairs:
        sizes.append(int(rng.integers(SESSION_CLIPS[0], SESSION_CLIPS[1] + 1)))
    sizes[-1] -= sum(sizes) - n_pairs
    return sizes


def generate_split(name: str, n_pairs: int, seed: int = 0, *, split_index: int | None = None,
                   first_session: int = 1, video_dim: int = 128, audio_dim: int = 64,
                   world: sw.World | None = None) -> SynthSplit:
    """Sample sessions, people, contexts, styles and the joint latent dynamics of one split."""
    world = world or sw.build_world()
    sidx = SPLITS.index(name) if split_index is None else split_index
    rng = np.random.default_rng([seed, sidx, _C_SPLIT, 0])
    sizes = _session_sizes(rng, n_pairs)
    session = np.repeat(np.arange(first_session, first_session + len(sizes)), sizes)
    clip = np.concatenate([np.arange(1, s + 1) for s in sizes])
    context = rng.integers(0, sw.N_CONTEXTS, n_pairs)
    admissible = np.asarray(world.admissible)                  # (C, 3)
    style = admissible[context[:, None], rng.integers(0, admissible.shape[1], (n_pairs, 2))]
    lo = world.style_lag[style, 0]
    hi = world.style_lag[style, 1]
    lag = lo + np.floor(rng.random((n_pairs, 2)) * (hi - lo + 1)).astype(np.int64)
    local_session = session - first_session
    person = np.stack([2 * local_session, 2 * local_session + 1], axis=1)
    people = sw.sample_people(rng, 2 * len(sizes), video_dim)
    noise = np.stack([
        np.random.default_rng([seed, sidx, _C_LATENT, i]).standard_normal((2, sw.T_SIM, sw.D))
        for i in range(n_pairs)
    ]) if n_pairs else np.zeros((0, 2, sw.T_SIM, sw.D))
    latent = sw.simulate_latent(world, context, style, lag, person, people, noise)
    paths = [tuple(f"{SITE}/S{s:03d}/{role}/{c}" for role in ROLES)
             for s, c in zip(session.tolist(), clip.tolist())]
    return SynthSplit(name=name, seed=seed, split_index=sidx, video_dim=video_dim,
                      audio_dim=audio_dim, paths=paths, session=session, context=context,
                      style=style, lag=lag, person=person, people=people, latent=latent)


def iter_chunks(split: SynthSplit, chunk: int = CHUNK_PAIRS, world: sw.World | None = None
                ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Yield (pair indices (c,), attrs (c, 2, 751, 25) float64, video (c, 2, 751, Dv) float32,
    audio (c, 2, 750, Da) float32) for consecutive chunks of pairs."""
    world = world or sw.build_world()
    vproj = sw.video_projection(split.video_dim)
    aproj = sw.audio_projection(split.audio_dim)
    pad = 60
    for start in range(0, split.n_pairs, chunk):
        idx = np.arange(start, min(start + chunk, split.n_pairs))
        c = len(idx)
        key = [split.seed, split.split_index]
        au_w = np.stack([np.random.default_rng(key + [_C_AU, int(i)]).standard_normal(
            (2, 15, RAW_FRAMES + pad)) for i in idx])
        ex_w = np.stack([np.random.default_rng(key + [_C_EXPR, int(i)]).standard_normal(
            (2, 8, RAW_FRAMES + pad)) for i in idx])
        v_n = np.stack([np.random.default_rng(key + [_C_VIDEO, int(i)]).standard_normal(
            (2, RAW_FRAMES, split.video_dim), dtype=np.float32) for i in idx])
        a_n = np.stack([np.random.default_rng(key + [_C_AUDIO, int(i)]).standard_normal(
            (2, N_FRAMES, split.audio_dim), dtype=np.float32) for i in idx])
        au_noise = sw.smooth_white(au_w, sw.AU_NOISE_TAU, pad).swapaxes(-1, -2)
        ex_noise = sw.smooth_white(ex_w, sw.EXPR_NOISE_TAU, pad).swapaxes(-1, -2)
        ctx = np.repeat(split.context[idx], 2)
        pid = split.person[idx].reshape(-1)
        z = split.latent[idx].reshape(2 * c, RAW_FRAMES, sw.D)
        attrs = sw.attributes(world, z, ctx, pid, split.people,
                              au_noise.reshape(2 * c, RAW_FRAMES, 15),
                              ex_noise.reshape(2 * c, RAW_FRAMES, 8))
        video = sw.video_features(attrs, split.people.appearance[pid], vproj,
                                  v_n.reshape(2 * c, RAW_FRAMES, split.video_dim))
        audio = sw.audio_features(attrs[:, :N_FRAMES, 16], ctx, aproj,
                                  a_n.reshape(2 * c, N_FRAMES, split.audio_dim))
        yield (idx, attrs.reshape(c, 2, RAW_FRAMES, -1),
               video.reshape(c, 2, RAW_FRAMES, -1), audio.reshape(c, 2, N_FRAMES, -1))


def generate_arrays(n_pairs: int, seed: int = 0, name: str = "train", video_dim: int = 128,
                    audio_dim: int = 64) -> dict:
    """In-memory split in mirrored direction order (for tests/experiments; S = 2 * n_pairs).

    Returns speaker/listener (S, 751, 25), video/audio of the speaker, context (L,), style (L, 2),
    appropriate (S, S) uint8 (ground truth) and the SynthSplit.
    """
    world = sw.build_world()
    split = generate_split(name, n_pairs, seed, video_dim=video_dim, audio_dim=audio_dim,
                           world=world)
    parts = list(iter_chunks(split, world=world))
    attrs = np.concatenate([p[1] for p in parts])
    video = np.concatenate([p[2] for p in parts])
    audio = np.concatenate([p[3] for p in parts])

    def mirror(x: np.ndarray, first: int) -> np.ndarray:
        return np.concatenate([x[:, first], x[:, 1 - first]])

    return {
        "speaker": mirror(attrs, 0), "listener": mirror(attrs, 1),
        "video": mirror(video, 0), "audio": mirror(audio, 0),
        "context": split.context, "style": split.style,
        "appropriate": true_appropriateness(split.context), "split": split,
    }


def mirror_index(n_directions: int) -> np.ndarray:
    """(S,) index of the mirrored direction (same clip, roles swapped): k <-> k + L."""
    half = n_directions // 2
    return (np.arange(n_directions) + half) % n_directions


def true_appropriateness(context: np.ndarray) -> np.ndarray:
    """(2L, 2L) uint8 ground truth in mirrored order: direction j's real listener reaction is
    appropriate for direction k's speaker iff both clips share the latent context.

    Mirrored order: direction k < L is pair k (P1 speaks), k >= L is pair k - L (P2 speaks).
    The mirrored direction of the same clip is excluded (its "listener" is speaker k themself,
    never a reaction to them). Symmetric, diagonal 1.
    """
    ctx = np.concatenate([context, context])
    m = (ctx[:, None] == ctx[None, :]).astype(np.uint8)
    s = len(ctx)
    m[np.arange(s), mirror_index(s)] = 0
    return m


# ------------------------------------------------------------------------------------------------
# writing
# ------------------------------------------------------------------------------------------------

def _split_csv(paths: list[tuple[str, str]]) -> bytes:
    lines = [",speaker_path,listener_path"]
    lines += [f"{i},{p1},{p2}" for i, (p1, p2) in enumerate(paths)]
    return ("\n".join(lines) + "\n").encode()


def _ground_truth_csv(split: SynthSplit) -> bytes:
    lines = ["path,role,session,context,context_name,style,style_name,lag"]
    for i, pair in enumerate(split.paths):
        for r, path in enumerate(pair):
            s = int(split.style[i, r])
            c = int(split.context[i])
            lines.append(f"{path},{ROLES[r]},S{int(split.session[i]):03d},{c},"
                         f"{sw.CONTEXT_NAMES[c]},{s},{sw.STYLE_NAMES[s]},{int(split.lag[i, r])}")
    return ("\n".join(lines) + "\n").encode()


def world_description() -> dict:
    """Contexts, styles and admissible sets as JSON-able data (written to ground_truth/)."""
    return {
        "contexts": list(sw.CONTEXT_NAMES),
        "styles": list(sw.STYLE_NAMES),
        "admissible": {sw.CONTEXT_NAMES[c]: [sw.STYLE_NAMES[s] for s in adm]
                       for c, adm in enumerate(sw.ADMISSIBLE)},
        "latent": list(sw.LATENT_NAMES),
    }


def write_synthetic_dataset(out_dir: str | os.PathLike, profile: str | tuple[int, int, int] = "small",
                            seed: int = 0, video_dim: int = 128, audio_dim: int = 64,
                            progress: ProgressFn | None = None) -> Path:
    """Generate a complete dataset in the REACT layout under ``out_dir`` and return its path.

    ``profile`` is a name in PROFILES or a custom (train, val, test) tuple of pair counts.
    ``out_dir`` must not exist or be empty; files are written to a sibling temporary folder that
    is renamed at the end, so an interrupted run never leaves a half-written dataset.
    ``progress(stage, done, total)`` is called after each chunk ("train"/"val"/"test" in pairs).
    """
    pname, counts = _resolve_profile(profile)
    if seed < 0 or video_dim < 1 or audio_dim < 1:
        raise DataError("seed must be >= 0 and feature dimensions >= 1")
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DataError(f"{out} already exists and is not an empty folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    t0 = time.perf_counter()
    try:
        writer = HashingWriter(tmp)
        world = sw.build_world()
        writer.write("ground_truth/world.json",
                     (json.dumps(world_description(), indent=1) + "\n").encode())
        first_session = 1
        for name, n_pairs in zip(SPLITS, counts):
            split = generate_split(name, n_pairs, seed, first_session=first_session,
                                   video_dim=video_dim, audio_dim=audio_dim, world=world)
            first_session = int(split.session.max()) + 1
            _write_split(writer, split, world, progress)
        meta = {
            "generator": "react_bench.data.synth",
            "generator_version": sw.GENERATOR_VERSION,
            "numerics_revision": sw.NUMERICS_REVISION,
            "world_seed": sw.WORLD_SEED,
            "profile": pname,
            "pairs": dict(zip(SPLITS, counts)),
            "seed": seed,
            "video_dim": video_dim,
            "audio_dim": audio_dim,
            "fps": FPS,
            "emotion_frames": RAW_FRAMES,
            "n_contexts": sw.N_CONTEXTS,
            "n_styles": sw.N_STYLES,
            "appropriateness": "neighbour_emotion_<split>.npy holds the TRUE matrix (same latent "
                               "context); real REACT data ships the challenge's labels instead",
            "n_files": len(writer.digests),
            "fingerprint": writer.fingerprint(),
            "fingerprint_method": "sha256 over '<relative path>\\t<sha256 of file>\\n' lines, "
                                  "sorted by path, for every file except dataset.json",
            "files": dict(sorted(writer.digests.items())),      # per-file sha256 (data verify)
        }
        (tmp / "dataset.json").write_text(json.dumps(meta, indent=1) + "\n")
        if out.exists():
            out.rmdir()
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if progress is not None:
        progress(f"done in {time.perf_counter() - t0:.1f} s", 1, 1)
    return out


def _write_split(writer: HashingWriter, split: SynthSplit, world: sw.World,
                 progress: ProgressFn | None) -> None:
    name = split.name
    writer.write(f"{name}.csv", _split_csv(split.paths))
    for idx, attrs, video, audio in iter_chunks(split, world=world):
        for c, i in enumerate(idx.tolist()):
            for r, path in enumerate(split.paths[i]):
                writer.write(f"{name}/Emotion/{path}.csv", emotion_csv_bytes(attrs[c, r]))
                writer.write(f"{name}/Video_features/{path}.npy", npy_bytes(video[c, r]))
                writer.write(f"{name}/Audio_features/{path}.npy", npy_bytes(audio[c, r]))
        if progress is not None:
            progress(name, int(idx[-1]) + 1, split.n_pairs)
    truth = true_appropriateness(split.context)
    writer.write(f"neighbour_emotion_{name}.npy", npy_bytes(truth))
    writer.write(f"ground_truth/appropriate_{name}.npy", npy_bytes(truth))
    writer.write(f"ground_truth/contexts_{name}.csv", _ground_truth_csv(split))
