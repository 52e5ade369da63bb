"""Submission folders: writer/reader round trips and every validation failure kind."""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from react_bench.errors import DataError, SubmissionError
from react_bench.submission import (
    METADATA_FILE,
    REQUIRED_KEYS,
    check_submission,
    default_max_file_bytes,
    read_submission,
    read_submission_with_report,
    validate_submission,
    write_submission,
)

SPLIT = "test"
N = 2          # samples per direction in the small cases
S = 6
PATHS = [f"Synth/S{i // 2:03d}/P{1 + i % 2}/{i}" for i in range(S)]


def _pred(S_: int = S, n: int = N, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((S_, n, 750, 25)).astype(np.float32)


def _write(tmp_path: Path, layout: str = "npy", name: str = "sub", **kw) -> tuple[Path, np.ndarray]:
    pred = _pred()
    d = write_submission(tmp_path / name, pred, PATHS, SPLIT, "unit", "fp-123", "a test", layout=layout, **kw)
    return d, pred


def _validate(d: Path, **kw):
    kw.setdefault("n_samples", N)
    return validate_submission(d, PATHS, SPLIT, **kw)


def _fails(d: Path, code: str, needle: str, **kw) -> str:
    """Assert check_submission fails with ``code`` and a message containing ``needle``; return it."""
    kw.setdefault("n_samples", N)
    with pytest.raises(SubmissionError) as ei:
        check_submission(d, PATHS, SPLIT, **kw)
    err = ei.value
    assert err.exit_code == 2
    report = validate_submission(d, PATHS, SPLIT, **kw)
    assert code in report.codes, report.problems
    msg = [f.message for f in report.findings if f.code == code and f.severity == "problem"][0]
    assert needle in msg, msg
    assert msg in err.problems and msg in str(err)
    return msg


def _snapshot(root: Path) -> list[tuple]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            st = os.lstat(os.path.join(dirpath, name))
            out.append((os.path.relpath(os.path.join(dirpath, name), root), st.st_size, st.st_mtime_ns, st.st_mode))
    return sorted(out)


# ---------------------------------------------------------------------------------------------
# writer / reader


def test_round_trip_default_shape(tmp_path):
    pred = _pred(S_=3, n=10)
    d = write_submission(tmp_path / "run1", pred, PATHS[:3], "val", "m", "fp")
    assert (d / "val" / "Synth" / "S000" / "P1" / "0.npy").is_file()
    assert np.load(d / "val/Synth/S001/P1/2.npy").shape == (10, 750, 25)
    got = read_submission(d, PATHS[:3], "val")                 # defaults: n_samples=10
    assert got.dtype == np.float32 and got.shape == (3, 10, 750, 25)
    np.testing.assert_array_equal(got, pred)
    meta = json.loads((d / METADATA_FILE).read_text())
    assert set(REQUIRED_KEYS) <= set(meta)
    assert (meta["split"], meta["n_samples"], meta["n_directions"], meta["method"]) == ("val", 10, 3, "m")
    assert default_max_file_bytes(10) >= 2 * 10 * 750 * 25 * 4


def test_read_follows_given_direction_order(tmp_path):
    d, pred = _write(tmp_path)
    order = [3, 0, 5, 1, 4, 2]
    got = read_submission(d, [PATHS[k] for k in order], SPLIT, n_samples=N)
    np.testing.assert_array_equal(got, pred[order])
    arr, rep = read_submission_with_report(d, PATHS, SPLIT, n_samples=N, dataset_fingerprint="fp-123")
    assert rep.ok and rep.layout == "npy" and not rep.warnings and rep.metadata["description"] == "a test"
    np.testing.assert_array_equal(arr, pred)


def test_pth_layout_round_trip(tmp_path):
    d, pred = _write(tmp_path, layout="pth")
    f = d / SPLIT / PATHS[4] / "result-1.pth"
    t = torch.load(f, weights_only=True, map_location="cpu")
    assert t.shape == (750, 25) and t.dtype == torch.float32
    assert f.stat().st_size < 2 * 750 * 25 * 4                 # cloned, not the whole buffer
    rep = _validate(d)
    assert rep.ok and rep.layout == "pth" and rep.n_files_checked == S * N
    np.testing.assert_array_equal(read_submission(d, PATHS, SPLIT, n_samples=N), pred)
    # the R24 scorer's folders carry no submission.json: fine, with a warning
    (d / METADATA_FILE).unlink()
    rep = _validate(d)
    assert rep.ok and rep.metadata is None and any("no submission.json" in w for w in rep.warnings)


def test_pth_files_saved_like_regnn(tmp_path):
    """Files saved like REGNN (torch.save of a fresh (750, 25) tensor) are read; order is j."""
    d = tmp_path / "regnn" / SPLIT
    pred = _pred()
    for k, s in enumerate(PATHS):
        (d / s).mkdir(parents=True)
        for j in range(N):
            torch.save(torch.from_numpy(pred[k, j].copy()), d / s / f"result-{j}.pth")
    np.testing.assert_array_equal(read_submission(d.parent, PATHS, SPLIT, n_samples=N), pred)


def test_writer_refuses_existing_nonempty_dir_and_overwrites_atomically(tmp_path):
    d, _ = _write(tmp_path)
    with pytest.raises(SubmissionError, match="not empty"):
        _write(tmp_path)
    pred2 = _pred(seed=7)
    write_submission(d, pred2, PATHS, SPLIT, "unit", "fp", overwrite=True)
    np.testing.assert_array_equal(read_submission(d, PATHS, SPLIT, n_samples=N), pred2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sub"]          # no temp/old folders left
    empty = tmp_path / "empty"
    empty.mkdir()
    write_submission(empty, pred2, PATHS, SPLIT, "unit", "fp")
    assert _validate(empty).ok


def test_writer_rejects_bad_predictions_and_writes_nothing(tmp_path):
    bad = _pred()
    bad[2, 1, 5, 3] = np.nan
    with pytest.raises(SubmissionError, match="NaN/Inf"):
        write_submission(tmp_path / "x", bad, PATHS, SPLIT, "m", "fp")
    with pytest.raises(SubmissionError, match="shape"):
        write_submission(tmp_path / "x", _pred()[:, :, :700], PATHS, SPLIT, "m", "fp")
    with pytest.raises(SubmissionError, match="shape"):
        write_submission(tmp_path / "x", _pred(), PATHS[:5], SPLIT, "m", "fp")
    big = _pred().astype(np.float64)
    big[0, 0, 0, 0] = 1e300                                   # finite in float64, inf in float32
    with pytest.raises(SubmissionError, match="after casting"):
        write_submission(tmp_path / "x", big, PATHS, SPLIT, "m", "fp")
    assert list(tmp_path.iterdir()) == []


def test_bad_speaker_paths_are_data_errors(tmp_path):
    d, _ = _write(tmp_path)
    for bad in (["../escape"] + PATHS[1:], ["/abs/path"] + PATHS[1:], [PATHS[0]] + PATHS[:-1]):
        with pytest.raises(DataError):
            validate_submission(d, bad, SPLIT, n_samples=N)
        with pytest.raises(DataError):
            write_submission(tmp_path / "y", _pred(), bad, SPLIT, "m", "fp")


# ---------------------------------------------------------------------------------------------
# failure kinds


def test_missing_direction(tmp_path):
    d, _ = _write(tmp_path)
    (d / SPLIT / f"{PATHS[2]}.npy").unlink()
    msg = _fails(d, "missing", f"{SPLIT}/{PATHS[2]}.npy")
    assert msg.startswith("1 expected prediction file(s) missing")
    with pytest.raises(SubmissionError):
        read_submission(d, PATHS, SPLIT, n_samples=N)


def test_extra_files_and_unknown_directories(tmp_path):
    d, pred = _write(tmp_path)
    np.save(d / SPLIT / "Synth" / "S000" / "P1" / "99.npy", pred[0])
    (d / SPLIT / "Synth" / "S000" / "notes.txt").write_text("x")
    (d / SPLIT / "Other" / "deep").mkdir(parents=True)
    np.save(d / SPLIT / "Other" / "deep" / "1.npy", pred[0])
    (d / "model.ckpt").write_bytes(b"x")
    (d / "README.md").write_text("notes are fine at the top")
    msg = _fails(d, "extra_file", "3 unexpected file(s)")
    assert "Synth/S000/P1/99.npy" in msg and "notes.txt" in msg and "model.ckpt" in msg
    rep = _validate(d)
    unk = [f for f in rep.findings if f.code == "unknown_directory"][0]
    assert unk.files == [f"{SPLIT}/Other/ (1 files)"]
    (d / SPLIT / "Synth" / "S001" / "P9").mkdir()
    assert f"{SPLIT}/Synth/S001/P9/ (empty)" in _fails(d, "unknown_directory", "2 unknown folder(s)")
    # validating as another n_samples: the files are all "wrong shape", nothing else changes
    assert "shape" in _validate(d, n_samples=3).codes


def test_wrong_shape_dtype_nan_inf(tmp_path):
    d, pred = _write(tmp_path)
    f = lambda k: d / SPLIT / f"{PATHS[k]}.npy"  # noqa: E731
    np.save(f(0), pred[0, :, :749])
    np.save(f(1), pred[1].astype(np.float64))
    a = pred[2].copy(); a[1, 10, 3] = np.nan; np.save(f(2), a)
    a = pred[3].copy(); a[0, 0, 0] = -np.inf; np.save(f(3), a)
    np.save(f(4), pred[4].astype(np.float16))
    assert "(2, 749, 25)" in _fails(d, "shape", f"{SPLIT}/{PATHS[0]}.npy")
    msg = _fails(d, "dtype", "not float32")
    assert "float64" in msg and "float16" in msg
    msg = _fails(d, "non_finite", "NaN or Inf")
    assert f"{PATHS[2]}.npy (NaN)" in msg and f"{PATHS[3]}.npy (Inf)" in msg
    rep = _validate(d)
    assert rep.n_files_checked == 3 and sorted(rep.codes) == ["dtype", "non_finite", "shape"]


def test_accepts_fortran_order_and_big_endian_float32(tmp_path):
    d, pred = _write(tmp_path)
    np.save(d / SPLIT / f"{PATHS[0]}.npy", np.asfortranarray(pred[0]))
    np.save(d / SPLIT / f"{PATHS[1]}.npy", pred[1].astype(">f4"))
    got = read_submission(d, PATHS, SPLIT, n_samples=N)
    np.testing.assert_array_equal(got, pred)
    assert got.dtype == np.dtype("<f4") or got.dtype == np.float32


def test_object_npy_rejected_without_unpickling(tmp_path):
    marker = tmp_path / "PWNED"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    d, _ = _write(tmp_path)
    arr = np.empty((N, 750, 25), dtype=object)
    arr[0, 0, 0] = Evil()
    np.save(d / SPLIT / f"{PATHS[1]}.npy", arr)  # np.save pickles object arrays by default
    _fails(d, "pickled", f"{PATHS[1]}.npy (dtype object)")
    with pytest.raises(SubmissionError):
        read_submission(d, PATHS, SPLIT, n_samples=N)
    assert not marker.exists()


def test_pth_pickled_object_rejected_without_executing(tmp_path):
    marker = tmp_path / "PWNED"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    d, _ = _write(tmp_path, layout="pth")
    torch.save({"x": Evil()}, d / SPLIT / PATHS[0] / "result-0.pth")
    torch.save({"x": torch.zeros(750, 25)}, d / SPLIT / PATHS[1] / "result-1.pth")
    torch.save(torch.zeros(750, 25, dtype=torch.float64), d / SPLIT / PATHS[2] / "result-0.pth")
    torch.save(torch.zeros(25, 750), d / SPLIT / PATHS[3] / "result-0.pth")
    t = torch.zeros(750, 25); t[3, 3] = float("nan")
    torch.save(t, d / SPLIT / PATHS[4] / "result-1.pth")
    np.save(d / SPLIT / PATHS[5] / "result-1.pth", np.zeros((750, 25), np.float32))   # not a torch file
    (d / SPLIT / PATHS[5] / "result-1.pth.npy").rename(d / SPLIT / PATHS[5] / "result-1.pth")
    msg = _fails(d, "pickled", "refused by torch.load(weights_only=True)")
    assert f"{PATHS[0]}/result-0.pth" in msg
    assert not marker.exists()
    assert "(holds a dict)" in _fails(d, "not_tensor", f"{PATHS[1]}/result-1.pth")
    assert "torch.float64" in _fails(d, "dtype", f"{PATHS[2]}/result-0.pth")
    assert "(25, 750)" in _fails(d, "shape", f"{PATHS[3]}/result-0.pth")
    assert "(NaN)" in _fails(d, "non_finite", f"{PATHS[4]}/result-1.pth")
    _fails(d, "unreadable", f"{PATHS[5]}/result-1.pth")
    assert not marker.exists()


def test_pth_missing_and_extra_samples(tmp_path):
    d, _ = _write(tmp_path, layout="pth")
    (d / SPLIT / PATHS[3] / "result-0.pth").unlink()
    torch.save(torch.zeros(750, 25), d / SPLIT / PATHS[3] / f"result-{N}.pth")
    _fails(d, "missing", f"{SPLIT}/{PATHS[3]}/result-0.pth")
    _fails(d, "extra_file", f"{SPLIT}/{PATHS[3]}/result-{N}.pth")


def test_mixed_layout(tmp_path):
    d, pred = _write(tmp_path)
    (d / SPLIT / PATHS[0]).mkdir()
    torch.save(torch.zeros(750, 25), d / SPLIT / PATHS[0] / "result-0.pth")
    _fails(d, "mixed_layout", "found 6 .npy and 1 result-<j>.pth")


def test_symlinks(tmp_path):
    d, pred = _write(tmp_path)
    outside = tmp_path / "outside.npy"
    np.save(outside, pred[0])
    target = d / SPLIT / f"{PATHS[0]}.npy"
    # a symlink to a file inside the folder is accepted and followed
    (d / "store").mkdir()
    inside = d / "store" / "x.npy"
    target.rename(inside)
    target.symlink_to(os.path.relpath(inside, target.parent))
    rep = _validate(d)
    assert "symlink" not in rep.codes and "unknown_directory" in rep.codes     # store/ is still unknown
    (d / "store").rename(tmp_path / "store")                                  # now the link dangles
    _fails(d, "symlink", f"{SPLIT}/{PATHS[0]}.npy (dangling)")
    target.unlink()
    target.symlink_to(outside)                                                 # leaves the folder
    _fails(d, "symlink", f"{SPLIT}/{PATHS[0]}.npy (points outside the submission folder)")
    target.unlink()
    np.save(target, pred[0])
    (d / SPLIT / "Synth" / "S000" / "P1" / "link").symlink_to(d / SPLIT / "Synth")   # folder link
    _fails(d, "symlink", f"{SPLIT}/Synth/S000/P1/link (points to a folder)")
    (d / SPLIT / "Synth" / "S000" / "P1" / "link").unlink()
    assert _validate(d).ok


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_not_opened(tmp_path):
    d, _ = _write(tmp_path)
    f = d / SPLIT / f"{PATHS[0]}.npy"
    f.unlink()
    os.mkfifo(f)                      # opening it would block: validation must not
    msg = _fails(d, "not_regular", f"{SPLIT}/{PATHS[0]}.npy")
    assert "FIFO" in msg
    assert "missing" in _validate(d).codes


def test_oversized_file(tmp_path):
    d, pred = _write(tmp_path)
    msg = _fails(d, "too_large", "over the size limit of 1000 bytes", max_file_bytes=1000)
    assert msg.startswith("6 file(s)") and msg.count(".npy (150128 bytes)") == 6
    # default limit: a file with the right header and a large tail is refused before it is read
    f = d / SPLIT / f"{PATHS[0]}.npy"
    with open(f, "ab") as fh:
        fh.truncate(default_max_file_bytes(N) + 1)
    _fails(d, "too_large", f"{PATHS[0]}.npy")


def test_truncated_and_garbage_npy(tmp_path):
    d, _ = _write(tmp_path)
    f = d / SPLIT / f"{PATHS[0]}.npy"
    f.write_bytes(f.read_bytes()[:-100])
    g = d / SPLIT / f"{PATHS[1]}.npy"
    g.write_bytes(b"this is not numpy")
    msg = _fails(d, "unreadable", "could not be read")
    assert "truncated" in msg and f"{PATHS[1]}.npy (not a valid .npy file" in msg


@pytest.mark.parametrize("edit, code, needle", [
    (None, "metadata_missing", "submission.json missing"),
    ("{not json", "metadata_malformed", "not valid UTF-8 JSON"),
    ("[1, 2]", "metadata_malformed", "top level is a JSON array, not an object"),
    ({"drop": "method"}, "metadata_malformed", "missing key(s): method"),
    ({"n_samples": "2"}, "metadata_malformed", "'n_samples' must be an integer, got string"),
    ({"n_samples": True}, "metadata_malformed", "'n_samples' must be an integer, got boolean"),
    ({"format_version": 2}, "metadata_malformed", "'format_version' 2 is not supported"),
    ({"created": "yesterday"}, "metadata_malformed", "not an ISO 8601 time"),
    ({"split": "val"}, "metadata_mismatch", "split is 'val', validating 'test'"),
    ({"n_samples": 10}, "metadata_mismatch", "n_samples is 10, expected 2"),
    ({"n_directions": 5}, "metadata_mismatch", "n_directions is 5, the split has 6"),
    ('{"a": NaN}', "metadata_malformed", "NaN is not valid JSON"),
])
def test_metadata_problems(tmp_path, edit, code, needle):
    d, _ = _write(tmp_path)
    mf = d / METADATA_FILE
    if edit is None:
        mf.unlink()
    elif isinstance(edit, str):
        mf.write_text(edit)
    else:
        meta = json.loads(mf.read_text())
        if "drop" in edit:
            del meta[edit["drop"]]
        else:
            meta.update(edit)
        mf.write_text(json.dumps(meta))
    _fails(d, code, needle)


def test_fingerprint_mismatch_warns_unless_strict(tmp_path):
    d, _ = _write(tmp_path)
    rep = _validate(d, dataset_fingerprint="other")
    assert rep.ok and any("fingerprint mismatch" in w and "'fp-123'" in w for w in rep.warnings)
    _fails(d, "fingerprint_mismatch", "'other'", dataset_fingerprint="other", strict=True)
    assert _validate(d, dataset_fingerprint="fp-123", strict=True).ok


def test_split_folder_missing_and_not_found(tmp_path):
    d, _ = _write(tmp_path)
    (d / SPLIT).rename(d / "val")
    _fails(d, "no_split_dir", "(found: val/)")
    _fails(tmp_path / "nope", "not_found", "not found")


def test_at_most_ten_files_listed(tmp_path):
    paths = [f"Synth/S{i:03d}/P1/{i}" for i in range(25)]
    d = write_submission(tmp_path / "big", _pred(S_=25, n=1), paths, SPLIT, "m", "fp")
    for k in range(2, 25):
        (d / SPLIT / f"{paths[k]}.npy").unlink()
    with pytest.raises(SubmissionError) as ei:
        check_submission(d, paths, SPLIT, n_samples=1)
    msg = [p for p in ei.value.problems if "missing" in p][0]
    assert msg.startswith("23 expected prediction file(s) missing")
    assert len(re.findall(r"\.npy", msg)) == 10 and msg.endswith("... and 13 more")
    rep = validate_submission(d, paths, SPLIT, n_samples=1)
    assert len(rep.findings[0].files) == 23 and rep.to_dict()["findings"][0]["n_files"] == 23


def test_validation_writes_nothing(tmp_path):
    d, pred = _write(tmp_path)
    dp, _ = _write(tmp_path, layout="pth", name="subp")
    np.save(d / SPLIT / f"{PATHS[0]}.npy", pred[0].astype(np.float64))      # a failing one too
    (d / SPLIT / "junk").mkdir()
    before = _snapshot(tmp_path)
    for root in (d, dp):
        validate_submission(root, PATHS, SPLIT, n_samples=N)
        with pytest.raises(SubmissionError) if root == d else contextlib.nullcontext():
            read_submission(root, PATHS, SPLIT, n_samples=N)
    assert _snapshot(tmp_path) == before


def test_report_to_dict_is_json(tmp_path):
    d, _ = _write(tmp_path)
    (d / SPLIT / f"{PATHS[0]}.npy").unlink()
    rep = _validate(d)
    out = json.loads(json.dumps(rep.to_dict()))
    assert out["ok"] is False and out["layout"] == "npy" and out["findings"][0]["code"] == "missing"
    assert "1 problem(s)" in rep.summary()
