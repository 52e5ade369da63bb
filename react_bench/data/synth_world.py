"""The synthetic dyadic world behind the embedded default dataset (docs/synthetic_world.md).

Everything here is a pure function of a generator constant (the *world*: contexts, styles, loadings,
feature projections) and of explicit random generators (the *sample*: sessions, people, clips).

Latent space (per person, per frame), D = 6 dims::

    0 valence   1 arousal   2 smile   3 brow   4 frown   5 mouth (talking)

Generator version 2. Two people of one clip evolve jointly: each one's latent state is a context
level, plus a personal offset, plus the person's reaction-style bias, plus a deviation that is the
sum of their own smooth dynamics and a style-specific signed permutation of the partner's lagged
deviation, both in units of the per-dim own-dynamics scale (so the partner term carries a fixed
share of the variance whatever the dims it maps). The styles admissible in one context map every
dim from different partner dims or with opposite signs, so they respond differently to one speaker.
Attributes (15 AUs, valence/arousal, 8 expression probabilities) are read out of the latent state;
video and audio features are fixed random projections of attributes (video) or of arousal and
context (audio). ``counterfactual_latent`` re-drives one listener by a recorded partner trajectory
under another style or with other noise (the evaluation-only ground truth).

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
GENERATOR_VERSION = "2"        # bump whenever the generative model (its equations) changes
NUMERICS_REVISION = 2          # bump whenever only the numerics (last bits, threshold flips) change
LATENT_NAMES = ("valence", "arousal", "smile", "brow", "frown", "mouth")
D = len(LATENT_NAMES)
BURN_IN = 200                  # frames simulated before the 751 kept ones (warm-up to stationarity)
T_SIM = RAW_FRAMES + BURN_IN

V, A, SM, BR, FR, MO = range(D)

# ------------------------------------------------------------------------------------------------
# contexts: direction on the valence-arousal circumplex + facial-activity levels
# ------------------------------------------------------------------------------------------------
# (name, valence dir, arousal dir, smile, brow, frown, mouth). The attribute-space valence/arousal
# level is VA_CENTRE + VA_RING * direction (converted with arctanh); the other four are latent
# levels (scaled by FACIAL_LEVEL_SCALE) that drive AUs and expressions.
_CONTEXT_TABLE = (
    ("heated debate",       0.00,  1.00, -0.2,  0.5,  0.3,  0.8),
    ("joyful chat",         0.78,  0.62,  0.9,  0.2, -0.6,  0.5),
    ("warm agreement",      0.97, -0.22,  0.6, -0.1, -0.5,  0.0),
    ("calm small talk",     0.44, -0.90,  0.2, -0.4, -0.3, -0.5),
    ("bored exchange",     -0.44, -0.90, -0.4, -0.5,  0.1, -0.7),
    ("sad disclosure",     -0.97, -0.22, -0.6,  0.4,  0.6, -0.2),
    ("tense disagreement", -0.78,  0.62, -0.5,  0.0,  0.9,  0.4),
    ("formal interview",    0.00,  0.00,  0.0,  0.1,  0.0,  0.2),
)
CONTEXT_NAMES = tuple(row[0] for row in _CONTEXT_TABLE)
N_CONTEXTS = len(CONTEXT_NAMES)
VA_CENTRE = (0.08, 0.06)       # attribute-space (valence, arousal) at the centre of the circumplex
VA_RING = 0.25                 # attribute-space radius of the context ring
FACIAL_LEVEL_SCALE = 0.45      # shrinks the tables' facial levels/biases (AUs vary within clips)

# ------------------------------------------------------------------------------------------------
# reaction styles: bias b_s (latent), response map Q_s (listener dim <- sign * partner dim),
# response gain g_s (in own-dynamics units), lag range (frames)
# ------------------------------------------------------------------------------------------------
# Each entry: (name, {dim: bias}, {to: (from, sign)}, gain, (lag_lo, lag_hi)). Every map is a
# signed permutation; only "mirroring" copies the partner. The maps were chosen (by a seeded search
# recorded in docs/synthetic_world.md) so that any two styles admissible in one context share no
# (to, from, sign) entry that is not cancelled by an opposite one: tr(Q_a^T Q_b) = 0, i.e. their
# responses to one speaker are uncorrelated to first order, and the mean over the three styles of
# a context keeps only a third of a single style's response variance.
_STYLE_TABLE = (
    ("mirroring",   {},
     {V: (V, 1), A: (A, 1), SM: (SM, 1), BR: (BR, 1), FR: (FR, 1), MO: (MO, 1)}, 0.8, (15, 25)),
    ("empathic",    {V: -.018, SM: -.2, FR: .3},
     {V: (MO, -1), A: (FR, 1), SM: (A, 1), BR: (SM, -1), FR: (BR, -1), MO: (V, 1)}, 0.8, (8, 18)),
    ("amused",      {V: .021, A: .009, SM: .6},
     {V: (A, -1), A: (FR, -1), SM: (V, 1), BR: (MO, -1), FR: (BR, 1), MO: (SM, 1)}, 0.8, (5, 12)),
    ("soothing",    {V: .009, A: -.021, MO: -.4},
     {V: (MO, 1), A: (SM, -1), SM: (A, 1), BR: (BR, -1), FR: (V, -1), MO: (FR, 1)}, 0.8, (12, 25)),
    ("contrarian",  {V: -.021, A: .012, FR: .4, SM: -.3},
     {V: (A, 1), A: (V, -1), SM: (SM, -1), BR: (BR, -1), FR: (FR, -1), MO: (MO, -1)}, 0.8, (8, 20)),
    ("surprised",   {A: .021, BR: .6, MO: .3},
     {V: (MO, 1), A: (A, -1), SM: (FR, -1), BR: (SM, 1), FR: (BR, -1), MO: (V, 1)}, 0.8, (5, 10)),
    ("backchannel", {V: .009, A: -.009, MO: -.5, SM: .2},
     {V: (A, -1), A: (FR, 1), SM: (MO, -1), BR: (V, 1), FR: (SM, 1), MO: (BR, -1)}, 0.8, (10, 22)),
    ("energised",   {V: .009, A: .021, MO: .4},
     {V: (BR, 1), A: (MO, 1), SM: (A, 1), BR: (V, -1), FR: (SM, 1), MO: (FR, 1)}, 0.8, (5, 14)),
    ("reserved",    {V: -.009, A: -.018, SM: -.5, MO: -.6, BR: -.3},
     {V: (A, 1), A: (MO, -1), SM: (SM, -1), BR: (V, 1), FR: (FR, -1), MO: (BR, -1)}, 0.8, (15, 25)),
    ("anxious",     {V: -.015, A: .018, FR: .4, BR: .4},
     {V: (V, -1), A: (A, -1), SM: (BR, -1), BR: (FR, -1), FR: (MO, -1), MO: (SM, -1)}, 0.8, (6, 16)),
    ("warm",        {V: .021, A: -.006, SM: .5},
     {V: (SM, 1), A: (V, -1), SM: (MO, 1), BR: (FR, -1), FR: (A, 1), MO: (BR, -1)}, 0.8, (8, 20)),
    ("sceptical",   {V: -.015, FR: .3, SM: -.3},
     {V: (FR, -1), A: (SM, 1), SM: (BR, 1), BR: (MO, -1), FR: (V, -1), MO: (A, -1)}, 0.8, (10, 25)),
)
STYLE_NAMES = tuple(row[0] for row in _STYLE_TABLE)
N_STYLES = len(STYLE_NAMES)
_BIAS_SCALE = np.r_[1.0, 1.0, np.full(4, FACIAL_LEVEL_SCALE)]
MAX_STYLE_GAIN = 0.8           # spectral norm cap (own-dynamics units): keeps the loop stable

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
N_ADMISSIBLE = len(ADMISSIBLE[0])

# ------------------------------------------------------------------------------------------------
# read-out loadings
# ------------------------------------------------------------------------------------------------
# AU activation y = U·z + u0 + offsets + smooth noise; on/off by hysteresis around 0. (name, {dim: w}, u0)
_AU_TABLE = (
    ("AU1",  {BR: 1.2, FR: .3},            -0.35),
    ("AU2",  {BR: 1.2},                    -0.45),
    ("AU4",  {FR: 1.3},                    -0.45),
    ("AU6",  {SM: 1.3, V: .3},              -0.15),
    ("AU7",  {FR: .6, SM: .5},             -0.25),
    ("AU9",  {FR: .8},                     -0.55),   # rare
    ("AU10", {FR: .5, MO: .5},             -0.45),
    ("AU12", {SM: 1.5},                     -0.05),
    ("AU14", {SM: .4, MO: .4},             -0.35),
    ("AU15", {FR: .8, V: -.4},             -0.45),   # rare
    ("AU17", {FR: .5, MO: .3},             -0.45),
    ("AU23", {FR: .6},                     -0.55),   # rare
    ("AU24", {MO: -.6},                    -0.25),   # rare
    ("AU25", {MO: 1.3, SM: .3},              0.15),   # frequent (talking)
    ("AU26", {MO: 1.0, A: .3},             -0.25),
)
N_AUS = len(_AU_TABLE)
AU_NOISE_TAU = 4.0             # frames; time constant of the AU-specific smooth noise
AU_NOISE_STD = 0.33
AU_HYSTERESIS = 0.15           # an AU switches on above +h and off below -h (no flicker)
AU_PERSON_STD = 0.25          # per person and AU activation offset (detector/face bias)
AU_CONTEXT_STD = 0.4           # per context and AU activation offset
# Never-detected AUs (constant columns): in a clip the detector reports every AU with
# probability AU_ALL_DETECTED_P; otherwise it misses each AU of the person with a person-specific
# probability q_p ~ U(AU_MISS_RANGE), so missed AUs cluster by person (docs: Synchrony).
AU_ALL_DETECTED_P = 0.25
AU_MISS_RANGE = (0.05, 0.4)

# expression logits = E·z + e0 + offsets + smooth noise; probabilities = softmax
_EXPR_TABLE = (
    ("Neutral",  {A: -.5, SM: -.6, BR: -.4, FR: -.5},  1.4),
    ("Happy",    {V: 3.0, SM: 1.2},                   -0.6),
    ("Sad",      {V: -2.6, A: -.8, FR: .6},           -1.2),
    ("Surprise", {A: 1.8, BR: 1.3},                   -1.3),
    ("Fear",     {V: -1.0, A: 1.8, BR: .5, FR: .3},   -2.2),
    ("Disgust",  {V: -1.2, FR: .9},                   -2.3),
    ("Anger",    {V: -2.0, A: 1.6, FR: 1.0},          -1.9),
    ("Contempt", {V: -.8, MO: .4, FR: .3},            -2.1),
)
EXPR_NOISE_STD = 0.6           # expression-logit detector noise
EXPR_NOISE_TAU = 3.0           # frames; time constant of the expression and valence/arousal noise
VA_NOISE_STD = 0.05            # valence/arousal detector noise (pre-tanh), same filter
EXPR_CONTEXT_STD = 0.8        # per context and expression logit offset
EXPR_PERSON_STD = 0.7         # per person and expression logit offset
N_READOUT_NOISE = 8 + 2        # smooth noise rows per person-clip: 8 expressions, then V and A

# own dynamics: second-order smoothed noise, per-person time constant drawn from OWN_TAU (frames)
OWN_TAU = (5.0, 15.0)
OWN_TAU_SCALE = np.array([1.0, 1.0, 0.6, 0.6, 0.6, 0.6])   # facial dims move faster than V/A
OWN_STD = np.array([0.06, 0.06, 0.36, 0.36, 0.36, 0.42])     # per latent dim (pre-tanh units)
PERSON_OFFSET_STD = np.array([0.025, 0.025, 0.15, 0.15, 0.15, 0.15])
RESPONSIVENESS = (0.9, 1.1)    # per-person multiplier of the style gain

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
    style_gain: np.ndarray         # (R, D, D) listener dim <- partner dim, own-dynamics units
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
    table = np.array([row[1:] for row in _CONTEXT_TABLE], dtype=np.float64)
    level = table.copy()
    level[:, 0] = dm.atanh_array(VA_CENTRE[0] + VA_RING * table[:, 0])
    level[:, 1] = dm.atanh_array(VA_CENTRE[1] + VA_RING * table[:, 1])
    level[:, 2:] *= FACIAL_LEVEL_SCALE
    gains = np.zeros((N_STYLES, D, D))
    for s, (_, _, mapping, gain, _) in enumerate(_STYLE_TABLE):
        for to, (frm, sign) in mapping.items():
            gains[s, to, frm] = sign * gain
        norm = dm.spectral_norm(gains[s])        # deterministic (LAPACK's SVD is not)
        if norm > MAX_STYLE_GAIN:
            gains[s] *= MAX_STYLE_GAIN / norm
    return World(
        context_level=level,
        context_au=rng.normal(0.0, AU_CONTEXT_STD, (N_CONTEXTS, N_AUS)),
        context_expr=rng.normal(0.0, EXPR_CONTEXT_STD, (N_CONTEXTS, 8)),
        style_bias=_dense(tuple(row[1] for row in _STYLE_TABLE), N_STYLES) * _BIAS_SCALE,
        style_gain=gains,
        style_lag=np.array([row[4] for row in _STYLE_TABLE], dtype=np.int64),
        au_load=_dense(tuple(row[1] for row in _AU_TABLE), N_AUS),
        au_bias=np.array([row[2] for row in _AU_TABLE]),
        expr_load=_dense(tuple(row[1] for row in _EXPR_TABLE), 8),
        expr_bias=np.array([row[2] for row in _EXPR_TABLE]),
    )


def latent_gain(world: World, style: np.ndarray, responsiveness: np.ndarray) -> np.ndarray:
    """(..., D, D) latent-unit gains of the partner term: r * G_s[d, j] * OWN_STD[d] / OWN_STD[j]
    (the style maps standardised deviations). style and responsiveness broadcast together."""
    ratio = OWN_STD[:, None] / OWN_STD[None, :]
    return (world.style_gain[style] * ratio) * np.asarray(responsiveness)[..., None, None]


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
    au_miss_p: np.ndarray          # (N,) probability that the detector misses an AU in a clip
    expr_offset: np.ndarray        # (N, 8)
    appearance: np.ndarray         # (N, Dv) video identity (appearance) offset


def sample_people(rng: np.random.Generator, n: int, video_dim: int) -> People:
    offset = rng.normal(0.0, 1.0, (n, D)) * PERSON_OFFSET_STD
    tau = rng.uniform(*OWN_TAU, n)
    responsiveness = rng.uniform(*RESPONSIVENESS, n)
    au_offset = rng.normal(0.0, AU_PERSON_STD, (n, N_AUS))
    miss_p = rng.uniform(*AU_MISS_RANGE, n)
    return People(
        offset=offset,
        tau=tau,
        responsiveness=responsiveness,
        au_offset=au_offset,
        au_miss_p=miss_p,
        expr_offset=rng.normal(0.0, EXPR_PERSON_STD, (n, 8)),
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
def _simulate_kernel(base, gain, rho, scale, lag, noise, burn_in, out, dev):
    """Joint two-person recursion, pair by pair, in a fixed order (see simulate_latent).
    ``dev`` (L, 2, T_SIM, D) receives every frame's deviation z - base, burn-in included."""
    n_pairs, _, n_dim = base.shape
    t_sim = noise.shape[2]
    e1 = np.zeros((2, n_dim))
    own = np.zeros((2, n_dim))
    for i in range(n_pairs):
        e1[:] = 0.0
        own[:] = 0.0
        for t in range(t_sim):
            for p in range(2):
                for d in range(n_dim):
                    r = rho[i, p, d]
                    c = 1.0 - r
                    e = r * e1[p, d] + noise[i, p, t, d]
                    e1[p, d] = e
                    own[p, d] = r * own[p, d] + c * e
            for p in range(2):
                src = t - lag[i, p]                  # lag >= 1: the partner's row src is done
                for d in range(n_dim):
                    react = 0.0
                    if src >= 0:
                        for j in range(n_dim):
                            react += gain[i, p, d, j] * dev[i, 1 - p, src, j]
                    z = (base[i, p, d] + own[p, d] * scale[i, p, d]) + react
                    dev[i, p, t, d] = z - base[i, p, d]
                    if t >= burn_in:
                        out[i, p, t - burn_in, d] = z


@njit(cache=True, error_model="numpy")
def _counterfactual_kernel(base, gain, rho, scale, lag, partner, noise, burn_in, out):
    """One listener per row n driven by a fixed partner deviation trajectory partner[n]
    (T_SIM, D): the listener half of _simulate_kernel, the same operations in the same order, so
    the recorded style, lag and noise reproduce the recorded listener bit for bit."""
    n_rows, n_dim = base.shape
    t_sim = noise.shape[1]
    e1 = np.zeros(n_dim)
    own = np.zeros(n_dim)
    for i in range(n_rows):
        e1[:] = 0.0
        own[:] = 0.0
        for t in range(t_sim):
            for d in range(n_dim):
                r = rho[i, d]
                c = 1.0 - r
                e = r * e1[d] + noise[i, t, d]
                e1[d] = e
                own[d] = r * own[d] + c * e
            src = t - lag[i]
            for d in range(n_dim):
                react = 0.0
                if src >= 0:
                    for j in range(n_dim):
                        react += gain[i, d, j] * partner[i, src, j]
                z = (base[i, d] + own[d] * scale[i, d]) + react
                if t >= burn_in:
                    out[i, t - burn_in, d] = z


def _own_scale(tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rho, scale), both (..., D): per-dim AR pole exp(-1/(tau * OWN_TAU_SCALE)) and own-noise
    scale OWN_STD / kappa(rho)."""
    rho = dm.exp_array(-1.0 / (np.asarray(tau)[..., None] * OWN_TAU_SCALE))
    return rho, OWN_STD / _smooth2_gain(rho)


def simulate_latent(world: World, context: np.ndarray, style: np.ndarray, lag: np.ndarray,
                    person: np.ndarray, people: People, noise: np.ndarray,
                    return_deviation: bool = False):
    """Jointly simulate both people of every clip.

    context (L,), style (L, 2), lag (L, 2) int, person (L, 2) person ids, noise (L, 2, T_SIM, D)
    standard normal. Returns latent z (L, 2, RAW_FRAMES, D) float64 (burn-in dropped), and with
    ``return_deviation`` also every frame's deviation from the baseline (L, 2, T_SIM, D), the
    partner input of ``counterfactual_latent``.
    """
    n_pairs = context.shape[0]
    lvl = world.context_level[context]                        # (L, D)
    base = lvl[:, None, :] + people.offset[person] + world.style_bias[style]   # (L, 2, D)
    gain = latent_gain(world, style, people.responsiveness[person])           # (L, 2, D, D)
    rho, scale = _own_scale(people.tau[person])               # (L, 2, D) each
    if np.any(lag < 1):
        raise ValueError("reaction lags must be >= 1 frame")
    out = np.empty((n_pairs, 2, T_SIM - BURN_IN, D))
    dev = np.zeros((n_pairs, 2, T_SIM, D))
    _simulate_kernel(np.ascontiguousarray(base), np.ascontiguousarray(gain),
                     np.ascontiguousarray(rho), np.ascontiguousarray(scale),
                     np.ascontiguousarray(lag, dtype=np.int64), np.ascontiguousarray(noise),
                     BURN_IN, out, dev)
    return (out, dev) if return_deviation else out


def counterfactual_latent(world: World, context: np.ndarray, style: np.ndarray, lag: np.ndarray,
                          person: np.ndarray, people: People, partner: np.ndarray,
                          noise: np.ndarray) -> np.ndarray:
    """Listeners re-driven by recorded partner trajectories (evaluation-only ground truth).

    Row n: a listener ``person[n]`` of a clip with ``context[n]`` reacting under ``style[n]`` with
    ``lag[n]`` to the partner deviation ``partner[n]`` (T_SIM, D) recorded by simulate_latent,
    with own-dynamics noise ``noise[n]`` (T_SIM, D). The partner is not re-simulated: it does not
    react back to this listener. Returns z (N, RAW_FRAMES, D) float64.
    """
    n = context.shape[0]
    base = world.context_level[context] + people.offset[person] + world.style_bias[style]
    gain = latent_gain(world, style, people.responsiveness[person])
    rho, scale = _own_scale(people.tau[person])
    if np.any(lag < 1):
        raise ValueError("reaction lags must be >= 1 frame")
    out = np.empty((n, T_SIM - BURN_IN, D))
    _counterfactual_kernel(np.ascontiguousarray(base), np.ascontiguousarray(gain),
                           np.ascontiguousarray(rho),
                           np.ascontiguousarray(scale), np.ascontiguousarray(lag, dtype=np.int64),
                           np.ascontiguousarray(partner, dtype=np.float64),
                           np.ascontiguousarray(noise, dtype=np.float64), BURN_IN, out)
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
                       expr_load, expr_bias, ctx_ex, ex_off, ex_noise, ex_std, va_std, out):
    """Per person-clip and frame: AU activations (sums in fixed order) through hysteresis,
    tanh of valence/arousal plus detector noise (ex_noise rows n_ex, n_ex + 1), softmax of the
    expression logits."""
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
            out[i, t, n_au] = dm.tanh(z[i, t, 0] + va_std * ex_noise[i, t, n_ex])
            out[i, t, n_au + 1] = dm.tanh(z[i, t, 1] + va_std * ex_noise[i, t, n_ex + 1])
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
               people: People, au_noise: np.ndarray, expr_noise: np.ndarray,
               au_missed: np.ndarray) -> np.ndarray:
    """Read attributes out of latent states.

    z (N, T, D) for N person-clips, context (N,), person (N,), au_missed (N, 15) bool (AUs the
    detector never reports in that clip: constant 0 columns), au_noise (N, T, 15) and
    expr_noise (N, T, 10) unit-variance smooth noise (8 expressions, then valence and arousal).
    Returns (N, T, 25) float64.

    AU activation y = ((((U z) + u0) + context offset) + person offset) + AU_NOISE_STD noise, on/off by
    hysteresis; valence/arousal tanh(z + VA_NOISE_STD noise); expressions
    softmax(E z + e0 + offsets + EXPR_NOISE_STD noise).
    """
    n, t, _ = z.shape
    out = np.empty((n, t, N_ATTRS))
    c = np.ascontiguousarray
    _attributes_kernel(c(z, dtype=np.float64), world.au_load, world.au_bias,
                       c(world.context_au[context]), c(people.au_offset[person]),
                       c(au_noise, dtype=np.float64), AU_NOISE_STD, AU_HYSTERESIS,
                       c(au_missed, dtype=np.bool_), world.expr_load, world.expr_bias,
                       c(world.context_expr[context]), c(people.expr_offset[person]),
                       c(expr_noise, dtype=np.float64), EXPR_NOISE_STD, VA_NOISE_STD, out)
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
