"""The embedded default dataset: a synthetic dyadic world written in the exact REACT layout.

Public API::

    PROFILES                       # name -> (train, val, test) pair counts
    write_synthetic_dataset(out_dir, profile="small", seed=0, video_dim=128, audio_dim=64,
                            progress=None) -> Path
    generate_split(...)            # in-memory generation of one split (tests, experiments)
    true_appropriateness(context)  # (2L, 2L) uint8 ground truth in mirrored order
    counterfactual_arrays(split)   # (S, K, 750, 25) float32 counterfactual reactions + styles

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

from react_bench.constants import FPS, N_ATTRS, N_FRAMES, RAW_FRAMES, SPLITS
from react_bench.data import synth_world as sw
from react_bench.data.synth_io import HashingWriter, emotion_csv_bytes, emotion_csv_values, npy_bytes
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
CF_DRAWS = 2                   # counterfactual noise draws per admissible style
CF_K = sw.N_ADMISSIBLE * CF_DRAWS   # counterfactual reactions per direction (entry = slot * CF_DRAWS + draw)
CF_SPLITS = ("val", "test")    # splits whose counterfactual ground truth is written
AU_PAD = 60                    # warm-up samples of the AU / expression noise filters

ProgressFn = Callable[[str, int, int], None]

# per-pair random streams: default_rng([seed, split_index, component, pair_index])
_C_SPLIT, _C_LATENT, _C_AU, _C_EXPR, _C_VIDEO, _C_AUDIO = range(6)
# counterfactual streams: default_rng([seed, split_index, component, pair_index(, listener role)])
_C_CF_LAG, _C_CF_LATENT, _C_CF_AU, _C_CF_EXPR = range(6, 10)


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
    deviation: np.ndarray          # (L, 2, T_SIM, D) z - baseline, burn-in included (partner input)
    au_missed: np.ndarray          # (L, 2, 15) bool: AUs the detector never reports in the clip

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
    clean = rng.random((n_pairs, 2)) < sw.AU_ALL_DETECTED_P
    miss_u = rng.random((n_pairs, 2, sw.N_AUS))
    people = sw.sample_people(rng, 2 * len(sizes), video_dim)     # last: its size depends on video_dim
    au_missed = (miss_u < people.au_miss_p[person][..., None]) & ~clean[..., None]
    noise = np.stack([
        np.random.default_rng([seed, sidx, _C_LATENT, i]).standard_normal((2, sw.T_SIM, sw.D))
        for i in range(n_pairs)
    ]) if n_pairs else np.zeros((0, 2, sw.T_SIM, sw.D))
    latent, deviation = sw.simulate_latent(world, context, style, lag, person, people, noise,
                                           return_deviation=True)
    paths = [tuple(f"{SITE}/S{s:03d}/{role}/{c}" for role in ROLES)
             for s, c in zip(session.tolist(), clip.tolist())]
    return SynthSplit(name=name, seed=seed, split_index=sidx, video_dim=video_dim,
                      audio_dim=audio_dim, paths=paths, session=session, context=context,
                      style=style, lag=lag, person=person, people=people, latent=latent,
                      deviation=deviation, au_missed=au_missed)


def iter_chunks(split: SynthSplit, chunk: int = CHUNK_PAIRS, world: sw.World | None = None
                ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Yield (pair indices (c,), attrs (c, 2, 751, 25) float64, video (c, 2, 751, Dv) float32,
    audio (c, 2, 750, Da) float32) for consecutive chunks of pairs."""
    world = world or sw.build_world()
    vproj = sw.video_projection(split.video_dim)
    aproj = sw.audio_projection(split.audio_dim)
    pad = AU_PAD
    for start in range(0, split.n_pairs, chunk):
        idx = np.arange(start, min(start + chunk, split.n_pairs))
        c = len(idx)
        key = [split.seed, split.split_index]
        au_w = np.stack([np.random.default_rng(key + [_C_AU, int(i)]).standard_normal(
            (2, sw.N_AUS, RAW_FRAMES + pad)) for i in idx])
        ex_w = np.stack([np.random.default_rng(key + [_C_EXPR, int(i)]).standard_normal(
            (2, sw.N_READOUT_NOISE, RAW_FRAMES + pad)) for i in idx])
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
                              ex_noise.reshape(2 * c, RAW_FRAMES, sw.N_READOUT_NOISE),
                              split.au_missed[idx].reshape(2 * c, sw.N_AUS))
        video = sw.video_features(attrs, split.people.appearance[pid], vproj,
                                  v_n.reshape(2 * c, RAW_FRAMES, split.video_dim))
        audio = sw.audio_features(attrs[:, :N_FRAMES, 16], ctx, aproj,
                                  a_n.reshape(2 * c, N_FRAMES, split.audio_dim))
        yield (idx, attrs.reshape(c, 2, RAW_FRAMES, -1),
               video.reshape(c, 2, RAW_FRAMES, -1), audio.reshape(c, 2, N_FRAMES, -1))


def counterfactual_plan(split: SynthSplit, world: sw.World | None = None
                        ) -> tuple[np.ndarray, np.ndarray]:
    """(style (L, 2, K), lag (L, 2, K)) of the counterfactual reactions of every pair and
    listener role: entry k = slot * CF_DRAWS + draw, slot indexing ADMISSIBLE[context]. The
    recorded style keeps the recorded lag; another style's lag is drawn from its range (one per
    pair, role and slot, shared by its draws)."""
    world = world or sw.build_world()
    adm = np.asarray(world.admissible)[split.context]                    # (L, 3)
    n = split.n_pairs
    style = np.repeat(np.repeat(adm[:, None, :], 2, axis=1), CF_DRAWS, axis=2)   # (L, 2, K)
    u = np.stack([np.random.default_rng([split.seed, split.split_index, _C_CF_LAG, i]).random(
        (2, sw.N_ADMISSIBLE)) for i in range(n)]) if n else np.zeros((0, 2, sw.N_ADMISSIBLE))
    lo = world.style_lag[adm, 0][:, None, :]
    hi = world.style_lag[adm, 1][:, None, :]
    slot_lag = lo + np.floor(u * (hi - lo + 1)).astype(np.int64)         # (L, 2, 3)
    same = adm[:, None, :] == split.style[:, :, None]                     # recorded style's slot
    slot_lag = np.where(same, split.lag[:, :, None], slot_lag)
    return style, np.repeat(slot_lag, CF_DRAWS, axis=2)


def counterfactual_rows(split: SynthSplit, world: sw.World, pair: np.ndarray, role: np.ndarray,
                        style: np.ndarray, lag: np.ndarray, latent_noise: np.ndarray,
                        au_white: np.ndarray, expr_white: np.ndarray) -> np.ndarray:
    """Attributes (N, 751, 25) float64 of listener ``role[n]`` of pair ``pair[n]`` re-driven by the
    recorded partner trajectory under ``style[n]`` / ``lag[n]``, with own latent noise
    (N, T_SIM, D) and white AU (N, 15, 751 + AU_PAD) / readout (N, 10, 751 + AU_PAD) noise.
    The person's traits (offsets, time constant, responsiveness, detector) are the recorded ones.
    With the recorded style, lag and noise this reproduces the recorded listener exactly."""
    person = split.person[pair, role]
    context = split.context[pair]
    partner = split.deviation[pair, 1 - role]
    z = sw.counterfactual_latent(world, context, style, lag, person, split.people, partner,
                                 latent_noise)
    au_noise = sw.smooth_white(au_white, sw.AU_NOISE_TAU, AU_PAD).swapaxes(-1, -2)
    ex_noise = sw.smooth_white(expr_white, sw.EXPR_NOISE_TAU, AU_PAD).swapaxes(-1, -2)
    return sw.attributes(world, z, context, person, split.people, au_noise, ex_noise,
                         split.au_missed[pair, role])


def iter_counterfactuals(split: SynthSplit, chunk: int = CHUNK_PAIRS, world: sw.World | None = None
                         ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield (pair indices (c,), reactions (c, 2, K, 750, 25) float32 as the Emotion CSVs hold
    them, styles (c, 2, K)) for consecutive chunks of pairs; axis 1 is the listener's role.

    Each reaction: the same listener (same person traits) driven by the recorded partner
    trajectory under each admissible style of the clip's context, CF_DRAWS times with the
    listener's own noise (latent, AU, expression) redrawn. The partner is not re-simulated."""
    world = world or sw.build_world()
    styles, lags = counterfactual_plan(split, world)
    key = [split.seed, split.split_index]
    width = RAW_FRAMES + AU_PAD
    for start in range(0, split.n_pairs, chunk):
        idx = np.arange(start, min(start + chunk, split.n_pairs))
        c = len(idx)
        lat = np.stack([np.random.default_rng(key + [_C_CF_LATENT, int(i), r]).standard_normal(
            (CF_K, sw.T_SIM, sw.D)) for i in idx for r in (0, 1)])
        au_w = np.stack([np.random.default_rng(key + [_C_CF_AU, int(i), r]).standard_normal(
            (CF_K, sw.N_AUS, width)) for i in idx for r in (0, 1)])
        ex_w = np.stack([np.random.default_rng(key + [_C_CF_EXPR, int(i), r]).standard_normal(
            (CF_K, sw.N_READOUT_NOISE, width)) for i in idx for r in (0, 1)])
        pair = np.repeat(idx, 2 * CF_K)
        role = np.tile(np.repeat(np.array([0, 1]), CF_K), c)
        attrs = counterfactual_rows(
            split, world, pair, role, styles[idx].reshape(-1), lags[idx].reshape(-1),
            lat.reshape(-1, sw.T_SIM, sw.D), au_w.reshape(-1, sw.N_AUS, width),
            ex_w.reshape(-1, sw.N_READOUT_NOISE, width))
        values = emotion_csv_values(attrs[:, :N_FRAMES])
        yield idx, values.reshape(c, 2, CF_K, N_FRAMES, -1), styles[idx]


def counterfactual_arrays(split: SynthSplit, world: sw.World | None = None,
                          chunk: int = CHUNK_PAIRS) -> tuple[np.ndarray, np.ndarray]:
    """(reactions (S, K, 750, 25) float32, styles (S, K) int64) in mirrored direction order:
    direction k < L is pair k with P2 listening, k >= L pair k - L with P1 listening."""
    n = split.n_pairs
    out = np.empty((2, n, CF_K, N_FRAMES, N_ATTRS), np.float32)
    sty = np.empty((2, n, CF_K), np.int64)
    for idx, values, styles in iter_counterfactuals(split, chunk, world):
        for slot, role in enumerate((1, 0)):                   # first half: P2 listens
            out[slot, idx] = values[:, role]
            sty[slot, idx] = styles[:, role]
    return out.reshape(2 * n, CF_K, N_FRAMES, -1), sty.reshape(2 * n, CF_K)


def generate_arrays(n_pairs: int, seed: int = 0, name: str = "train", video_dim: int = 128,
                    audio_dim: int = 64, counterfactuals: bool = False) -> dict:
    """In-memory split in mirrored direction order (for tests/experiments; S = 2 * n_pairs).

    Returns speaker/listener (S, 751, 25), video/audio of the speaker, context (L,), style (L, 2),
    appropriate (S, S) uint8 (ground truth) and the SynthSplit; with ``counterfactuals`` also
    "counterfactual" (S, K, 750, 25) float32 and "counterfactual_styles" (S, K), exactly as
    ground_truth/ holds them, and "listener_style" (S,).
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

    out = {
        "speaker": mirror(attrs, 0), "listener": mirror(attrs, 1),
        "video": mirror(video, 0), "audio": mirror(audio, 0),
        "context": split.context, "style": split.style,
        "listener_style": mirror(split.style, 1),
        "appropriate": true_appropriateness(split.context), "split": split,
    }
    if counterfactuals:
        out["counterfactual"], out["counterfactual_styles"] = counterfactual_arrays(split, world)
    return out


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
        raise DataError(f"{out} already exists and is not an empty folder; a dataset is never written over "
                        "another: give a new --out, or remove that folder (without --out, the cached world is "
                        "reused when it exists)")
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
            "generator_source_sha256": generator_source_sha256(),
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
    if name in CF_SPLITS:
        reactions, styles = counterfactual_arrays(split, world)
        writer.write(f"ground_truth/counterfactual_{name}.npy", npy_bytes(reactions))
        del reactions
        writer.write(f"ground_truth/counterfactual_styles_{name}.npy", npy_bytes(styles))
    writer.write(f"neighbour_emotion_{name}.npy", npy_bytes(truth))
    writer.write(f"ground_truth/appropriate_{name}.npy", npy_bytes(truth))
    writer.write(f"ground_truth/contexts_{name}.csv", _ground_truth_csv(split))


GENERATOR_SOURCES = ("synth.py", "synth_world.py", "synth_io.py", "detmath.py")


def generator_source_sha256() -> str:
    """sha256 of the generator's source files: a cached dataset written by other generator code
    (a development draft with the same version numbers) is detected and regenerated."""
    import hashlib

    digest = hashlib.sha256()
    for name in GENERATOR_SOURCES:
        digest.update(name.encode() + b"\0" + (Path(__file__).parent / name).read_bytes() + b"\0")
    return digest.hexdigest()
