"""What every trained method's configuration shares: the ``ProfileConfig`` dataclass base (profile,
runtime fields, dict round trip, architecture dict, checks) and ``make_profile_config`` (a profile's
values, then the overrides, unknown profiles and keys refused), and ``compile_mode`` (the
``REACT_BENCH_COMPILE`` switch of the training core). Imports no torch."""

from __future__ import annotations

import dataclasses
import os
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
        raise cls.ERROR(f"unknown {label} config keys: {unknown}; known: {sorted(fields)}")
    values: dict[str, Any] = dict(profiles[profile])
    for preset in presets:
        values.update(preset)
    return cls(**{**values, **overrides, "profile": profile, **fixed})
