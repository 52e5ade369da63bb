"""Deterministic elementary functions, built from IEEE basic operations only.

numpy's transcendental ufuncs (np.exp, np.tanh, ...) and the C library's libm (which numba's
``math.exp`` calls) pick a SIMD or FMA code path per CPU at run time, so their last bits differ
between x86-64 machines. The functions here use nothing but + - * / on float64, comparisons, exact
truncation to an integer and exact multiplication by powers of two. Those are correctly rounded
(or exact) on every IEEE-754 machine, so each function gives the same bits everywhere, provided
the compiler neither reassociates nor fuses a*b+c into an FMA: numba does neither without
``fastmath`` (tests/test_synth_determinism.py checks the compiled kernels bit for bit against
the same code run by the Python interpreter).

Scalar functions (usable from other numba kernels): ``exp``, ``tanh``, ``log``, ``atanh``.
Array helpers for numpy callers: ``exp_array``, ``tanh_array``, ``atanh_array``;
``spectral_norm`` replaces ``np.linalg.norm(g, 2)`` (LAPACK) for small matrices.

The kernels are plain Python functions compiled with ``@njit(cache=True)`` (never fastmath);
``f.py_func`` is the same code for the interpreter. Callers in other modules inline these kernels
into their own numba cache: when this file changes, touch the callers (synth_world.py) too, else
a stale cached copy may be loaded.
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = float("inf")
NAN = float("nan")

# ln 2 split Cody-Waite style: LN2_HI has 29 significant bits, so k * LN2_HI is exact for
# |k| < 2**24; LN2_HI + LN2_LO equals ln 2 to within 5e-26.
LN2_HI = float.fromhex("0x1.62e42fep-1")
LN2_LO = float.fromhex("0x1.f473de6af278fp-30")
INV_LN2 = float.fromhex("0x1.71547652b82fep+0")      # 1 / ln 2, rounded
SQRT2 = float.fromhex("0x1.6a09e667f3bcdp+0")
SQRT1_2 = float.fromhex("0x1.6a09e667f3bcdp-1")

EXP_MAX = 709.782712893384         # above: exp overflows
EXP_MIN = -745.1332191019412       # below: exp rounds to 0

# 2**k for k in [-1022, 1023], built by exact doubling/halving (index k + POW2_BIAS)
POW2_BIAS = 1022


def _powers_of_two() -> np.ndarray:
    out = np.empty(1023 + POW2_BIAS + 1)
    p = 1.0
    for k in range(0, 1024):
        out[k + POW2_BIAS] = p
        p = p * 2.0
    p = 1.0
    for k in range(0, -POW2_BIAS - 1, -1):
        out[k + POW2_BIAS] = p
        p = p * 0.5
    return out


POW2 = _powers_of_two()
TWO_600 = float(POW2[600 + POW2_BIAS])
TWO_M600 = float(POW2[-600 + POW2_BIAS])


def _inverse_factorials(n: int) -> tuple[float, ...]:
    out = []
    f = 1
    for k in range(n + 1):
        out.append(1 / f)              # int / int: correctly rounded
        f *= k + 1
    return tuple(out)


_IF = _inverse_factorials(22)
# Taylor coefficients 1/k! of expm1 on |r| <= ln2/2 + eps (truncation error < 5e-18)
(E2, E3, E4, E5, E6, E7, E8, E9, E10, E11, E12, E13, E14) = _IF[2:15]
# Taylor coefficients of expm1 on |x| <= 1.2 for the small-argument branch of tanh
(F15, F16, F17, F18, F19, F20, F21, F22) = _IF[15:23]
# 1/(2j+1): series of atanh / log
_ODD = tuple(1 / (2 * j + 1) for j in range(40))
(O1, O2, O3, O4, O5, O6, O7, O8, O9, O10, O11, O12) = _ODD[1:13]


@njit(cache=True, error_model="numpy")
def floor_int(x: float) -> int:
    """floor(x) as an integer, from exact truncation (|x| < 2**62)."""
    k = int(x)
    if float(k) > x:
        k -= 1
    return k


@njit(cache=True, error_model="numpy")
def _expm1_poly(r: float) -> float:
    """e**r - 1 for |r| <= 0.35: degree-14 Taylor polynomial, Horner order, r + r*r*q(r)."""
    q = E14
    q = q * r + E13
    q = q * r + E12
    q = q * r + E11
    q = q * r + E10
    q = q * r + E9
    q = q * r + E8
    q = q * r + E7
    q = q * r + E6
    q = q * r + E5
    q = q * r + E4
    q = q * r + E3
    q = q * r + E2
    return r + (r * r) * q


@njit(cache=True, error_model="numpy")
def _scale2(y: float, k: int) -> float:
    """y * 2**k for 0.5 <= |y| < 2 and -1100 < k < 1100, rounded once (also into subnormals)."""
    if k > 1023:
        return (y * 2.0) * POW2[k - 1 + POW2_BIAS]
    if k < -1021:
        return (y * POW2[k + 600 + POW2_BIAS]) * TWO_M600
    return y * POW2[k + POW2_BIAS]


@njit(cache=True, error_model="numpy")
def exp(x: float) -> float:
    """e**x. Cody-Waite reduction x = k ln2 + r (|r| <= ln2/2), Taylor polynomial, 2**k scaling."""
    if x != x:
        return x
    if x > EXP_MAX:
        return INF
    if x < EXP_MIN:
        return 0.0
    k = floor_int(x * INV_LN2 + 0.5)
    fk = float(k)
    r = (x - fk * LN2_HI) - fk * LN2_LO
    return _scale2(1.0 + _expm1_poly(r), k)


@njit(cache=True, error_model="numpy")
def tanh(x: float) -> float:
    """tanh(x): expm1(2|x|) / (expm1(2|x|) + 2) below |x| = 0.55, 1 - 2 / (e**(2|x|) + 1) above."""
    if x != x or x == 0.0:
        return x
    a = -x if x < 0.0 else x
    if a > 22.0:
        t = 1.0
    elif a >= 0.55:
        t = 1.0 - 2.0 / (exp(a + a) + 1.0)
    elif a < 3.725290298461914e-09:    # 2**-28: tanh(a) rounds to a
        t = a
    else:
        e = _expm1_poly_wide(a + a)
        t = e / (e + 2.0)
    return -t if x < 0.0 else t


@njit(cache=True, error_model="numpy")
def _expm1_poly_wide(r: float) -> float:
    """e**r - 1 for 0 <= r <= 1.1 (degree-22 Taylor polynomial, truncation error < 1e-19)."""
    q = F22
    q = q * r + F21
    q = q * r + F20
    q = q * r + F19
    q = q * r + F18
    q = q * r + F17
    q = q * r + F16
    q = q * r + F15
    q = q * r + E14
    q = q * r + E13
    q = q * r + E12
    q = q * r + E11
    q = q * r + E10
    q = q * r + E9
    q = q * r + E8
    q = q * r + E7
    q = q * r + E6
    q = q * r + E5
    q = q * r + E4
    q = q * r + E3
    q = q * r + E2
    return r + (r * r) * q


@njit(cache=True, error_model="numpy")
def _atanh_series(s: float) -> float:
    """atanh(s) for |s| <= 0.18: s + s**3/3 + ... + s**25/25 (truncation error < 1e-20)."""
    s2 = s * s
    q = O12
    q = q * s2 + O11
    q = q * s2 + O10
    q = q * s2 + O9
    q = q * s2 + O8
    q = q * s2 + O7
    q = q * s2 + O6
    q = q * s2 + O5
    q = q * s2 + O4
    q = q * s2 + O3
    q = q * s2 + O2
    q = q * s2 + O1
    return s + (s * s2) * q


@njit(cache=True, error_model="numpy")
def log(x: float) -> float:
    """Natural log: x = m 2**k with m in [sqrt(1/2), sqrt(2)) by exact scaling, then
    log m = 2 atanh((m - 1) / (m + 1)) and log x = k ln2 + log m."""
    if x != x or x < 0.0:
        return NAN
    if x == 0.0:
        return -INF
    if x == INF:
        return x
    m = x
    k = 0
    while m >= 1.8446744073709552e+19:      # 2**64
        m = m * 5.421010862427522e-20       # 2**-64, exact
        k += 64
    while m < 5.421010862427522e-20:
        m = m * 1.8446744073709552e+19
        k -= 64
    while m >= SQRT2:
        m = m * 0.5
        k += 1
    while m < SQRT1_2:
        m = m * 2.0
        k -= 1
    f = m - 1.0                              # exact (Sterbenz)
    s = f / (m + 1.0)
    lm = 2.0 * _atanh_series(s)
    if k == 0:
        return lm
    fk = float(k)
    return fk * LN2_HI + (lm + fk * LN2_LO)


@njit(cache=True, error_model="numpy")
def _log1p(y: float) -> float:
    """log(1 + y) for y > -1: log(u) * y / (u - 1) with u = 1 + y rounded (the quotient
    corrects the rounding of u)."""
    u = 1.0 + y
    if u == 1.0:
        return y
    return log(u) * (y / (u - 1.0))


@njit(cache=True, error_model="numpy")
def atanh(x: float) -> float:
    """atanh(x) for |x| < 1 (+-inf at +-1, NaN beyond): series for |x| < 0.18, else
    0.5 log1p(2|x| / (1 - |x|))."""
    if x != x:
        return x
    a = -x if x < 0.0 else x
    if a > 1.0:
        return NAN
    if a == 1.0:
        t = INF
    elif a < 0.18:
        t = _atanh_series(a)
    else:
        t = 0.5 * _log1p((a + a) / (1.0 - a))
    return -t if x < 0.0 else t


@njit(cache=True, error_model="numpy")
def _exp_flat(x: np.ndarray, out: np.ndarray) -> None:
    for i in range(x.size):
        out[i] = exp(x[i])


@njit(cache=True, error_model="numpy")
def _tanh_flat(x: np.ndarray, out: np.ndarray) -> None:
    for i in range(x.size):
        out[i] = tanh(x[i])


@njit(cache=True, error_model="numpy")
def _atanh_flat(x: np.ndarray, out: np.ndarray) -> None:
    for i in range(x.size):
        out[i] = atanh(x[i])


def _apply(kernel, x) -> np.ndarray:
    arr = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty_like(arr)
    kernel(arr.reshape(-1), out.reshape(-1))
    return out


def exp_array(x) -> np.ndarray:
    """Element-wise deterministic exp (float64, same shape)."""
    return _apply(_exp_flat, x)


def tanh_array(x) -> np.ndarray:
    """Element-wise deterministic tanh (float64, same shape)."""
    return _apply(_tanh_flat, x)


def atanh_array(x) -> np.ndarray:
    """Element-wise deterministic atanh (float64, same shape)."""
    return _apply(_atanh_flat, x)


@njit(cache=True, error_model="numpy")
def spectral_norm(g: np.ndarray, iterations: int = 500) -> float:
    """Largest singular value of a small matrix g (m, n) by power iteration on M = g^T g.

    Fixed-order loops, a fixed number of iterations, start vector of ones, each iterate scaled
    by its largest |entry| (exact for powers of two, deterministic otherwise); the result is
    sqrt of the Rayleigh quotient v.Mv / v.v. It converges to the norm from below unless the start
    vector is orthogonal to the top eigenvector. For diagonal M (g a scaled signed permutation,
    as every style gain table) it is exact: sqrt(fl(x*x)) == |x|.
    """
    m, n = g.shape
    mat = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            acc = 0.0
            for r in range(m):
                acc += g[r, i] * g[r, j]
            mat[i, j] = acc
    v = np.ones(n)
    w = np.zeros(n)
    for _ in range(iterations):
        big = 0.0
        for i in range(n):
            acc = 0.0
            for j in range(n):
                acc += mat[i, j] * v[j]
            w[i] = acc
            a = -acc if acc < 0.0 else acc
            if a > big:
                big = a
        if big == 0.0:
            return 0.0
        for i in range(n):
            v[i] = w[i] / big
    num = 0.0
    den = 0.0
    for i in range(n):
        acc = 0.0
        for j in range(n):
            acc += mat[i, j] * v[j]
        num += v[i] * acc
        den += v[i] * v[i]
    return np.sqrt(num / den)
