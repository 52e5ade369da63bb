"""What every trained method's configuration shares: the ``ProfileConfig`` dataclass base (profile,
runtime fields, dict round trip, architecture dict, checks) and ``make_profile_config`` (a profile's
values, then the overrides, unknown profiles and keys refused), and ``compile_mode`` (the
``REACT_BENCH_COMPILE`` switch of the training core). Imports no torch."""

from __future__ import annotations

import dataclasses
import math
import os
import types
import typing
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping, Sequence, TypeVar

from ..errors import ReactBenchError

OPTIMIZERS = ("adam", "adamw")      # the training core's Schedule.optimizer (adam: coupled L2; adamw: decoupled)
FULL_PASS = 10 ** 9       # steps_per_epoch that the training core caps at one pass over the training items
COMPILE_ENV = "REACT_BENCH_COMPILE"   # how the training core speeds up its steps on a GPU
TORCH_COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")
STEP_GRAPHS = "cuda-graphs"           # whole steps captured as CUDA graphs (methods/step_graphs.py)
COMPILE_MODES = TORCH_COMPILE_MODES + (STEP_GRAPHS,)
# Caps torch's own CPU kernels, oneDNN's and MKL's at AVX2. Read when torch starts, so they go in a
# fresh process's environment. The bytes a CPU training produces depend on the vector width (an
# AVX-512 machine gives other last bits, and a GAN grows them into other metrics); the pinned
# prediction hashes and the stored table1 rows were made with AVX2 kernels (tests, rerun_stored.py).
AVX2_NUMERICS = {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"}

C = TypeVar("C", bound="ProfileConfig")


def compile_mode(device: Any = None) -> str | None:
    """The mode that ``REACT_BENCH_COMPILE`` names (a torch.compile mode of the steps' networks, or
    ``cuda-graphs``: whole steps captured and replayed); None when unset, empty or "off". How a run
    executes, like its device: not part of a method's config or an experiment job's key. Given the
    run's ``device`` ("cpu", "cuda:1", a torch.device), ``cuda-graphs`` off CUDA is refused."""
    mode = os.environ.get(COMPILE_ENV, "").strip()
    if mode in ("", "off"):
        return None
    if mode not in COMPILE_MODES:
        raise ReactBenchError(f"unknown compile mode {mode!r} (--compile / {COMPILE_ENV}); expected off or one "
                              f"of {list(COMPILE_MODES)}")
    device_type = None if device is None else str(device).split(":")[0]
    if mode == STEP_GRAPHS and device_type is not None and device_type != "cuda":
        raise ReactBenchError(f"compile mode {STEP_GRAPHS} needs a CUDA device (this run is on {device_type}); "
                              f"use off or a torch.compile mode {list(TORCH_COMPILE_MODES)}")
    return mode


@dataclass
class ProfileConfig:
    """Base of the trained methods' configs. Subclasses set ``LABEL`` (the name in error messages),
    ``NON_ARCHITECTURE_FIELDS`` (fields besides the runtime ones that a checkpoint need not match)
    and, where they raise their own error class, ``ERROR``."""

    LABEL: ClassVar[str] = "method"
    ERROR: ClassVar[type[ReactBenchError]] = ReactBenchError
    RUNTIME_FIELDS: ClassVar[tuple[str, ...]] = ("resume", "num_threads", "seed")
    NON_ARCHITECTURE_FIELDS: ClassVar[tuple[str, ...]] = ()

    profile: str = "paper"
    num_threads: int | None = None        # torch CPU threads during fit/predict (None: leave the setting)
    resume: bool = False                  # continue from run_dir's checkpoint if there is one
    seed: int | None = None               # recorded at fit()

    def require_positive(self, *keys: str) -> None:
        """Raise ``ERROR`` "<LABEL> config <key> must be positive" for the first key below 1."""
        for key in keys:
            if int(getattr(self, key)) < 1:
                raise self.ERROR(f"{self.LABEL} config {key} must be positive")

    def require_optimizer(self, key: str = "optimizer") -> None:
        """Raise ``ERROR`` unless the field ``key`` names one of the training core's optimisers."""
        if getattr(self, key) not in OPTIMIZERS:
            raise self.ERROR(f"{self.LABEL} config {key} {getattr(self, key)!r}; expected one of {list(OPTIMIZERS)}")

    def to_dict(self) -> dict[str, Any]:
        """Every field, tuples written as lists (JSON's shape)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}

    def architecture_dict(self) -> dict[str, Any]:
        """What a checkpoint must match to be resumed: ``to_dict`` without the runtime fields and
        ``NON_ARCHITECTURE_FIELDS``."""
        d = self.to_dict()
        for key in self.RUNTIME_FIELDS + self.NON_ARCHITECTURE_FIELDS:
            d.pop(key)
        return d

    @classmethod
    def from_dict(cls: type[C], saved: Mapping[str, Any]) -> C:
        """The config ``to_dict`` wrote (lists back to tuples)."""
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in saved.items()})


def make_profile_config(cls: type[C], profiles: Mapping[str, Mapping[str, Any]], profile: str,
                        overrides: Mapping[str, Any], *, label: str | None = None,
                        presets: Sequence[Mapping[str, Any]] = (), **fixed: Any) -> C:
    """``cls`` with the profile's values, then ``presets`` in order, then ``overrides``, then
    ``profile`` and ``fixed``. Unknown profiles and override keys (``fixed`` keys included) raise
    ``cls.ERROR`` naming ``label`` (default ``cls.LABEL``)."""
    label = cls.LABEL if label is None else label
    if profile not in profiles:
        raise cls.ERROR(f"unknown {label} profile {profile!r}; known: {sorted(profiles)}")
    fields = {f.name for f in dataclasses.fields(cls)} - set(fixed)
    unknown = sorted(set(overrides) - fields)
    if unknown:
        shown = sorted(fields - {"resume", "seed"})      # set by run's --resume and --seed, not by --config
        raise cls.ERROR(f"unknown {label} config keys: {unknown}; known: {shown}")
    check_override_types(cls, overrides, label)
    values: dict[str, Any] = dict(profiles[profile])
    for preset in presets:
        values.update(preset)
    config = cls(**{**values, **overrides, "profile": profile, **fixed})
    check_rates(config, label)
    return config


def _accepts(hint: Any, value: Any) -> bool:
    """Whether a JSON value fits a config field's type hint (bool is no int; an int is a float)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_accepts(a, value) for a in args)
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_accepts(args[0], v) for v in value)
        return len(args) == len(value) and all(_accepts(a, v) for a, v in zip(args, value))
    return True                         # a hint this check does not know: the config's own checks decide


def _type_name(hint: Any) -> str:
    names = {bool: "true or false", int: "an integer", float: "a number", str: "a string", type(None): "null"}
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(hint))
    if typing.get_origin(hint) is tuple:
        return f"a list of {_type_name(typing.get_args(hint)[0])}s".replace("an integers", "integers")
    return names.get(hint, str(hint))


def check_override_types(cls: type, overrides: Mapping[str, Any], label: str) -> None:
    """Refuse an override whose JSON type does not fit its field (``"epochs": "2"``, ``"lr": "fast"``)
    with ``cls.ERROR``, before anything runs."""
    hints = typing.get_type_hints(cls)
    for key, value in overrides.items():
        if key in hints and not _accepts(hints[key], value):
            raise cls.ERROR(f"{label} config {key} must be {_type_name(hints[key])}, got {value!r}")


def check_rates(config: ProfileConfig, label: str) -> None:
    """Learning rates (``lr`` and ``*_lr``) must be finite and positive, weight decays (``weight_decay``
    and ``*_weight_decay``) finite and not negative: checked for every trained method in one place."""
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        if (f.name == "lr" or f.name.endswith("_lr")) and not (math.isfinite(value) and value > 0):
            raise config.ERROR(f"{label} config {f.name} must be a positive learning rate, got {value!r}")
        if (f.name == "weight_decay" or f.name.endswith("_weight_decay")) and not (math.isfinite(value)
                                                                                 and value >= 0):
            raise config.ERROR(f"{label} config {f.name} must be a finite weight decay >= 0, got {value!r}")
