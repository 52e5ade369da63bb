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

Numerics (docs/synthetic_world.md, "Bit-identical on every machine"): every value that is written
or compared with a threshold is computed with IEEE basic operations in a fixed order, either by
the numba kernels below (no fastmath) or by element-wise numpy + - * / sqrt; exp, tanh and atanh
come from detmath.py. No BLAS, LAPACK, numpy reduction or transcendental ufunc is involved, so the
bytes do not depend on the CPU. Random draws come from numpy Generators keyed as documented.
Kernels here inline detmath's: when detmath.py changes, touch this file (numba's cache is keyed on
the source file of each kernel).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from react_bench.constants import N_ATTRS, RAW_FRAMES
from react_bench.data import detmath as dm

WORLD_SEED = 20230611          # fixes the world (prototypes, styles, projections); never the split seed
GENERATOR_VERSION = "1"        # bump whenever the generative model (its equations) changes
NUMERICS_REVISION = 2          # bump whenever only the numerics (last bits, threshold flips) change
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
    level[:, :2] = dm.atanh_array(level[:, :2])
    level[:, 2:] *= FACIAL_LEVEL_SCALE
    gains = np.zeros((N_STYLES, D, D))
    for s, (_, _, gain, _) in enumerate(_STYLE_TABLE):
        for (to, frm), g in gain.items():
            gains[s, to, frm] = g
        norm = dm.spectral_norm(gains[s])        # deterministic (LAPACK's SVD is not)
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


def _smooth2_gain(rho):
    """Std of y for unit white input to y = AR1(AR1(e)) with output gain (1-rho): normaliser.
    Element-wise basic operations only (no pow), for floats or arrays."""
    a = 1.0 - rho
    b = 1.0 - rho * rho
    var = a * a * (1.0 + rho * rho) / (b * b * b)
    return np.sqrt(var)


@njit(cache=True, error_model="numpy")
def _simulate_kernel(base, gain, rho, scale, lag, noise, burn_in, out):
    """Joint two-person recursion, pair by pair, in a fixed order (see simulate_latent)."""
    n_pairs, _, n_dim = base.shape
    t_sim = noise.shape[2]
    dev = np.zeros((2, t_sim, n_dim))            # z - the person's own baseline
    e1 = np.zeros((2, n_dim))
    own = np.zeros((2, n_dim))
    for i in range(n_pairs):
        e1[:] = 0.0
        own[:] = 0.0
        for t in range(t_sim):
            for p in range(2):
                r = rho[i, p]
                c = 1.0 - r
                for d in range(n_dim):
                    e = r * e1[p, d] + noise[i, p, t, d]
                    e1[p, d] = e
                    own[p, d] = r * own[p, d] + c * e
            for p in range(2):
                src = t - lag[i, p]                  # lag >= 1: the partner's row src is done
                for d in range(n_dim):
                    react = 0.0
                    if src >= 0:
                        for j in range(n_dim):
                            react += gain[i, p, d, j] * dev[1 - p, src, j]
                    z = (base[i, p, d] + own[p, d] * scale[i, p, d]) + react
                    dev[p, t, d] = z - base[i, p, d]
                    if t >= burn_in:
                        out[i, p, t - burn_in, d] = z


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
    rho = dm.exp_array(-1.0 / people.tau[person])            # (L, 2)
    scale = OWN_STD / _smooth2_gain(rho)[..., None]           # (L, 2, D)
    if np.any(lag < 1):
        raise ValueError("reaction lags must be >= 1 frame")
    out = np.empty((n_pairs, 2, T_SIM - BURN_IN, D))
    _simulate_kernel(np.ascontiguousarray(base), np.ascontiguousarray(gain), rho, scale,
                     np.ascontiguousarray(lag, dtype=np.int64), np.ascontiguousarray(noise),
                     BURN_IN, out)
    return out


@njit(cache=True, error_model="numpy")
def _ar2_kernel(white, rho, gain, pad, out):
    """Two AR(1) passes per row: y1 = x + rho y1', y2 = (1 - rho) y1 + rho y2' (zero initial
    state, scipy.signal.lfilter's arithmetic), then y2 / gain for samples from ``pad`` on."""
    c = 1.0 - rho
    for row in range(white.shape[0]):
        y1 = 0.0
        y2 = 0.0
        for t in range(white.shape[1]):
            y1 = white[row, t] + rho * y1
            y2 = c * y1 + rho * y2
            if t >= pad:
                out[row, t - pad] = y2 / gain


def smooth_white(white: np.ndarray, tau: float, pad: int) -> np.ndarray:
    """Unit-variance second-order smoothed noise from white noise along the last axis (time);
    the first ``pad`` samples (filter warm-up) are dropped."""
    rho = dm.exp(-1.0 / tau)
    gain = float(_smooth2_gain(rho))
    white = np.ascontiguousarray(white, dtype=np.float64)
    n_t = white.shape[-1]
    out = np.empty(white.shape[:-1] + (n_t - pad,))
    _ar2_kernel(white.reshape(-1, n_t), rho, gain, pad, out.reshape(-1, n_t - pad))
    return out


@njit(cache=True, error_model="numpy")
def _attributes_kernel(z, au_load, au_bias, ctx_au, au_off, au_noise, au_std, h, disabled,
                       expr_load, expr_bias, ctx_ex, ex_off, ex_noise, ex_std, out):
    """Per person-clip and frame: AU activations (sums in fixed order) through hysteresis,
    tanh of valence/arousal, softmax of the expression logits."""
    n, n_t, n_dim = z.shape
    n_au = au_load.shape[0]
    n_ex = expr_load.shape[0]
    state = np.zeros(n_au, dtype=np.bool_)
    logit = np.empty(n_ex)
    for i in range(n):
        for t in range(n_t):
            for k in range(n_au):
                y = 0.0
                for d in range(n_dim):
                    y += z[i, t, d] * au_load[k, d]
                y = y + au_bias[k]
                y = y + ctx_au[i, k]
                y = y + au_off[i, k]
                y = y + au_std * au_noise[i, t, k]
                if t == 0:
                    on = y > 0.0
                else:
                    on = (state[k] or y > h) and not (y < -h)
                state[k] = on
                out[i, t, k] = 1.0 if (on and not disabled[i, k]) else 0.0
            out[i, t, n_au] = dm.tanh(z[i, t, 0])
            out[i, t, n_au + 1] = dm.tanh(z[i, t, 1])
            top = -dm.INF
            for k in range(n_ex):
                y = 0.0
                for d in range(n_dim):
                    y += z[i, t, d] * expr_load[k, d]
                y = y + expr_bias[k]
                y = y + ctx_ex[i, k]
                y = y + ex_off[i, k]
                y = y + ex_std * ex_noise[i, t, k]
                logit[k] = y
                if y > top:
                    top = y
            total = 0.0
            for k in range(n_ex):
                e = dm.exp(logit[k] - top)
                logit[k] = e
                total += e
            for k in range(n_ex):
                out[i, t, n_au + 2 + k] = logit[k] / total


def attributes(world: World, z: np.ndarray, context: np.ndarray, person: np.ndarray,
               people: People, au_noise: np.ndarray, expr_noise: np.ndarray) -> np.ndarray:
    """Read attributes out of latent states.

    z (N, T, D) for N person-clips, context (N,), person (N,), au_noise (N, T, 15) and
    expr_noise (N, T, 8) unit-variance smooth noise. Returns (N, T, 25) float64.

    AU activation y = ((((U z) + u0) + context offset) + person offset) + 0.5 noise, on/off by
    hysteresis; valence/arousal tanh(z); expressions softmax(E z + e0 + offsets + 0.15 noise).
    """
    n, t, _ = z.shape
    out = np.empty((n, t, N_ATTRS))
    c = np.ascontiguousarray
    _attributes_kernel(c(z, dtype=np.float64), world.au_load, world.au_bias,
                       c(world.context_au[context]), c(people.au_offset[person]),
                       c(au_noise, dtype=np.float64), AU_NOISE_STD, AU_HYSTERESIS,
                       c(people.au_disabled[person]), world.expr_load, world.expr_bias,
                       c(world.context_expr[context]), c(people.expr_offset[person]),
                       c(expr_noise, dtype=np.float64), EXPR_NOISE_STD, out)
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


@njit(cache=True, error_model="numpy")
def _video_kernel(attrs, center, scale, w, b, appearance, noise_std, noise, out):
    n, n_t, n_in = attrs.shape
    n_out = w.shape[1]
    x = np.empty(n_in)
    acc = np.empty(n_out)
    for i in range(n):
        for t in range(n_t):
            for k in range(n_in):
                x[k] = (attrs[i, t, k] - center[k]) / scale[k]
            for j in range(n_out):
                acc[j] = 0.0
            for k in range(n_in):                    # fixed order over k for every output j
                xk = x[k]
                for j in range(n_out):
                    acc[j] += xk * w[k, j]
            for j in range(n_out):
                v = dm.tanh(acc[j] + b[j]) + appearance[i, j]
                v = v + noise_std * np.float64(noise[i, t, j])
                out[i, t, j] = np.float32(v)


@njit(cache=True, error_model="numpy")
def _audio_kernel(arousal, w, offset, noise_std, noise, out):
    n, n_t = arousal.shape
    n_out = w.shape[0]
    for i in range(n):
        for t in range(n_t):
            a = arousal[i, t]
            for j in range(n_out):
                v = dm.tanh(a * w[j] + offset[i, j])
                v = v + noise_std * np.float64(noise[i, t, j])
                out[i, t, j] = np.float32(v)


def video_features(attrs: np.ndarray, appearance: np.ndarray, proj: tuple[np.ndarray, np.ndarray],
                   noise: np.ndarray) -> np.ndarray:
    """attrs (N, T, 25) -> (N, T, Dv) float32: tanh(W·standardised attrs + b) + identity + noise.

    noise: (N, T, Dv) float32 standard normal. Computed in float64 (sums over the 25 inputs in
    index order), rounded once to float32."""
    w, b = proj
    c = np.ascontiguousarray
    out = np.empty(noise.shape, dtype=np.float32)
    _video_kernel(c(attrs, dtype=np.float64), _ATTR_CENTER, _ATTR_SCALE, c(w, dtype=np.float64),
                  c(b, dtype=np.float64), c(appearance, dtype=np.float64), VIDEO_NOISE_STD,
                  c(noise, dtype=np.float32), out)
    return out


def audio_features(arousal: np.ndarray, context: np.ndarray,
                   proj: tuple[np.ndarray, np.ndarray, np.ndarray],
                   noise: np.ndarray) -> np.ndarray:
    """arousal (N, T) -> (N, T, Da) float32: tanh(arousal·w + context embedding + b) + noise,
    computed in float64 and rounded once to float32."""
    w, emb, b = proj
    c = np.ascontiguousarray
    out = np.empty(noise.shape, dtype=np.float32)
    _audio_kernel(c(arousal, dtype=np.float64), c(w, dtype=np.float64), c(emb[context] + b),
                  AUDIO_NOISE_STD, c(noise, dtype=np.float32), out)
    return out
