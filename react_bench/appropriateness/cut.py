"""Cut a split's appropriateness matrix out of the challenge's global one (official tool/matrix_split.py).

The global matrix ``Approprirate_facial_reaction.npy`` is (2N, 2N): row/column r < N is clip r of
``data_indices.csv`` (site, chat_index, clip_index) in the role of the split CSV's speaker column,
r + N the same clip in the other role. For a split CSV with L kept rows mapped to global clips
c_0..c_{L-1}, the (2L, 2L) split matrix is (react_metrics.md §5)::

    [i, j]     = all[c_i,       c_j]          [i, j+L]   = all[c_i,       c_j + W/2]
    [i+L, j]   = all[c_i + W/2, c_j]          [i+L, j+L] = all[c_i + W/2, c_j + W/2]

which is the mirrored direction order of SplitData (speaker column first, then listener column).
REACT 2023 keeps every row; REACT 2024 (``skip_udiva=True``) drops UDIVA rows first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, MatrixError

_MAX_LISTED = 10


@dataclass
class SplitRowMap:
    """How the rows of a split CSV map onto data_indices rows.

    ``kept_rows[i]`` is the 0-based CSV row behind split-matrix row i (and row i + L); it is
    0..L-1 unless UDIVA rows were skipped. ``global_index[i]`` is that row's data_indices row.
    """

    kept_rows: np.ndarray          # (L,) int64, CSV row numbers (0-based, after the header)
    global_index: np.ndarray       # (L,) int64, data_indices rows c_i
    speaker_paths: list[str]       # (L,) kept rows' speaker column
    listener_paths: list[str]      # (L,) kept rows' listener column
    n_csv_rows: int                # rows in the CSV, skipped ones included
    n_skipped_udiva: int
    n_index_rows: int              # rows of data_indices = half the global matrix's size

    @property
    def n_pairs(self) -> int:
        return int(self.kept_rows.size)

    @property
    def direction_speaker_paths(self) -> list[str]:
        """Speaker of each of the 2L directions, in the split matrix's row order."""
        return self.speaker_paths + self.listener_paths

    @property
    def direction_listener_paths(self) -> list[str]:
        return self.listener_paths + self.speaker_paths


def _read_csv(path: str | os.PathLike, what: str) -> pd.DataFrame:
    """A CSV of strings, with a DataError naming the file when it is missing or unreadable."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{what} not found: {path}")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(f"{path}: cannot read as a {what} ({exc})") from None


def read_data_indices(data_indices: str | os.PathLike | pd.DataFrame) -> pd.DataFrame:
    """data_indices as a DataFrame of strings (site, chat_index, clip_index); row r = clip r."""
    if isinstance(data_indices, pd.DataFrame):
        df = data_indices.reset_index(drop=True)
    else:
        df = _read_csv(data_indices, "data_indices CSV")
    missing = [c for c in ("site", "chat_index", "clip_index") if c not in df.columns]
    if missing:
        raise DataError(f"data_indices lacks column(s) {missing}; expected site, chat_index, clip_index")
    return df[["site", "chat_index", "clip_index"]].astype(str).apply(lambda c: c.str.strip())


def read_split_csv(split_csv: str | os.PathLike | pd.DataFrame) -> pd.DataFrame:
    """A split CSV (``,speaker_path,listener_path``) as strings, in file order."""
    if isinstance(split_csv, pd.DataFrame):
        df = split_csv.reset_index(drop=True)
    else:
        df = _read_csv(split_csv, "split CSV")
    missing = [c for c in ("speaker_path", "listener_path") if c not in df.columns]
    if missing:
        raise DataError(f"split CSV {split_csv if not isinstance(split_csv, pd.DataFrame) else ''} lacks "
                        f"column(s) {missing}")
    return df[["speaker_path", "listener_path"]].astype(str).apply(lambda c: c.str.strip())


def _index_key(site: str, chat: str, clip: str) -> str:
    return f"{site.upper()}/{chat}/{clip}"


def speaker_key(path: str) -> str:
    """data_indices key of a split CSV speaker path (raises ValueError for a malformed path).

    non-UDIVA ``Site/session/person/clip`` -> ``SITE/session/clip``;
    UDIVA ``UDIVA/task/pair/FCx/clip`` -> ``UDIVA/pair_task/clip``.
    """
    parts = path.strip("/").split("/")
    site = parts[0].upper()
    if site == "UDIVA":
        if len(parts) != 5:
            raise ValueError("a UDIVA path has 5 parts: UDIVA/<task>/<pair>/<FC1|FC2>/<clip>")
        _, task, pair, _, clip = parts
        return _index_key(site, f"{pair}_{task}", clip)
    if len(parts) != 4:
        raise ValueError("expected <site>/<session>/<person>/<clip>")
    return _index_key(site, parts[1], parts[3])


def map_split_rows(data_indices: str | os.PathLike | pd.DataFrame, split_csv: str | os.PathLike | pd.DataFrame,
                   *, skip_udiva: bool = False) -> SplitRowMap:
    """Map every kept split row's speaker path to exactly one data_indices row.

    Raises DataError naming the rows whose path is malformed, matches no data_indices row, or
    matches more than one.
    """
    di = read_data_indices(data_indices)
    rows = read_split_csv(split_csv)
    lookup: dict[str, list[int]] = {}
    for r, (site, chat, clip) in enumerate(zip(di["site"], di["chat_index"], di["clip_index"])):
        lookup.setdefault(_index_key(site, chat, clip), []).append(r)

    kept, found, bad, n_skipped = [], [], [], 0
    for r, path in enumerate(rows["speaker_path"]):
        if skip_udiva and path.split("/")[0].upper() == "UDIVA":
            n_skipped += 1
            continue
        try:
            hits = lookup.get(speaker_key(path), [])
        except ValueError as exc:
            bad.append(f"row {r} {path!r} ({exc})")
            continue
        if len(hits) != 1:
            why = "no data_indices row" if not hits else f"{len(hits)} data_indices rows {hits[:5]}"
            bad.append(f"row {r} {path!r} (key {speaker_key(path)!r} matches {why})")
            continue
        kept.append(r)
        found.append(hits[0])
    if bad:
        more = f" ... and {len(bad) - _MAX_LISTED} more" if len(bad) > _MAX_LISTED else ""
        raise DataError(f"{len(bad)} split row(s) cannot be mapped to exactly one data_indices row: "
                        + "; ".join(bad[:_MAX_LISTED]) + more)
    kept_a = np.asarray(kept, dtype=np.int64)
    return SplitRowMap(kept_rows=kept_a, global_index=np.asarray(found, dtype=np.int64),
                       speaker_paths=[rows["speaker_path"].iat[r] for r in kept],
                       listener_paths=[rows["listener_path"].iat[r] for r in kept],
                       n_csv_rows=len(rows), n_skipped_udiva=n_skipped, n_index_rows=len(di))


def cut_with_map(global_matrix: np.ndarray | str | os.PathLike, row_map: SplitRowMap) -> np.ndarray:
    """The (2L, 2L) uint8 split matrix for an already computed SplitRowMap.

    The global matrix must be (2N, 2N) with N = rows of data_indices.
    """
    g = _load_global(global_matrix)
    if g.ndim != 2 or g.shape[0] != g.shape[1] or g.shape[0] % 2:
        raise MatrixError(f"global appropriateness matrix must be square with an even size, got {g.shape}")
    half = g.shape[0] // 2
    n_clips = row_map.n_index_rows
    if half != n_clips:
        raise DataError(f"global matrix is {g.shape[0]}x{g.shape[0]}, but data_indices has {n_clips} rows "
                        f"(expected {2 * n_clips}x{2 * n_clips})")
    c = row_map.global_index
    if c.size and c.max() >= half:
        raise DataError(f"data_indices row {int(c.max())} is outside the global matrix's half size {half}")
    idx = np.concatenate([c, c + half])
    sub = np.asarray(g[np.ix_(idx, idx)])      # all four role blocks in one fancy index
    if sub.dtype != np.uint8:
        vals = np.isin(sub, (0, 1))
        if not vals.all():
            bad = np.unique(sub[~vals])[:5]
            raise MatrixError(f"global matrix holds values other than 0/1 in the cut (e.g. {bad.tolist()})")
    elif sub.max(initial=0) > 1:
        raise MatrixError("global matrix holds values other than 0/1 in the cut")
    return sub.astype(np.uint8)


def cut_split_matrix(global_matrix: np.ndarray | str | os.PathLike,
                     data_indices: str | os.PathLike | pd.DataFrame,
                     split_csv: str | os.PathLike | pd.DataFrame, *, skip_udiva: bool = False) -> np.ndarray:
    """The split's (2L, 2L) uint8 appropriateness matrix, exactly as the official matrix_split.py.

    ``skip_udiva=True`` is REACT 2024's rule: UDIVA rows are dropped, so the matrix belongs to the
    CSV without them; use ``map_split_rows(...).kept_rows`` to align. An unmatched row raises DataError.
    """
    row_map = map_split_rows(data_indices, split_csv, skip_udiva=skip_udiva)
    return cut_with_map(global_matrix, row_map)


def _load_global(m: np.ndarray | str | os.PathLike) -> np.ndarray:
    if isinstance(m, (str, os.PathLike)):
        from ..data.arrays import load_plain_npy

        p = Path(m)
        if not p.is_file():
            raise DataError(f"global appropriateness matrix not found: {p}")
        try:
            return load_plain_npy(p, mmap_mode="r")
        except DataError as error:
            raise MatrixError(str(error)) from None
    return np.asarray(m)
