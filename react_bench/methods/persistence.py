"""A trained model on disk: a folder with ``weights.pt`` (the plain state dict, CPU tensors) and
``config.json`` (the config dict the method rebuilds the network from)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any, Iterator, Mapping, TypeVar

import torch
from torch import nn

from ..errors import DataError, ReactBenchError

WEIGHTS = "weights.pt"
CONFIG = "config.json"
MODEL_DIR = "model"           # fit() saves the final model in run_dir/model

M = TypeVar("M", bound=nn.Module)


def save_model(path: Path | str, model: nn.Module, config_dict: Mapping[str, Any], *, indent: int | None = None,
               sort_keys: bool = False) -> Path:
    """Write ``model``'s state dict (as CPU tensors) to path/weights.pt and ``config_dict`` as JSON
    to path/config.json (``indent`` and ``sort_keys`` as json.dumps); returns the folder."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    if config_dict.get("resume"):       # how training ran, not what was trained: a resumed run's saved
        config_dict = {**config_dict, "resume": False}      # model (and weights_sha256) equals an uninterrupted one's
    torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, path / WEIGHTS)
    (path / CONFIG).write_text(json.dumps(config_dict, indent=indent, sort_keys=sort_keys))
    return path


def read_saved_model(path: Path | str, label: str) -> tuple[Path, dict[str, Any]]:
    """The model folder (``path`` itself if it holds weights.pt, else its model/ subfolder if that
    does) and the config dict saved there; DataError if weights.pt or config.json is missing."""
    path = Path(path)
    if not (path / WEIGHTS).exists() and (path / MODEL_DIR / WEIGHTS).exists():
        path = path / MODEL_DIR                         # a run folder
    if not (path / WEIGHTS).exists() or not (path / CONFIG).exists():
        raise DataError(f"{path} holds no {label} model ({WEIGHTS} + {CONFIG})")
    try:
        config = json.loads((path / CONFIG).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(f"{path / CONFIG} is not a {label} config (not JSON: {error})") from None
    if not isinstance(config, dict):
        raise DataError(f"{path / CONFIG} is not a {label} config (a JSON object was expected)")
    return path, config


@contextlib.contextmanager
def saved_config_errors(folder: Path | str, label: str) -> Iterator[None]:
    """Around rebuilding a method from its saved config: a config.json that is not this method's
    (missing or foreign keys, bad values, a network that cannot be built from it) raises DataError
    naming the file instead of a raw KeyError / TypeError / ValueError."""
    try:
        yield
    except DataError:
        raise
    except (KeyError, TypeError, ValueError, ReactBenchError) as error:
        raise DataError(f"{Path(folder) / CONFIG} is not a {label} model config "
                        f"({type(error).__name__}: {_first_line(error)})") from None


def _first_line(error: BaseException) -> str:
    lines = str(error).splitlines()
    return lines[0][:200] if lines else ""


def load_tensors(file: Path | str) -> Any:
    """torch.load(file) of tensors only (weights_only), on the CPU; DataError if it is not readable
    (truncated, not a torch file, or a pickle of anything but tensors)."""
    try:
        return torch.load(Path(file), map_location="cpu", weights_only=True)
    except Exception as error:
        raise DataError(f"{file} is not a readable weights file ({type(error).__name__}: "
                        f"{_first_line(error)})") from None


def load_weights(module: M, folder: Path | str) -> M:
    """Load folder/weights.pt into ``module`` (on the CPU, tensors only) and return it; DataError
    if the file is not a tensor state dict or does not fit the network its config describes."""
    file = Path(folder) / WEIGHTS
    state = load_tensors(file)
    try:
        module.load_state_dict(state)
    except (RuntimeError, TypeError, AttributeError) as error:
        raise DataError(f"{file} does not fit the network of its config.json ({_first_line(error)})") from None
    return module
