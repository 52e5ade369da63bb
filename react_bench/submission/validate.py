"""Validate a submission directory without writing anything (docs/submission_format.md).

One pass over the folder: list it (never following symlinks), check submission.json, then read
each expected prediction file once, in direction order. ``.npy`` headers are parsed before any data
is read and the data is streamed into one reusable buffer, so a paper-size submission (1612 files)
takes about a second. ``.pth`` files are read with ``torch.load(weights_only=True)`` only.
Every failure kind becomes one message that lists at most 10 offending files.
"""

from __future__ import annotations

import json
import os
import pickle
import stat
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Sequence

import numpy as np

from ..constants import N_ATTRS, N_FRAMES, SPLITS
from ..errors import SubmissionError
from .format import (
    LAYOUTS,
    MAX_METADATA_BYTES,
    METADATA_FILE,
    NOTE_SUFFIXES,
    PTH_PATTERN,
    check_speaker_paths,
    check_split_name,
    default_max_file_bytes,
    expected_dirs,
    expected_files,
    format_list,
    metadata_schema_problems,
)

# Every finding code, with a short gloss. Order = report order.
_KINDS: dict[str, str] = {
    "not_found": "submission directory not found",
    "no_split_dir": "split folder missing",
    "no_predictions": "no prediction files found",
    "too_many_entries": "too many entries",
    "mixed_layout": "mixed layouts",
    "metadata_missing": "submission.json missing",
    "metadata_malformed": "submission.json malformed",
    "metadata_mismatch": "submission.json does not match",
    "fingerprint_mismatch": "dataset fingerprint mismatch",
    "extra_split": "another split's folder ignored (warning, .pth layout)",
    "symlink": "symlinks rejected",
    "not_regular": "not regular files",
    "missing": "missing prediction files",
    "extra_file": "unexpected files",
    "unknown_directory": "unknown directories",
    "too_large": "files over the size limit",
    "unreadable": "unreadable files",
    "pickled": "pickled content rejected",
    "not_tensor": "not a tensor",
    "shape": "wrong shape",
    "dtype": "wrong dtype",
    "non_finite": "non-finite values",
}


@dataclass
class Finding:
    """One failure kind (or warning) with the files it concerns."""

    code: str                      # a key of _KINDS
    message: str                   # full human-readable message (lists at most 10 files)
    files: list[str] = field(default_factory=list)   # every offending file, relative POSIX paths
    severity: str = "problem"      # "problem" or "warning"


@dataclass
class ValidationReport:
    """Outcome of validate_submission. ``ok`` is False iff ``problems`` is non-empty."""

    ok: bool
    problems: list[str]
    warnings: list[str]
    layout: str | None                     # "npy", "pth", or None when no layout could be found
    metadata: dict[str, Any] | None        # parsed submission.json when it is a JSON object
    directory: str
    split: str
    n_directions: int
    n_samples: int
    n_files_checked: int                   # prediction files whose content was read
    seconds: float
    findings: list[Finding] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        """Codes of the problems (not warnings), in report order."""
        return [f.code for f in self.findings if f.severity == "problem"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for ``--json``); ``findings`` carries at most 100 files each."""
        d = asdict(self)
        for f in d["findings"]:
            f["n_files"] = len(f["files"])
            f["files"] = f["files"][:100]
        return d

    def summary(self) -> str:
        layout = self.layout or "not recognised"
        head = (f"submission {self.directory}: " + ("OK" if self.ok else f"{len(self.problems)} problem(s)")
                + f" (layout {layout}, {self.n_directions} directions x {self.n_samples} samples,"
                  f" {self.n_files_checked} files read in {self.seconds:.2f}s)")
        lines = [head] + [f"  error: {p}" for p in self.problems] + [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def raise_if_failed(self) -> "ValidationReport":
        if not self.ok:
            raise SubmissionError(self.summary(), list(self.problems))
        return self


class _Collector:
    """Gathers offending files per kind; turns them into Findings at the end."""

    def __init__(self) -> None:
        self.files: dict[str, list[str]] = {}
        self.extra: list[Finding] = []

    def add(self, code: str, item: str) -> None:
        self.files.setdefault(code, []).append(item)

    def note(self, code: str, message: str, severity: str = "problem", files: Sequence[str] = ()) -> None:
        self.extra.append(Finding(code, message, list(files), severity))

    def findings(self, describe: dict[str, Callable[[int], str]]) -> list[Finding]:
        out = list(self.extra)
        for code, items in self.files.items():
            out.append(Finding(code, f"{describe[code](len(items))}: {format_list(items)}", items))
        order = {c: i for i, c in enumerate(_KINDS)}
        out.sort(key=lambda f: order.get(f.code, len(order)))
        return out


def validate_submission(
    directory: str | os.PathLike,
    speaker_paths: Sequence[str],
    split: str,
    *,
    n_samples: int = 10,
    max_file_bytes: int | None = None,
    dataset_fingerprint: str | None = None,
    strict: bool = False,
    layout: str | None = None,
) -> ValidationReport:
    """Check a submission folder against the directions ``speaker_paths`` of ``split``.

    ``layout`` None detects "npy" or "pth" from the files. ``dataset_fingerprint``, when given, is
    compared with submission.json's: a mismatch is a warning, or a problem when ``strict``.
    ``max_file_bytes`` defaults to ``default_max_file_bytes(n_samples)``. Reads only; writes nothing.
    """
    return _run(directory, speaker_paths, split, n_samples=n_samples, max_file_bytes=max_file_bytes,
                dataset_fingerprint=dataset_fingerprint, strict=strict, layout=layout, out=None)


def check_submission(directory: str | os.PathLike, speaker_paths: Sequence[str], split: str,
                     **kwargs: Any) -> ValidationReport:
    """validate_submission, raising SubmissionError(summary, problems) when it fails.

    Returns the report when it passes (it may still carry warnings).
    """
    return validate_submission(directory, speaker_paths, split, **kwargs).raise_if_failed()


# ---------------------------------------------------------------------------------------------
# implementation


def _run(directory: str | os.PathLike, speaker_paths: Sequence[str], split: str, *, n_samples: int,
         max_file_bytes: int | None, dataset_fingerprint: str | None, strict: bool, layout: str | None,
         out: np.ndarray | None) -> ValidationReport:
    t0 = time.perf_counter()
    paths = check_speaker_paths(speaker_paths)
    check_split_name(split)
    if not isinstance(n_samples, (int, np.integer)) or isinstance(n_samples, bool) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive int, got {n_samples!r}")
    n_samples = int(n_samples)
    if layout is not None and layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS} or None, got {layout!r}")
    limit = default_max_file_bytes(n_samples) if max_file_bytes is None else int(max_file_bytes)
    S = len(paths)

    col = _Collector()
    meta: dict[str, Any] | None = None
    n_read = 0
    root = Path(directory)

    def report(found_layout: str | None) -> ValidationReport:
        describe = _describers(split, S, n_samples, limit)
        findings = col.findings(describe)
        problems = [f.message for f in findings if f.severity == "problem"]
        warnings = [f.message for f in findings if f.severity == "warning"]
        return ValidationReport(ok=not problems, problems=problems, warnings=warnings, layout=found_layout,
                                metadata=meta, directory=str(directory), split=split, n_directions=S,
                                n_samples=n_samples, n_files_checked=n_read,
                                seconds=time.perf_counter() - t0, findings=findings)

    if not root.is_dir():
        col.note("not_found", f"submission directory not found (or not a directory): {directory}")
        return report(None)
    real_root = os.path.realpath(root)

    # 1. list the split folder (no symlink following) and the root's own entries
    expected_npy = expected_files(split, paths, "npy", n_samples)
    expected_pth = expected_files(split, paths, "pth", n_samples)
    max_entries = 4 * (len(expected_pth) + S) + 10_000
    tree = _Tree(root, real_root, max_entries)
    split_dir = root / split
    if split_dir.is_symlink() or not split_dir.is_dir():
        present = sorted(d for d in SPLITS if (root / d).is_dir() and d != split)
        hint = f" (found: {', '.join(d + '/' for d in present)})" if present else ""
        col.note("no_split_dir", f"split folder missing: expected {split}/ in {directory}{hint}"
                 + (" (it is a symlink; symlinked folders are rejected)" if split_dir.is_symlink() else ""))
    else:
        tree.walk(split_dir, split)
    if tree.overflow:
        col.note("too_many_entries", f"too many entries: the folder holds more than {max_entries} "
                 "files/folders; stopped listing it")
    for item in tree.bad_links:
        col.add("symlink", item)
    for item in tree.not_regular:
        col.add("not_regular", item)

    # 2. layout
    n_npy = sum(1 for f in tree.files if f.endswith(".npy"))
    n_pth = sum(1 for f in tree.files if PTH_PATTERN.match(PurePosixPath(f).name))
    found = layout
    if found is None:
        if n_npy and n_pth:
            found = "npy" if n_npy >= n_pth else "pth"
            col.note("mixed_layout", f"mixed layouts: found {n_npy} .npy and {n_pth} result-<j>.pth files in "
                     f"{split}/; use one layout (treating the submission as '{found}', the rest as extra)")
        elif n_npy:
            found = "npy"
        elif n_pth:
            found = "pth"
    if found is None and split_dir.is_dir() and not split_dir.is_symlink():
        col.note("no_predictions", f"no prediction files found under {split}/ (expected {split}/<speaker path>.npy "
                 f"or {split}/<speaker path>/result-<j>.pth)")

    # 3. root entries and submission.json
    meta_file = None
    for name, kind, why in tree.root_entries(root):
        if name == split:
            continue
        if name == METADATA_FILE and kind == "file":
            meta_file = root / name
        elif kind == "dir" and name in SPLITS:
            if found == "pth":
                col.note("extra_split", f"folder {name}/ ignored (validating {split}/)", severity="warning")
            else:
                col.add("unknown_directory", name + "/")
        elif kind == "dir":
            col.add("unknown_directory", name + "/")
        elif kind == "file" and name.lower().endswith(NOTE_SUFFIXES):
            continue
        elif kind == "file":
            col.add("extra_file", name)
        elif kind == "badlink":
            col.add("symlink", f"{name} ({why})")
        else:
            col.add("not_regular", name)
    if meta_file is None:
        if found == "npy":
            col.note("metadata_missing", f"submission.json missing: the canonical .npy layout needs "
                     f"{METADATA_FILE} at the top of the folder")
        elif found == "pth":
            col.note("metadata_missing", "no submission.json (REACT 2024 .pth layout): method and dataset "
                     "fingerprint unknown", severity="warning")
    else:
        meta = _check_metadata(meta_file, col, split=split, n_samples=n_samples, S=S,
                               fingerprint=dataset_fingerprint, strict=strict)

    if found is None:
        return report(None)

    # 4. expected vs present
    expected = expected_npy if found == "npy" else expected_pth
    present = set(tree.files)
    missing = [f for f in expected if f not in present]
    for f in missing:
        col.add("missing", f)
    known_dirs = expected_dirs(expected)
    exp_set = set(expected)
    for f in tree.files:
        if f not in exp_set and str(PurePosixPath(f).parent) in known_dirs:
            col.add("extra_file", f)
    unknown = [d for d in tree.dirs if d not in known_dirs and str(PurePosixPath(d).parent) in known_dirs]
    if unknown:
        inside = dict.fromkeys(unknown, 0)          # files below each top-most unknown folder
        for f in tree.files:
            for parent in PurePosixPath(f).parents:
                if str(parent) in inside:
                    inside[str(parent)] += 1
                    break
        for d in unknown:
            col.add("unknown_directory", f"{d}/ ({inside[d]} files)" if inside[d] else f"{d}/ (empty)")

    # 5. content, streamed in direction order
    if found == "npy":
        buf = np.empty((n_samples, N_FRAMES, N_ATTRS), np.float32)
        for k, f in enumerate(expected):
            if f not in present:
                continue
            target = out[k] if out is not None else buf
            n_read += _check_npy(root / f, f, (n_samples, N_FRAMES, N_ATTRS), limit, col, target)
    else:
        torch = _import_torch()
        for k in range(S):
            for j in range(n_samples):
                f = expected_pth[k * n_samples + j]
                if f not in present:
                    continue
                target = out[k, j] if out is not None else None
                n_read += _check_pth(torch, root / f, f, limit, col, target)
    return report(found)


def _describers(split: str, S: int, n: int, limit: int) -> dict[str, Callable[[int], str]]:
    """Message heads per kind, given the count of offending items."""
    return {
        "symlink": lambda c: f"{c} symlink(s) rejected (only symlinks to regular files inside the submission "
                             "folder are allowed)",
        "not_regular": lambda c: f"{c} entr(ies) are not regular files or folders (device, FIFO or socket)",
        "missing": lambda c: f"{c} expected prediction file(s) missing ({S} directions x "
                             f"{n} samples expected)",
        "extra_file": lambda c: f"{c} unexpected file(s) (not a prediction file of split {split!r})",
        "unknown_directory": lambda c: f"{c} unknown folder(s) (not on the path of any expected direction)",
        "too_large": lambda c: f"{c} file(s) over the size limit of {limit} bytes",
        "unreadable": lambda c: f"{c} file(s) could not be read",
        "pickled": lambda c: f"{c} file(s) hold pickled Python objects (rejected without unpickling; "
                             "save plain float32 arrays/tensors)",
        "not_tensor": lambda c: f"{c} .pth file(s) do not hold a single plain tensor",
        "shape": lambda c: f"{c} file(s) have the wrong shape (expected "
                           f"{(n, N_FRAMES, N_ATTRS)} per .npy, {(N_FRAMES, N_ATTRS)} per .pth)",
        "dtype": lambda c: f"{c} file(s) are not float32 (convert with .astype(np.float32) / .float())",
        "non_finite": lambda c: f"{c} file(s) hold non-finite values (NaN or Inf)",
    }


class _Tree:
    """Listing of a folder without following symlinks. Files are relative POSIX paths.

    A symlink is kept (as a file) only when it resolves to a regular file inside the submission
    folder; links to folders, dangling links and links leaving the folder go to ``bad_links``.
    """

    def __init__(self, root: Path, real_root: str, max_entries: int) -> None:
        self.root = root
        self.real_root = real_root
        self.max_entries = max_entries
        self.files: list[str] = []
        self.dirs: list[str] = []
        self.bad_links: list[str] = []
        self.not_regular: list[str] = []
        self.overflow = False

    def _link_problem(self, path: str) -> str | None:
        """None when the symlink is acceptable, else why not."""
        target = os.path.realpath(path)
        if os.path.commonpath([self.real_root, target]) != self.real_root:
            return "points outside the submission folder"
        if not os.path.exists(target):
            return "dangling"
        if os.path.isdir(target):
            return "points to a folder"
        if not os.path.isfile(target):
            return "points to a non-regular file"
        return None

    def classify(self, entry: os.DirEntry) -> tuple[str, str]:
        """(kind, detail): kind is dir, file, badlink or other."""
        if entry.is_symlink():
            why = self._link_problem(entry.path)
            return ("file", "") if why is None else ("badlink", why)
        if entry.is_dir(follow_symlinks=False):
            return "dir", ""
        if entry.is_file(follow_symlinks=False):
            return "file", ""
        return "other", ""

    def walk(self, top: Path, rel_top: str) -> None:
        stack = [(str(top), rel_top)]
        count = 0
        while stack:
            path, rel = stack.pop()
            try:
                with os.scandir(path) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError:
                self.not_regular.append(rel + "/ (cannot be listed)")
                continue
            for e in entries:
                count += 1
                if count > self.max_entries:
                    self.overflow = True
                    return
                r = f"{rel}/{e.name}"
                kind, why = self.classify(e)
                if kind == "dir":
                    self.dirs.append(r)
                    stack.append((e.path, r))
                elif kind == "file":
                    self.files.append(r)
                elif kind == "badlink":
                    self.bad_links.append(f"{r} ({why})")
                else:
                    self.not_regular.append(r)

    def root_entries(self, root: Path) -> list[tuple[str, str, str]]:
        with os.scandir(root) as it:
            return [(e.name, *self.classify(e)) for e in sorted(it, key=lambda e: e.name)]


def _check_metadata(path: Path, col: _Collector, *, split: str, n_samples: int, S: int,
                    fingerprint: str | None, strict: bool) -> dict[str, Any] | None:
    size = path.stat().st_size
    if size > MAX_METADATA_BYTES:
        col.note("metadata_malformed", f"submission.json malformed: {size} bytes, over the "
                 f"{MAX_METADATA_BYTES}-byte limit")
        return None

    def no_constants(name: str) -> Any:
        raise ValueError(f"{name} is not valid JSON")

    try:
        meta = json.loads(path.read_bytes().decode("utf-8"), parse_constant=no_constants)
    except (UnicodeDecodeError, ValueError) as exc:
        col.note("metadata_malformed", f"submission.json malformed: not valid UTF-8 JSON ({exc})")
        return None
    schema = metadata_schema_problems(meta)
    if schema:
        col.note("metadata_malformed", "submission.json malformed: " + "; ".join(schema))
    if not isinstance(meta, dict):
        return None
    mism = []
    if isinstance(meta.get("split"), str) and meta["split"] != split:
        mism.append(f"split is {meta['split']!r}, validating {split!r}")
    if _is_int(meta.get("n_samples")) and meta["n_samples"] != n_samples:
        mism.append(f"n_samples is {meta['n_samples']}, expected {n_samples}")
    if _is_int(meta.get("n_directions")) and meta["n_directions"] != S:
        mism.append(f"n_directions is {meta['n_directions']}, the split has {S}")
    if mism:
        col.note("metadata_mismatch", "submission.json does not match the split: " + "; ".join(mism))
    fp = meta.get("dataset_fingerprint")
    if fingerprint is not None and isinstance(fp, str) and fp != fingerprint:
        col.note("fingerprint_mismatch",
                 f"dataset fingerprint mismatch: submission.json has {fp or '(empty)'!r}, the dataset is "
                 f"{fingerprint!r} (predictions may have been made on other data)",
                 severity="problem" if strict else "warning")
    return meta


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _file_size(path: Path, f: str, limit: int, col: _Collector) -> int | None:
    """Size of a regular file (following an accepted in-folder symlink); None when over the limit."""
    st = path.stat()
    if not stat.S_ISREG(st.st_mode):           # defensive: listing already filtered these
        col.add("not_regular", f)
        return None
    if st.st_size > limit:
        col.add("too_large", f"{f} ({st.st_size} bytes)")
        return None
    return st.st_size


def _check_npy(path: Path, f: str, shape: tuple[int, ...], limit: int, col: _Collector,
               target: np.ndarray) -> int:
    """Header first (no objects, then the size limit, shape, dtype), then stream the data into
    ``target``. 1 if read. Objects are named before size: a pickled array is usually also too big,
    and "pickled" is the cause a user must hear."""
    if not stat.S_ISREG(path.stat().st_mode):   # never open a FIFO or device (listing filters them too)
        col.add("not_regular", f)
        return 0
    try:
        with open(path, "rb") as fp:
            version = np.lib.format.read_magic(fp)
            if version == (1, 0):
                hshape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
            elif version in ((2, 0), (3, 0)):
                hshape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
            else:
                raise ValueError(f"unsupported .npy version {version}")
            offset = fp.tell()
            if dtype.hasobject:
                col.add("pickled", f"{f} (dtype {dtype})")
                return 0
            size = _file_size(path, f, limit, col)
            if size is None:
                return 0
            if tuple(hshape) != shape:
                col.add("shape", f"{f} {tuple(hshape)}")
                return 0
            # float32 in either byte order; float64 & co are rejected, not silently cast.
            if dtype.kind != "f" or dtype.itemsize != 4 or dtype.fields is not None:
                col.add("dtype", f"{f} ({dtype})")
                return 0
            nbytes = int(np.prod(shape)) * 4
            if size != offset + nbytes:
                col.add("unreadable", f"{f} (data is {size - offset} bytes, expected {nbytes}: truncated "
                                      "or trailing bytes)")
                return 0
            if dtype == np.float32 and not fortran and target.flags.c_contiguous:
                got = fp.readinto(memoryview(target).cast("B"))
                arr = target
            else:
                raw = np.frombuffer(fp.read(nbytes), dtype=dtype)
                got = raw.nbytes
                arr = raw.reshape(shape, order="F" if fortran else "C")
                target[...] = arr
            if got != nbytes:
                raise ValueError("short read")
    except (OSError, ValueError, SyntaxError) as exc:
        col.add("unreadable", f"{f} (not a valid .npy file: {_short(exc)})")
        return 0
    _check_finite(np.asarray(target), f, col)
    return 1


def _check_finite(arr: np.ndarray, f: str, col: _Collector) -> None:
    if np.isfinite(arr).all():
        return
    kinds = []
    if np.isnan(arr).any():
        kinds.append("NaN")
    if np.isinf(arr).any():
        kinds.append("Inf")
    col.add("non_finite", f"{f} ({', '.join(kinds)})")


def _import_torch() -> Any:
    import torch  # heavy; only the .pth layout needs it

    return torch


def _check_pth(torch: Any, path: Path, f: str, limit: int, col: _Collector, target: np.ndarray | None) -> int:
    """torch.load(weights_only=True) only: a pickled non-tensor is refused by torch, never executed."""
    if _file_size(path, f, limit, col) is None:
        return 0
    with open(path, "rb") as fp:
        magic = fp.read(4)
    # torch.save writes a zip archive (PK..); the legacy format starts with a pickle protocol byte.
    if not (magic.startswith(b"PK\x03\x04") or magic[:1] == b"\x80"):
        col.add("unreadable", f"{f} (not a torch.save file)")
        return 0
    try:
        obj = torch.load(path, weights_only=True, map_location="cpu")
    except pickle.UnpicklingError as exc:
        reason = _unpickling_reason(exc)
        if "GLOBAL" in reason or "class" in reason.lower():
            col.add("pickled", f"{f} ({reason})")
        else:
            col.add("unreadable", f"{f} (corrupt: {reason})")
        return 0
    except Exception as exc:  # noqa: BLE001 - any malformed file is one clean message
        col.add("unreadable", f"{f} ({type(exc).__name__}: {_short(exc)})")
        return 0
    if not isinstance(obj, torch.Tensor):
        col.add("not_tensor", f"{f} (holds a {type(obj).__name__})")
        return 0
    if obj.layout != torch.strided or obj.is_quantized:
        col.add("not_tensor", f"{f} (a {obj.layout} tensor, expected a dense tensor)")
        return 0
    if tuple(obj.shape) != (N_FRAMES, N_ATTRS):
        col.add("shape", f"{f} {tuple(obj.shape)}")
        return 0
    if obj.dtype != torch.float32:
        col.add("dtype", f"{f} ({obj.dtype})")
        return 0
    arr = obj.detach().numpy()
    _check_finite(arr, f, col)
    if target is not None:
        target[...] = arr
    return 1


def _unpickling_reason(exc: BaseException) -> str:
    """The informative line of torch's weights_only refusal (e.g. 'unsupported GLOBAL posix.system')."""
    for line in str(exc).splitlines():
        low = line.lower()
        if "unsupported" in low or "global" in low or "unpickler error" in low:
            return "refused by torch.load(weights_only=True): " + _short(Exception(line.strip()))
    return "refused by torch.load(weights_only=True)"


def _short(exc: BaseException, n: int = 160) -> str:
    """First line of an exception message, clipped."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= n else text[: n - 3] + "..."
