"""Issue 9 §3: the synthetic dataset has one identity on every machine.

- detmath's exp/tanh/atanh/log are accurate (few ulp of numpy) and handle special values;
- the compiled numba kernels agree bit for bit with the same code run by the Python interpreter
  (no FMA contraction, no reassociation: evidence that the bytes do not depend on the CPU);
- the new numerics implement the same model as plain numpy/scipy code (to ~1e-12);
- golden fingerprints of the smoke and small profiles at seed 0, here and under an emulated
  other CPU (numba for baseline x86-64, numpy without AVX2, another OpenBLAS kernel, libm without
  its FMA variants).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from numba.core.registry import CPUDispatcher

from react_bench.data import default, detmath as dm, synth, synth_world as sw

GOLDEN = {
    "smoke": "258c08d379ef5867fc846f011102a97117db4c295eb955240521b8e893ff1c46",
    "small": "26717797c0dba09359918224622cadfa28e1d27854526f07a86f6ddafa788e02",
}


def _ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in units in the last place between float64 arrays (0 for equal bits)."""
    def ordered(x: np.ndarray) -> np.ndarray:
        i = np.ascontiguousarray(x, dtype=np.float64).view(np.int64)
        return np.where(i < 0, np.int64(-2**63) - i, i)
    return np.abs(ordered(a) - ordered(b))


# ------------------------------------------------------------------------------------------------
# accuracy
# ------------------------------------------------------------------------------------------------

def test_exp_is_within_one_ulp_of_numpy() -> None:
    rng = np.random.default_rng(0)
    x = np.concatenate([np.linspace(-745.0, 709.7, 100_001), rng.uniform(-1, 1, 50_000),
                        rng.uniform(-40, 5, 50_000), np.geomspace(1e-300, 1, 2000),
                        -np.geomspace(1e-300, 1, 2000)])
    got = dm.exp_array(x)
    assert _ulps(got, np.exp(x)).max() <= 1
    normal = x > -708.0                                          # results above the subnormals
    assert np.abs(got[normal] / np.exp(x[normal]) - 1).max() < 3e-16
    assert dm.exp(0.0) == 1.0 and dm.exp(-0.0) == 1.0 and dm.exp(1.0) == pytest.approx(np.e, rel=3e-16)
    assert dm.exp(710.0) == np.inf and dm.exp(-746.0) == 0.0 and np.isnan(dm.exp(np.nan))
    assert dm.exp(-np.inf) == 0.0 and dm.exp(np.inf) == np.inf
    sub = np.array([-709.0, -720.0, -740.0, -745.0])            # results in the subnormal range
    assert _ulps(dm.exp_array(sub), np.exp(sub)).max() <= 1


def test_tanh_atanh_log_are_within_a_few_ulp_of_numpy() -> None:
    rng = np.random.default_rng(1)
    x = np.concatenate([np.linspace(-30, 30, 100_001), rng.uniform(-1.2, 1.2, 50_000),
                        np.geomspace(1e-300, 1, 2000), -np.geomspace(1e-300, 1, 2000), [1e300, -1e300]])
    assert _ulps(dm.tanh_array(x), np.tanh(x)).max() <= 2
    v = np.concatenate([np.linspace(-0.999999, 0.999999, 100_001), rng.uniform(-1, 1, 50_000),
                        np.geomspace(1e-300, 0.5, 2000)])
    assert _ulps(dm.atanh_array(v), np.arctanh(v)).max() <= 3
    p = np.concatenate([np.geomspace(1e-320, 1e300, 20_000), rng.uniform(0.5, 2, 20_000)])
    assert _ulps(np.array([dm.log(float(q)) for q in p]), np.log(p)).max() <= 2
    for value in (0.0, -0.0):
        assert dm.tanh(value) == 0.0 and np.signbit(dm.tanh(value)) == np.signbit(value)
    assert dm.tanh(np.inf) == 1.0 and dm.tanh(-np.inf) == -1.0 and dm.tanh(25.0) == 1.0
    assert dm.atanh(1.0) == np.inf and dm.atanh(-1.0) == -np.inf and np.isnan(dm.atanh(1.5))
    assert dm.log(0.0) == -np.inf and np.isnan(dm.log(-1.0)) and dm.log(1.0) == 0.0


def test_spectral_norm_matches_lapack() -> None:
    rng = np.random.default_rng(2)
    for _ in range(20):
        g = rng.normal(size=(6, 6))
        assert dm.spectral_norm(g) == pytest.approx(np.linalg.norm(g, 2), rel=1e-12)
    world = sw.build_world()
    for g in world.style_gain:                 # scaled signed permutations: exact
        assert dm.spectral_norm(g) == np.abs(g).max() == np.linalg.norm(g, 2)
    assert dm.spectral_norm(np.zeros((3, 3))) == 0.0


# ------------------------------------------------------------------------------------------------
# compiled == interpreted, bit for bit
# ------------------------------------------------------------------------------------------------

def _interpreted(module: types.ModuleType, replace: dict[str, object] | None = None
                 ) -> types.SimpleNamespace:
    """The module's numba kernels as plain Python functions (``py_func``) whose globals point at
    the plain versions of each other (and at ``replace``), so nothing compiled is called."""
    namespace = dict(vars(module))
    namespace.update(replace or {})
    for name, value in vars(module).items():
        if isinstance(value, CPUDispatcher):
            code = value.py_func
            namespace[name] = types.FunctionType(code.__code__, namespace, name, code.__defaults__)
    return types.SimpleNamespace(**namespace)


def _bits(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64).view(np.int64)


def test_detmath_compiled_equals_interpreted_bit_for_bit() -> None:
    py = _interpreted(dm)
    assert "math" not in vars(dm)                  # the interpreted path uses no libm
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(-5, 5, 200), rng.normal(0, 30, 100), rng.uniform(-1, 1, 100),
                        [0.0, -0.0, 1e-20, -1e-12, 0.55, -0.55, 22.5, 709.5, -744.0, -708.5]])
    for name in ("exp", "tanh"):
        compiled = getattr(dm, name)
        interpreted = getattr(py, name)
        assert not isinstance(interpreted, CPUDispatcher)
        np.testing.assert_array_equal(_bits([compiled(float(v)) for v in x]),
                                      _bits([float(interpreted(float(v))) for v in x]), err_msg=name)
    v = np.concatenate([rng.uniform(-0.99, 0.99, 200), [0.0, 0.17, 0.18, -0.68, 0.999999]])
    np.testing.assert_array_equal(_bits([dm.atanh(float(a)) for a in v]),
                                  _bits([float(py.atanh(float(a))) for a in v]))
    p = np.concatenate([np.geomspace(1e-310, 1e300, 100), rng.uniform(0.5, 2, 100)])
    np.testing.assert_array_equal(_bits([dm.log(float(a)) for a in p]),
                                  _bits([float(py.log(float(a))) for a in p]))


def test_synth_kernels_compiled_equal_interpreted_bit_for_bit() -> None:
    """Every generator kernel on a small input, compiled and interpreted (with interpreted
    detmath): identical bytes, so the compiled loops neither fuse nor reorder operations."""
    py_dm = _interpreted(dm)
    py = _interpreted(sw, {"dm": py_dm})
    rng = np.random.default_rng(4)
    world = sw.build_world()
    n_pairs, t_sim, burn = 2, 40, 10
    base = rng.normal(0, 0.5, (n_pairs, 2, sw.D))
    gain = world.style_gain[rng.integers(0, sw.N_STYLES, (n_pairs, 2))]
    rho = rng.uniform(0.9, 0.99, (n_pairs, 2, sw.D))
    scale = rng.uniform(0.01, 0.1, (n_pairs, 2, sw.D))
    lag = rng.integers(5, 12, (n_pairs, 2))
    noise = rng.standard_normal((n_pairs, 2, t_sim, sw.D))
    outs, devs = [], []
    for kernel in (sw._simulate_kernel, py._simulate_kernel):
        out = np.zeros((n_pairs, 2, t_sim - burn, sw.D))
        dev = np.zeros((n_pairs, 2, t_sim, sw.D))
        kernel(base, gain, rho, scale, lag, noise, burn, out, dev)
        outs.append(out)
        devs.append(dev)
    np.testing.assert_array_equal(_bits(outs[0]), _bits(outs[1]))
    np.testing.assert_array_equal(_bits(devs[0]), _bits(devs[1]))

    # counterfactual listeners: with the recorded inputs they reproduce the joint simulation
    joint = outs[0]
    outs = []
    for kernel in (sw._counterfactual_kernel, py._counterfactual_kernel):
        out = np.zeros((n_pairs, t_sim - burn, sw.D))
        c = np.ascontiguousarray
        kernel(c(base[:, 1]), c(gain[:, 1]), c(rho[:, 1]), c(scale[:, 1]), c(lag[:, 1]),
               c(devs[0][:, 0]), c(noise[:, 1]), burn, out)
        outs.append(out)
    np.testing.assert_array_equal(_bits(outs[0]), _bits(outs[1]))
    np.testing.assert_array_equal(_bits(outs[0]), _bits(joint[:, 1]))

    white = rng.standard_normal((3, 50))
    outs = []
    for kernel in (sw._ar2_kernel, py._ar2_kernel):
        out = np.zeros((3, 40))
        kernel(white, 0.85, 1.7, 10, out)
        outs.append(out)
    np.testing.assert_array_equal(_bits(outs[0]), _bits(outs[1]))

    n, t = 2, 12
    z = rng.normal(0, 1, (n, t, sw.D))
    args = (z, world.au_load, world.au_bias, world.context_au[[0, 3]], rng.normal(0, .2, (n, 15)),
            rng.standard_normal((n, t, 15)), sw.AU_NOISE_STD, sw.AU_HYSTERESIS,
            rng.random((n, 15)) < 0.2, world.expr_load, world.expr_bias, world.context_expr[[0, 3]],
            rng.normal(0, .2, (n, 8)), rng.standard_normal((n, t, sw.N_READOUT_NOISE)),
            sw.EXPR_NOISE_STD, sw.VA_NOISE_STD)
    outs = []
    for kernel in (sw._attributes_kernel, py._attributes_kernel):
        out = np.zeros((n, t, 25))
        kernel(*args, out)
        outs.append(out)
    np.testing.assert_array_equal(_bits(outs[0]), _bits(outs[1]))

    attrs = outs[0]
    w, b = sw.video_projection(6)
    v_noise = rng.standard_normal((n, t, 6), dtype=np.float32)
    appearance = rng.normal(0, .2, (n, 6))
    outs = []
    for kernel in (sw._video_kernel, py._video_kernel):
        out = np.zeros((n, t, 6), np.float32)
        kernel(attrs, sw._ATTR_CENTER, sw._ATTR_SCALE, w, b, appearance, sw.VIDEO_NOISE_STD,
               v_noise, out)
        outs.append(out)
    np.testing.assert_array_equal(outs[0].view(np.int32), outs[1].view(np.int32))

    aw, emb, ab = sw.audio_projection(5)
    offset = emb[[1, 6]] + ab
    a_noise = rng.standard_normal((n, t, 5), dtype=np.float32)
    outs = []
    for kernel in (sw._audio_kernel, py._audio_kernel):
        out = np.zeros((n, t, 5), np.float32)
        kernel(attrs[..., 16], aw, offset, sw.AUDIO_NOISE_STD, a_noise, out)
        outs.append(out)
    np.testing.assert_array_equal(outs[0].view(np.int32), outs[1].view(np.int32))


# ------------------------------------------------------------------------------------------------
# same model as plain numpy / scipy code
# ------------------------------------------------------------------------------------------------

def _reference_latent(world: sw.World, split: synth.SynthSplit, noise: np.ndarray) -> np.ndarray:
    """simulate_latent's equations in vectorised numpy (BLAS/SIMD numerics)."""
    people, person = split.people, split.person
    base = world.context_level[split.context][:, None, :] + people.offset[person] \
        + world.style_bias[split.style]
    gain = (world.style_gain[split.style] * (sw.OWN_STD[:, None] / sw.OWN_STD[None, :])
            * people.responsiveness[person][..., None, None])
    rho = np.exp(-1.0 / (people.tau[person][..., None] * sw.OWN_TAU_SCALE))
    scale = sw.OWN_STD / np.sqrt((1 - rho) ** 2 * (1 + rho ** 2) / (1 - rho ** 2) ** 3)
    n = len(base)
    e1 = np.zeros((n, 2, sw.D))
    own = np.zeros((n, 2, sw.D))
    dev = np.zeros((n, 2, sw.T_SIM, sw.D))
    z = np.zeros((n, 2, sw.T_SIM, sw.D))
    rows = np.arange(n)
    for t in range(sw.T_SIM):
        e1 = rho * e1 + noise[:, :, t]
        own = rho * own + (1 - rho) * e1
        react = np.zeros((n, 2, sw.D))
        for who in (0, 1):
            src = t - split.lag[:, who]
            ok = src >= 0
            react[ok, who] = np.einsum("nij,nj->ni", gain[ok, who], dev[rows[ok], 1 - who, src[ok]])
        z[:, :, t] = base + own * scale + react
        dev[:, :, t] = z[:, :, t] - base
    return z[:, :, sw.BURN_IN:]


def test_numerics_implement_the_same_model_as_numpy_code() -> None:
    from scipy.signal import lfilter

    world = sw.build_world()
    assert np.allclose(world.context_level[:, :2],
                       np.arctanh(np.array(sw.VA_CENTRE) + sw.VA_RING * np.array(
                           [row[1:3] for row in sw._CONTEXT_TABLE])), rtol=1e-15, atol=0)
    split = synth.generate_split("val", 6, seed=9, world=world)
    noise = np.stack([np.random.default_rng([9, 1, synth._C_LATENT, i]).standard_normal(
        (2, sw.T_SIM, sw.D)) for i in range(6)])
    np.testing.assert_allclose(split.latent, _reference_latent(world, split, noise), rtol=0, atol=1e-12)

    white = np.random.default_rng(5).standard_normal((4, 15, 300))
    rho = np.exp(-1 / 6.0)
    ref = lfilter([1 - rho], [1, -rho], lfilter([1.0], [1, -rho], white, axis=-1), axis=-1)[..., 60:]
    ref /= np.sqrt((1 - rho) ** 2 * (1 + rho ** 2) / (1 - rho ** 2) ** 3)
    np.testing.assert_allclose(sw.smooth_white(white, 6.0, 60), ref, rtol=0, atol=1e-12)

    rng = np.random.default_rng(6)
    z = split.latent.reshape(12, -1, sw.D)
    ctx = np.repeat(split.context, 2)
    pid = split.person.reshape(-1)
    au_n = rng.standard_normal((12, z.shape[1], 15))
    ex_n = rng.standard_normal((12, z.shape[1], sw.N_READOUT_NOISE))
    missed = split.au_missed.reshape(12, 15)
    got = sw.attributes(world, z, ctx, pid, split.people, au_n, ex_n, missed)
    np.testing.assert_allclose(got[..., 15:17], np.tanh(z[..., :2] + sw.VA_NOISE_STD * ex_n[..., 8:]),
                               rtol=0, atol=1e-15)
    logits = (z @ world.expr_load.T + world.expr_bias + world.context_expr[ctx][:, None]
              + split.people.expr_offset[pid][:, None] + sw.EXPR_NOISE_STD * ex_n[..., :8])
    ex = np.exp(logits - logits.max(-1, keepdims=True))
    np.testing.assert_allclose(got[..., 17:], ex / ex.sum(-1, keepdims=True), rtol=0, atol=1e-14)
    au_y = (z @ world.au_load.T + world.au_bias + world.context_au[ctx][:, None]
            + split.people.au_offset[pid][:, None] + sw.AU_NOISE_STD * au_n)
    state = au_y[:, 0] > 0
    active = [state]
    for t in range(1, au_y.shape[1]):
        state = (state | (au_y[:, t] > sw.AU_HYSTERESIS)) & ~(au_y[:, t] < -sw.AU_HYSTERESIS)
        active.append(state)
    active = np.stack(active, axis=1) & ~missed[:, None]
    assert (got[..., :15] != active).mean() < 1e-4               # a flip needs |y -+ h| < 1e-15

    w, b = sw.video_projection(16)
    app = split.people.appearance[pid][:, :16]
    v_n = rng.standard_normal((12, z.shape[1], 16), dtype=np.float32)
    x = (got - sw._ATTR_CENTER) / sw._ATTR_SCALE
    ref_v = np.tanh(x @ w + b) + app[:, None] + sw.VIDEO_NOISE_STD * v_n.astype(np.float64)
    np.testing.assert_allclose(sw.video_features(got, app, (w, b), v_n), ref_v, rtol=0, atol=3e-7)
    aw, emb, ab = sw.audio_projection(8)
    a_n = rng.standard_normal((12, z.shape[1], 8), dtype=np.float32)
    ref_a = np.tanh(got[..., 16:17] * aw + (emb[ctx] + ab)[:, None]) + sw.AUDIO_NOISE_STD * a_n
    np.testing.assert_allclose(sw.audio_features(got[..., 16], ctx, (aw, emb, ab), a_n), ref_a,
                               rtol=0, atol=3e-7)


def test_features_do_not_depend_on_chunking() -> None:
    split = synth.generate_split("test", 5, seed=4, video_dim=12, audio_dim=6)
    parts = {chunk: list(synth.iter_chunks(split, chunk=chunk)) for chunk in (1, 2, 5)}
    for k in (1, 2, 3):
        whole = np.concatenate([p[k] for p in parts[5]])
        for chunk in (1, 2):
            assert np.array_equal(whole, np.concatenate([p[k] for p in parts[chunk]]))


# ------------------------------------------------------------------------------------------------
# golden fingerprints
# ------------------------------------------------------------------------------------------------

def _fingerprint(root: Path) -> str:
    return json.loads((root / "dataset.json").read_text())["fingerprint"]


@pytest.mark.parametrize("profile", ["smoke", "small"])
def test_golden_fingerprints(tmp_path: Path, profile: str) -> None:
    root = synth.write_synthetic_dataset(tmp_path / profile, profile=profile, seed=0)
    meta = json.loads((root / "dataset.json").read_text())
    assert meta["numerics_revision"] == sw.NUMERICS_REVISION == 2
    assert meta["generator_version"] == sw.GENERATOR_VERSION
    assert meta["fingerprint"] == GOLDEN[profile]


def test_cache_folder_names_the_numerics_revision() -> None:
    assert default.dataset_folder_name("small", 0) == \
        f"synth-small-seed0-v{sw.GENERATOR_VERSION}r{sw.NUMERICS_REVISION}"
    assert sw.GENERATOR_VERSION == "2" and sw.NUMERICS_REVISION == 2
    assert default.dataset_folder_name("small", 0) == "synth-small-seed0-v2r2"


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"), reason="x86-64 emulation")
def test_smoke_fingerprint_under_an_emulated_other_cpu(tmp_path: Path) -> None:
    """Compile for baseline x86-64 (no AVX, no FMA), disable numpy's AVX2 kernels, pick another
    OpenBLAS kernel and libm's non-FMA variants: the same bytes (the old numerics changed).
    About 10 s, most of it compiling the kernels for the other CPU."""
    env = dict(os.environ, NUMBA_CPU_NAME="generic", NUMBA_CACHE_DIR=str(tmp_path / "numba"),
               NPY_DISABLE_CPU_FEATURES="X86_V3", OPENBLAS_CORETYPE="Sandybridge",
               GLIBC_TUNABLES="glibc.cpu.hwcaps=-AVX2,-FMA")
    code = ("import sys, json; from react_bench.data.synth import write_synthetic_dataset as w; "
            "r = w(sys.argv[1], 'smoke', seed=0); "
            "print(json.loads((r / 'dataset.json').read_text())['fingerprint'])")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "ds")], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == GOLDEN["smoke"]
