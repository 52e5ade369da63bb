"""A trained model on disk: a folder with ``weights.pt`` (the plain state dict, CPU tensors) and
``config.json`` (the config dict the method rebuilds the network from)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping, TypeVar

import torch
from torch import nn

from ..errors import DataError

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
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(f"{path / CONFIG} is not a {label} config (not JSON: {error})") from None
    if not isinstance(config, dict):
        raise DataError(f"{path / CONFIG} is not a {label} config (a JSON object was expected)")
    return path, config


def load_weights(module: M, folder: Path | str) -> M:
    """Load folder/weights.pt into ``module`` (on the CPU, tensors only) and return it; DataError
    if the file is not a tensor state dict or does not fit the network its config describes."""
    file = Path(folder) / WEIGHTS
    try:
        state = torch.load(file, map_location="cpu", weights_only=True)
    except Exception as error:          # truncated, not a torch file, or a pickle that is not tensors
        raise DataError(f"{file} is not a readable weights file ({type(error).__name__}: "
                        f"{str(error).splitlines()[0][:200] if str(error) else ''})") from None
    try:
        module.load_state_dict(state)
    except (RuntimeError, TypeError, AttributeError) as error:
        raise DataError(f"{file} does not fit the network of its config.json "
                        f"({str(error).splitlines()[0][:200]})") from None
    return module
