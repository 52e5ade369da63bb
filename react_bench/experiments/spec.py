"""Experiments as data: a spec names rows (a registered method and its config), the dataset, the
seeds, the metrics and the table layout. Built-in specs are YAML files in ``specs/``; a user's own
file works the same way (docs/experiments.md).

A spec is plain YAML::

    name: table2
    title: REGNN ablations (paper Table 2)
    profile: small          # or data: /path/to/REACT (real data)
    split: test
    seeds: [0, 1, 2]
    frrea: false            # FRRea costs ~1 min per job on CPU
    paper_table: table2     # the paper's own values shown beside ours (paper.py)
    groups:
      - name: Modalities
        rows:
          - {label: video, method: regnn, config: {variant: video_only}}
    sweep:                  # instead of groups: one row per value, plotted as a line
      method: regnn
      parameter: sigma
      values: [0.01, 0.06, 0.6]
      config: {noise_mode: gaussian}
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ReactBenchError

SPEC_DIR = Path(__file__).parent / "specs"
# table columns in the REGNN paper's order; oracle metrics follow on synthetic data
PAPER_COLUMNS = ("FRDist", "FRCorr", "PCC", "FRRea", "FRVar", "FRDvs", "FRDiv", "Synchrony")
ORACLE_COLUMNS = ("FRCorr_true", "FRDist_true", "Coverage", "Precision")
_SPEC_KEYS = {"name", "title", "description", "profile", "data", "split", "seeds", "metrics", "frrea",
              "paper_table", "groups", "sweep", "n_samples"}
_GROUP_KEYS = {"name", "rows", "auto_tag"}
_ROW_KEYS = {"label", "method", "config"}
_SWEEP_KEYS = {"method", "parameter", "values", "config", "label"}
PAPER_TABLES = ("table1", "table2")          # the REGNN paper's tables that paper.py holds
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")   # names output files: no folders, no leading dot


class SpecError(ReactBenchError):
    """An experiment spec that cannot be used (the message names the field)."""


@dataclass(frozen=True)
class Row:
    label: str
    method: str
    config: dict[str, Any] = field(default_factory=dict)
    group: str = ""
    sweep_value: float | int | str | None = None   # the swept parameter's value (sweeps only)

    @property
    def config_json(self) -> str:
        return json.dumps(self.config, sort_keys=True, separators=(",", ":"))


@dataclass
class Sweep:
    method: str
    parameter: str
    values: list[Any]
    config: dict[str, Any] = field(default_factory=dict)
    label: str | None = None                    # e.g. "σ = {value}"


@dataclass
class ExperimentSpec:
    name: str
    title: str
    rows: list[Row]
    groups: list[str]
    profile: str | None = "small"
    data: str | None = None
    split: str = "test"
    seeds: list[int] = field(default_factory=lambda: [0, 1, 2])
    metrics: list[str] = field(default_factory=lambda: list(PAPER_COLUMNS))
    frrea: bool = False
    n_samples: int = 10
    paper_table: str | None = None
    description: str = ""
    sweep: Sweep | None = None
    source: str = ""                            # the file it was read from
    auto_tags: dict[str, str] = field(default_factory=dict)   # group -> registry tag appended at run time

    def resolved_rows(self) -> list[Row]:
        """The rows, plus every registered method carrying a group's ``auto_tag`` that the group
        does not list yet (new baselines join their table without editing the spec)."""
        if not self.auto_tags:
            return list(self.rows)
        from ..methods import METHODS, method_names

        names = method_names()
        listed = {r.method.lower() for r in self.rows}
        out: list[Row] = []
        for group in self.groups:
            out += [r for r in self.rows if r.group == group]
            tag = self.auto_tags.get(group)
            if tag:
                out += [Row(n, n, {}, group) for n in names
                        if tag in METHODS.entry(n).tags and n.lower() not in listed]
        return out

    def to_dict(self) -> dict[str, Any]:
        """The spec as YAML-able data (what `experiment show` prints)."""
        out: dict[str, Any] = {"name": self.name, "title": self.title}
        if self.description:
            out["description"] = self.description
        out.update({"profile": self.profile, "data": self.data, "split": self.split, "seeds": self.seeds,
                    "metrics": self.metrics, "frrea": self.frrea, "n_samples": self.n_samples,
                    "paper_table": self.paper_table})
        if self.sweep is not None:
            out["sweep"] = asdict(self.sweep)
        else:
            out["groups"] = [{"name": g, **({"auto_tag": self.auto_tags[g]} if g in self.auto_tags else {}),
                              "rows": [{"label": r.label, "method": r.method, "config": r.config}
                                       for r in self.rows if r.group == g]} for g in self.groups]
        return out


def builtin_names() -> list[str]:
    return sorted(p.stem for p in SPEC_DIR.glob("*.yaml"))


def load_spec(name_or_path: str | Path) -> ExperimentSpec:
    """A built-in spec by name, or a YAML file by path."""
    import yaml

    path = Path(name_or_path)
    if not path.suffix and not path.exists():
        path = SPEC_DIR / f"{name_or_path}.yaml"
        if not path.is_file():
            raise SpecError(f"unknown experiment {str(name_or_path)!r}; built-in: {', '.join(builtin_names())} "
                            "(or give a path to a .yaml spec)")
    if not path.is_file():
        raise SpecError(f"experiment spec not found: {path}")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise SpecError(f"{path}: not valid YAML: {error}") from None
    return parse_spec(raw, source=str(path))


def parse_spec(raw: Any, source: str = "<spec>") -> ExperimentSpec:
    """Validate plain data into a spec; every problem names its field."""
    if not isinstance(raw, dict):
        raise SpecError(f"{source}: a spec must be a mapping with name, title and groups (or sweep)")
    unknown = sorted(set(raw) - _SPEC_KEYS)
    if unknown:
        raise SpecError(f"{source}: unknown field(s) {unknown}; known: {sorted(_SPEC_KEYS)}")
    name = _text(raw, "name", source)
    if not _NAME.fullmatch(name):
        raise SpecError(f"{source}: name {name!r} names the output files: letters, digits, _ . - only, "
                        "starting with a letter or digit")
    seeds = raw.get("seeds", [0, 1, 2])
    if not isinstance(seeds, list) or not seeds or not all(isinstance(s, int) and not isinstance(s, bool)
                                                           and s >= 0 for s in seeds):
        raise SpecError(f"{source}: seeds must be a non-empty list of integers >= 0")
    if raw.get("paper_table") is not None and raw["paper_table"] not in PAPER_TABLES:
        raise SpecError(f"{source}: paper_table {raw['paper_table']!r}; known: {list(PAPER_TABLES)}")
    metrics = raw.get("metrics", list(PAPER_COLUMNS))
    bad = [m for m in metrics if m not in PAPER_COLUMNS + ORACLE_COLUMNS] if isinstance(metrics, list) else metrics
    if bad:
        raise SpecError(f"{source}: unknown metric(s) {bad}; known: {list(PAPER_COLUMNS + ORACLE_COLUMNS)}")
    if raw.get("split", "test") not in ("train", "val", "test"):
        raise SpecError(f"{source}: split must be train, val or test")
    if raw.get("profile") is not None and raw.get("data") is not None:
        raise SpecError(f"{source}: give profile or data, not both")
    if ("groups" in raw) == ("sweep" in raw):
        raise SpecError(f"{source}: give either groups (a table) or sweep (a sensitivity study)")
    rows: list[Row] = []
    groups: list[str] = []
    auto_tags: dict[str, str] = {}
    sweep = None
    if "groups" in raw:
        if not isinstance(raw["groups"], list) or not raw["groups"]:
            raise SpecError(f"{source}: groups must be a non-empty list")
        for g, group in enumerate(raw["groups"]):
            where = f"{source}: groups[{g}]"
            if not isinstance(group, dict) or not isinstance(group.get("rows"), list):
                raise SpecError(f"{where} must be a mapping with name and rows")
            _known_keys(group, _GROUP_KEYS, where)
            gname = str(group.get("name", ""))
            groups.append(gname)
            if group.get("auto_tag"):
                auto_tags[gname] = str(group["auto_tag"])
            for r, row in enumerate(group["rows"]):
                rows.append(_row(row, gname, f"{where}.rows[{r}]"))
    else:
        s = raw["sweep"]
        if not isinstance(s, dict) or not {"method", "parameter", "values"} <= set(s):
            raise SpecError(f"{source}: sweep needs method, parameter and values")
        _known_keys(s, _SWEEP_KEYS, f"{source}: sweep")
        if not isinstance(s["values"], list) or not s["values"]:
            raise SpecError(f"{source}: sweep.values must be a non-empty list")
        sweep = Sweep(str(s["method"]), str(s["parameter"]), list(s["values"]), dict(s.get("config") or {}),
                      s.get("label"))
        groups = [sweep.parameter]
        for value in sweep.values:
            try:
                label = (sweep.label or f"{sweep.parameter} = {{value}}").format(value=value)
            except (KeyError, IndexError, ValueError, AttributeError) as error:
                raise SpecError(f"{source}: sweep.label {sweep.label!r} cannot be filled ({type(error).__name__}: "
                                f"{error}); it may use {{value}} only") from None
            rows.append(Row(label, sweep.method, {**sweep.config, sweep.parameter: value}, sweep.parameter, value))
    labels = [(r.group, r.label) for r in rows]
    duplicated = sorted({f"{g}/{lab}" for g, lab in labels if labels.count((g, lab)) > 1})
    if duplicated:
        raise SpecError(f"{source}: duplicated row label(s) {duplicated}")
    n_samples = raw.get("n_samples", 10)
    if not isinstance(n_samples, int) or n_samples < 1:
        raise SpecError(f"{source}: n_samples must be a positive integer")
    return ExperimentSpec(name=name, title=str(raw.get("title", name)), rows=rows, groups=groups,
                          profile=raw.get("profile", None if raw.get("data") else "small"),
                          data=raw.get("data"), split=raw.get("split", "test"), seeds=list(seeds),
                          metrics=list(metrics), frrea=bool(raw.get("frrea", False)), n_samples=n_samples,
                          paper_table=raw.get("paper_table"), description=str(raw.get("description", "")),
                          sweep=sweep, source=source, auto_tags=auto_tags)


def _text(raw: dict, key: str, source: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise SpecError(f"{source}: {key} must be a non-empty string")
    return value


def _known_keys(mapping: dict, known: set[str], where: str) -> None:
    unknown = sorted(set(mapping) - known)
    if unknown:
        raise SpecError(f"{where}: unknown field(s) {unknown}; known: {sorted(known)}")


def _row(row: Any, group: str, where: str) -> Row:
    if not isinstance(row, dict) or not isinstance(row.get("method"), str):
        raise SpecError(f"{where} must be a mapping with label, method and an optional config")
    _known_keys(row, _ROW_KEYS, where)
    config = row.get("config") or {}
    if not isinstance(config, dict):
        raise SpecError(f"{where}.config must be a mapping")
    return Row(str(row.get("label", row["method"])), row["method"], dict(config), group)
