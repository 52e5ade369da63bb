"""One lazy name -> object registry with did-you-mean errors (the lm-eval habit).

Entries are either objects or ``"module.path:Attribute"`` strings imported on first use, so
listing methods never imports torch-heavy code.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field
from typing import Any, Generic, Iterator, TypeVar

from .errors import RegistryError

T = TypeVar("T")


@dataclass
class Entry:
    name: str
    target: Any                    # object or "module:attr"
    description: str = ""
    tags: tuple[str, ...] = ()
    config: str | None = None      # "module:function(**config) -> resolved config dict", importable cheaply
    inference_fields: tuple[str, ...] = ()   # config fields fit() never reads (a trained model serves all)


@dataclass
class Registry(Generic[T]):
    kind: str
    _entries: dict[str, Entry] = field(default_factory=dict)

    def register(self, name: str, target: Any, description: str = "", tags: tuple[str, ...] = (),
                 config: str | None = None, inference_fields: tuple[str, ...] = ()) -> None:
        key = name.lower()
        if key in self._entries:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._entries[key] = Entry(name, target, description, tuple(tags), config, tuple(inference_fields))

    def config_resolver(self, name: str) -> Any | None:
        """The entry's cheap config resolver (see Entry.config), or None."""
        entry = self.entry(name)
        if entry.config is None:
            return None
        module_name, _, attr = entry.config.partition(":")
        return getattr(importlib.import_module(module_name), attr)

    def entry(self, name: str) -> Entry:
        key = name.lower()
        if key not in self._entries:
            close = difflib.get_close_matches(key, list(self._entries), n=3, cutoff=0.5)
            hint = f" Did you mean {', '.join(repr(self._entries[c].name) for c in close)}?" if close else ""
            known = ", ".join(sorted(e.name for e in self._entries.values()))
            raise RegistryError(f"unknown {self.kind} {name!r}.{hint} Known: {known}")
        return self._entries[key]

    def get(self, name: str) -> T:
        entry = self.entry(name)
        if isinstance(entry.target, str):
            module_name, _, attr = entry.target.partition(":")
            entry.target = getattr(importlib.import_module(module_name), attr)
        return entry.target

    def names(self) -> list[str]:
        return [e.name for e in self._entries.values()]

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._entries

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries.values())
