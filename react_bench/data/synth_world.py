"""The synthetic dyadic world behind the embedded default dataset (docs/synthetic_world.md).

Everything here is a pure function of a generator constant (the *world*: contexts, styles, loadings,
feature projections) and of explicit random generators (the *sample*: sessions, people, clips).

Latent space (per person, per frame), D = 6 dims::

    0 valence   1 arousal   2 smile   3 brow   4 frown   5 mouth (talking)

Two people of one clip evolve jointly: each one's latent state is a context level, plus a personal
offset, plus the person's reaction-style bias, plus their own smooth dynamics, plus a style-specific
linear transform of the *partner's* lagged deviation from the partner's own baseline. Attributes (15 AUs,
valence/arousal, 8 expression probabilities) are read out of the latent state; video and audio
features are fixed random projections of attributes (video) or of arousal and context (audio).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from react_bench.constants import N_ATTRS, RAW_FRAMES

WORLD_SEED = 20230611          # fixes the world (prototypes, styles, projections); never the split seed
GENERATOR_VERSION = "1"        # bump whenever the generated content changes
LATENT_NAMES = ("valence", "arousal", "smile", "brow", "frown", "mouth")
D = len(LATENT_NAMES)
BURN_IN = 200                  # frames simulated before the 751 kept ones (warm-up to stationarity)
T_SIM = RAW_FRAMES + BURN_IN

V, A, SM, BR, FR, MO = range(D)

# ------------------------------------------------------------------------------------------------
# contexts: target (valence, arousal) on the circumplex + facial-activity levels
# ------------------------------------------------------------------------------------------------
# (name, valence, arousal, smile, brow, frown, mouth). Valence/arousal are attribute-space levels
# (converted with arctanh); the other four are latent levels that drive AUs and expressions.
_CONTEXT_TABLE = (
    ("heated debate",       0.00,  0.68, -0.2,  0.5,  0.3,  0.8),
    ("joyful chat",         0.53,  0.42,  0.9,  0.2, -0.6,  0.5),
    ("warm agreement",      0.66, -0.15,  0.6, -0.1, -0.5,  0.0),
    ("calm small talk",     0.30, -0.61,  0.2, -0.4, -0.3, -0.5),
    ("bored exchange",     -0.30, -0.61, -0.4, -0.5,  0.1, -0.7),
    ("sad disclosure",     -0.66, -0.15, -0.6,  0.4,  0.6, -0.2),
    ("tense disagreement", -0.53,  0.42, -0.5,  0.0,  0.9,  0.4),
    ("formal interview",    0.00,  0.00,  0.0,  0.1,  0.0,  0.2),
)
CONTEXT_NAMES = tuple(row[0] for row in _CONTEXT_TABLE)
N_CONTEXTS = len(CONTEXT_NAMES)

# ------------------------------------------------------------------------------------------------
# reaction styles: bias b_s (latent) and gain G_s (listener dim <- partner dim), lag range (frames)
# ------------------------------------------------------------------------------------------------
# Each entry: (name, {dim: bias}, {(to, from): gain}, (lag_lo, lag_hi)).
# Every style maps each listener dim from one partner dim (a signed, scaled permutation), so the
# reaction is a transformation of the partner's behaviour; only "mirroring" copies it.
_STYLE_TABLE = (
    ("mirroring",   {},
     {(V, V): .6, (A, A): .6, (SM, SM): .6, (BR, BR): .6, (FR, FR): .6, (MO, MO): .4}, (5, 12)),
    ("empathic",    {SM: -.2, FR: .3},
     {(V, A): .5, (A, V): -.4, (SM, BR): .5, (BR, FR): .7, (FR, SM): -.6, (MO, MO): -.6}, (8, 18)),
    ("amused",      {V: .08, SM: .6},
     {(SM, A): .7, (V, SM): .6, (A, V): .4, (BR, MO): -.5, (FR, FR): -.4, (MO, BR): -.5}, (5, 12)),
    ("soothing",    {A: -.1, MO: -.4},
     {(A, A): -.6, (SM, FR): .6, (V, BR): .4, (MO, MO): -.5, (BR, SM): .4, (FR, V): -.4}, (12, 25)),
    ("contrarian",  {V: -.08, FR: .4, SM: -.3},
     {(V, V): -.7, (FR, SM): .7, (SM, FR): -.5, (A, BR): .5, (BR, MO): .4, (MO, A): -.4}, (8, 20)),
    ("surprised",   {BR: .6, MO: .3},
     {(BR, A): .8, (MO, SM): -.6, (A, BR): .6, (V, FR): -.3, (SM, MO): -.4, (FR, V): -.3}, (5, 10)),
    ("backchannel", {MO: -.5, SM: .2},
     {(MO, MO): -.7, (SM, V): .6, (BR, SM): .5, (V, A): .4, (A, FR): -.4, (FR, BR): -.3}, (10, 22)),
    ("energised",   {A: .1, MO: .4},
     {(A, MO): .7, (MO, A): .6, (SM, BR): .5, (V, FR): -.5, (BR, SM): -.4, (FR, V): -.4}, (5, 14)),
    ("reserved",    {SM: -.5, MO: -.6, BR: -.3},
     {(V, A): .25, (A, V): -.25, (SM, MO): .25, (BR, FR): -.25, (FR, BR): .25, (MO, SM): -.2}, (15, 25)),
    ("anxious",     {A: .08, FR: .4, BR: .4},
     {(FR, A): .7, (BR, FR): .6, (V, BR): -.5, (A, V): -.5, (SM, MO): .4, (MO, SM): -.4}, (6, 16)),
    ("warm",        {V: .08, SM: .5},
     {(SM, V): .7, (V, SM): .6, (MO, BR): -.4, (A, MO): -.4, (BR, A): .4, (FR, FR): -.4}, (8, 20)),
    ("sceptical",   {FR: .3, SM: -.3},
     {(FR, BR): .6, (BR, SM): -.6, (MO, FR): .5, (V, MO): -.4, (A, V): .4, (SM, A): -.5}, (10, 25)),
)
STYLE_NAMES = tuple(row[0] for row in _STYLE_TABLE)
N_STYLES = len(STYLE_NAMES)
FACIAL_LEVEL_SCALE = 0.6        # shrinks the tables' facial levels/biases (AUs vary within clips)
_BIAS_SCALE = np.r_[1.0, 1.0, np.full(4, FACIAL_LEVEL_SCALE)]
MAX_STYLE_GAIN = 0.8           # spectral norm cap: keeps the two-person feedback loop stable

# admissible reaction styles per context (indices into STYLE_NAMES)
ADMISSIBLE = (
    (7, 4, 5),    # heated debate: energised, contrarian, surprised
    (2, 0, 7),    # joyful chat: amused, mirroring, energised
    (10, 0, 6),   # warm agreement: warm, mirroring, backchannel
    (3, 6, 10),   # calm small talk: soothing, backchannel, warm
    (8, 3, 11),   # bored exchange: reserved, soothing, sceptical
    (1, 8, 9),    # sad disclosure: empathic, reserved, anxious
    (4, 9, 1),    # tense disagreement: contrarian, anxious, empathic
    (6, 5, 11),   # formal interview: backchannel, surprised, sceptical
)

# ------------------------------------------------------------------------------------------------
# read-out loadings
# ------------------------------------------------------------------------------------------------
# AU activation y = U·z + u0 + offsets + smooth noise; on/off by hysteresis around 0. (name, {dim: w}, u0)
_AU_TABLE = (
    ("AU1",  {BR: 1.2, FR: .3},            -0.7),
    ("AU2",  {BR: 1.2},                    -0.8),
    ("AU4",  {FR: 1.3},                    -0.8),
    ("AU6",  {SM: 1.3, V: .3},             -0.4),
    ("AU7",  {FR: .6, SM: .5},             -0.5),
    ("AU9",  {FR: .8},                     -1.4),   # rare
    ("AU10", {FR: .5, MO: .5},             -0.8),
    ("AU12", {SM: 1.5},                    -0.3),
    ("AU14", {SM: .4, MO: .4},             -0.7),
    ("AU15", {FR: .8, V: -.4},             -1.4),   # rare
    ("AU17", {FR: .5, MO: .3},             -0.8),
    ("AU23", {FR: .6},                     -1.5),   # rare
    ("AU24", {MO: -.6},                    -1.2),   # rare
    ("AU25", {MO: 1.3, SM: .3},             0.0),   # frequent (talking)
    ("AU26", {MO: 1.0, A: .3},             -0.6),
)
N_AUS = len(_AU_TABLE)
AU_NOISE_TAU = 6.0             # frames; time constant of the AU-specific smooth noise
AU_NOISE_STD = 0.5
AU_HYSTERESIS = 0.15           # an AU switches on above +h and off below -h (no flicker)
AU_DISABLED_P = 0.03           # per person and AU: the detector never fires (constant column)

# expression logits = E·z + e0 + offsets + smooth noise; probabilities = softmax
_EXPR_TABLE = (
    ("Neutral",  {A: -.5, SM: -.6, BR: -.4, FR: -.5},  1.4),
    ("Happy",    {V: 1.5, SM: 1.2},                   -0.4),
    ("Sad",      {V: -1.3, A: -.6, FR: .6},           -1.0),
    ("Surprise", {A: .9, BR: 1.3},                    -1.3),
    ("Fear",     {V: -.5, A: .9, BR: .5, FR: .3},     -2.2),
    ("Disgust",  {V: -.6, FR: .9},                    -2.3),
    ("Anger",    {V: -1.0, A: .8, FR: 1.0},           -1.9),
    ("Contempt", {V: -.4, MO: .4, FR: .3},            -2.1),
)
EXPR_NOISE_STD = 0.15
EXPR_NOISE_TAU = 10.0

# own dynamics: second-order smoothed noise, per-person time constant drawn from OWN_TAU (frames)
OWN_TAU = (20.0, 60.0)
OWN_STD = np.array([0.13, 0.13, 0.35, 0.35, 0.35, 0.40])   # per latent dim (pre-tanh units)
PERSON_OFFSET_STD = np.array([0.04, 0.04, 0.15, 0.15, 0.15, 0.15])
RESPONSIVENESS = (0.8, 1.2)    # per-person multiplier of the style gain

# features
VIDEO_NOISE_STD = 0.25
VIDEO_IDENTITY_STD = 0.2
AUDIO_NOISE_STD = 0.35


def _dense(table_rows: tuple, n_rows: int) -> np.ndarray:
    out = np.zeros((n_rows, D))
    for r, weights in enumerate(table_rows):
        for d, w in weights.items():
            out[r, d] = w
    return out


@dataclass(frozen=True)
class World:
    """Fixed parameters of the synthetic world (a function of WORLD_SEED only)."""

    context_level: np.ndarray      # (C, D) latent level per context
    context_au: np.ndarray         # (C, 15) context-specific AU activation offsets
    context_expr: np.ndarray       # (C, 8) context-specific expression-logit offsets
    style_bias: np.ndarray         # (R, D)
    style_gain: np.ndarray         # (R, D, D) listener dim <- partner dim
    style_lag: np.ndarray          # (R, 2) int lag range [lo, hi]
    au_load: np.ndarray            # (15, D)
    au_bias: np.ndarray            # (15,)
    expr_load: np.ndarray          # (8, D)
    expr_bias: np.ndarray          # (8,)

    @property
    def admissible(self) -> tuple[tuple[int, ...], ...]:
        return ADMISSIBLE


def build_world() -> World:
    """The world's fixed parameters (deterministic; independent of any dataset seed)."""
    rng = np.random.default_rng([WORLD_SEED, 0])
    level = np.array([row[1:] for row in _CONTEXT_TABLE], dtype=np.float64)
    level[:, :2] = np.arctanh(level[:, :2])
    level[:, 2:] *= FACIAL_LEVEL_SCALE
    gains = np.zeros((N_STYLES, D, D))
    for s, (_, _, gain, _) in enumerate(_STYLE_TABLE):
        for (to, frm), g in gain.items():
            gains[s, to, frm] = g
        norm = np.linalg.norm(gains[s], 2)
        if norm > MAX_STYLE_GAIN:
            gains[s] *= MAX_STYLE_GAIN / norm
    return World(
        context_level=level,
        context_au=rng.normal(0.0, 0.25, (N_CONTEXTS, N_AUS)),
        context_expr=rng.normal(0.0, 0.3, (N_CONTEXTS, 8)),
        style_bias=_dense(tuple(row[1] for row in _STYLE_TABLE), N_STYLES) * _BIAS_SCALE,
        style_gain=gains,
        style_lag=np.array([row[3] for row in _STYLE_TABLE], dtype=np.int64),
        au_load=_dense(tuple(row[1] for row in _AU_TABLE), N_AUS),
        au_bias=np.array([row[2] for row in _AU_TABLE]),
        expr_load=_dense(tuple(row[1] for row in _EXPR_TABLE), 8),
        expr_bias=np.array([row[2] for row in _EXPR_TABLE]),
    )


# ------------------------------------------------------------------------------------------------
# people and clips
# ------------------------------------------------------------------------------------------------

@dataclass
class People:
    """Per-person traits, fixed across the clips of a session. Arrays are indexed by person id."""

    offset: np.ndarray             # (N, D) idiosyncratic latent offset
    tau: np.ndarray                # (N,) own-dynamics time constant, frames
    responsiveness: np.ndarray     # (N,)
    au_offset: np.ndarray          # (N, 15)
    au_disabled: np.ndarray        # (N, 15) bool
    expr_offset: np.ndarray        # (N, 8)
    appearance: np.ndarray         # (N, Dv) video identity (appearance) offset


def sample_people(rng: np.random.Generator, n: int, video_dim: int) -> People:
    return People(
        offset=rng.normal(0.0, 1.0, (n, D)) * PERSON_OFFSET_STD,
        tau=rng.uniform(*OWN_TAU, n),
        responsiveness=rng.uniform(*RESPONSIVENESS, n),
        au_offset=rng.normal(0.0, 0.2, (n, N_AUS)),
        au_disabled=rng.random((n, N_AUS)) < AU_DISABLED_P,
        expr_offset=rng.normal(0.0, 0.2, (n, 8)),
        appearance=rng.normal(0.0, VIDEO_IDENTITY_STD, (n, video_dim)),
    )


def _smooth2_gain(rho: np.ndarray) -> np.ndarray:
    """Std of y for unit white input to y = AR1(AR1(e)) with output gain (1-rho): normaliser."""
    var = (1 - rho) ** 2 * (1 + rho ** 2) / (1 - rho ** 2) ** 3
    return np.sqrt(var)


def simulate_latent(world: World, context: np.ndarray, style: np.ndarray, lag: np.ndarray,
                    person: np.ndarray, people: People, noise: np.ndarray) -> np.ndarray:
    """Jointly simulate both people of every clip.

    context (L,), style (L, 2), lag (L, 2) int, person (L, 2) person ids, noise (L, 2, T_SIM, D)
    standard normal. Returns latent z (L, 2, RAW_FRAMES, D) float64 (burn-in dropped).
    """
    n_pairs = context.shape[0]
    lvl = world.context_level[context]                        # (L, D)
    base = lvl[:, None, :] + people.offset[person] + world.style_bias[style]   # (L, 2, D)
    gain = world.style_gain[style] * people.responsiveness[person][..., None, None]  # (L,2,D,D)
    rho = np.exp(-1.0 / people.tau[person])                   # (L, 2)
    scale = (OWN_STD / _smooth2_gain(rho)[..., None])         # (L, 2, D)
    e1 = np.zeros((n_pairs, 2, D))
    own = np.zeros((n_pairs, 2, D))
    z = np.zeros((n_pairs, 2, T_SIM, D))
    dev = np.zeros((n_pairs, 2, T_SIM, D))                    # z - the person's own baseline
    rows = np.arange(n_pairs)
    r3 = rho[..., None]
    for t in range(T_SIM):
        e1 = r3 * e1 + noise[:, :, t, :]
        own = r3 * own + (1 - r3) * e1
        # partner deviation at t - lag (zero before the simulation starts)
        react = np.zeros((n_pairs, 2, D))
        for who in (0, 1):
            src = t - lag[:, who]
            ok = src >= 0
            if ok.any():
                pdev = dev[rows[ok], 1 - who, src[ok]]          # (n_ok, D)
                react[ok, who] = np.einsum("nij,nj->ni", gain[ok, who], pdev)
        zt = base + own * scale + react
        z[:, :, t] = zt
        dev[:, :, t] = zt - base
    return z[:, :, BURN_IN:]


def smooth_white(white: np.ndarray, tau: float, pad: int) -> np.ndarray:
    """Unit-variance second-order smoothed noise from white noise along the last axis (time);
    the first ``pad`` samples (filter warm-up) are dropped."""
    rho = np.exp(-1.0 / tau)
    y = lfilter([1.0 - rho], [1.0, -rho], lfilter([1.0], [1.0, -rho], white, axis=-1), axis=-1)
    return y[..., pad:] / _smooth2_gain(np.asarray(rho))


def hysteresis(y: np.ndarray, h: float) -> np.ndarray:
    """Binary state along axis 1 of y (N, T, K): on when y > h, off when y < -h, else unchanged.
    The initial state is y[:, 0] > 0."""
    state = y[:, 0] > 0.0
    out = np.empty(y.shape, dtype=bool)
    out[:, 0] = state
    for t in range(1, y.shape[1]):
        yt = y[:, t]
        state = (state | (yt > h)) & ~(yt < -h)
        out[:, t] = state
    return out


def attributes(world: World, z: np.ndarray, context: np.ndarray, person: np.ndarray,
               people: People, au_noise: np.ndarray, expr_noise: np.ndarray) -> np.ndarray:
    """Read attributes out of latent states.

    z (N, T, D) for N person-clips, context (N,), person (N,), au_noise (N, T, 15) and
    expr_noise (N, T, 8) unit-variance smooth noise. Returns (N, T, 25) float64.
    """
    n, t, _ = z.shape
    out = np.empty((n, t, N_ATTRS))
    au_y = (z @ world.au_load.T + world.au_bias + world.context_au[context][:, None]
            + people.au_offset[person][:, None] + AU_NOISE_STD * au_noise)
    active = hysteresis(au_y, AU_HYSTERESIS) & ~people.au_disabled[person][:, None, :]
    out[..., :N_AUS] = active
    out[..., 15:17] = np.tanh(z[..., :2])
    logits = (z @ world.expr_load.T + world.expr_bias + world.context_expr[context][:, None]
              + people.expr_offset[person][:, None] + EXPR_NOISE_STD * expr_noise)
    logits -= logits.max(axis=-1, keepdims=True)
    ex = np.exp(logits)
    out[..., 17:] = ex / ex.sum(axis=-1, keepdims=True)
    return out


# ------------------------------------------------------------------------------------------------
# features
# ------------------------------------------------------------------------------------------------

# fixed affine standardisation of attributes before the video projection
_ATTR_CENTER = np.r_[np.full(15, 0.3), np.zeros(2), np.full(8, 0.125)]
_ATTR_SCALE = np.r_[np.full(15, 0.5), np.full(2, 0.4), np.full(8, 0.2)]


def video_projection(video_dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Fixed random projection (W (25, Dv), b (Dv,)), a function of WORLD_SEED and Dv only."""
    rng = np.random.default_rng([WORLD_SEED, 1, video_dim])
    w = rng.standard_normal((N_ATTRS, video_dim)) * (1.2 / np.sqrt(N_ATTRS))
    b = rng.normal(0.0, 0.3, video_dim)
    return w, b


def audio_projection(audio_dim: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fixed (arousal loading (Da,), context embedding (C, Da), bias (Da,))."""
    rng = np.random.default_rng([WORLD_SEED, 2, audio_dim])
    return (rng.normal(0.0, 1.5, audio_dim), rng.normal(0.0, 0.6, (N_CONTEXTS, audio_dim)),
            rng.normal(0.0, 0.2, audio_dim))


def video_features(attrs: np.ndarray, appearance: np.ndarray, proj: tuple[np.ndarray, np.ndarray],
                   noise: np.ndarray) -> np.ndarray:
    """attrs (N, T, 25) -> (N, T, Dv) float32: tanh(W·standardised attrs + b) + identity + noise.

    noise: (N, T, Dv) float32 standard normal (overwritten in place to save memory)."""
    w, b = proj
    x = ((attrs - _ATTR_CENTER) / _ATTR_SCALE).astype(np.float32)
    v = x @ w.astype(np.float32)
    v += b.astype(np.float32)
    np.tanh(v, out=v)
    v += appearance.astype(np.float32)[:, None, :]
    noise *= np.float32(VIDEO_NOISE_STD)
    v += noise
    return v


def audio_features(arousal: np.ndarray, context: np.ndarray,
                   proj: tuple[np.ndarray, np.ndarray, np.ndarray],
                   noise: np.ndarray) -> np.ndarray:
    """arousal (N, T) -> (N, T, Da) float32: tanh(arousal·w + context embedding + b) + noise."""
    w, emb, b = proj
    a = arousal.astype(np.float32)[..., None] * w.astype(np.float32)
    a += (emb[context] + b).astype(np.float32)[:, None, :]
    np.tanh(a, out=a)
    noise *= np.float32(AUDIO_NOISE_STD)
    a += noise
    return a
