"""Each trained baseline's smoke predictions, pinned: a change of code that changes what a baseline
computes (its training, its RNG order, its sampling) fails here, where the generic tests would still
pass. Refactors must keep these bytes; a deliberate change re-pins with the measured hash and says
why in its commit. Measured 2026-12-07 with the code whose small-profile predictions reproduce the
stored table1 rows byte for byte (benchmarks/rerun_stored.py --avx2, all eight seed-0 rows)."""

from __future__ import annotations

import json

from conftest import run_with_avx2_numerics, skip_unless_pinned_numerics
from test_baselines_trained import TRAINED

# fit (seed 0) and predict (10 samples, seed 0) on the smoke world, one torch thread, AVX2 kernels
SMOKE_SHA256 = {
    "BeLFusion": "40c79efb92bb261fe148fa59171af083fbd90c65a0e6040bb2a8732f652aa3b0",
    "DyadGAN": "cf5a78c58d75f15b80b5bc5565e1a4c715543642559a81a620af0dc7cf72e4c0",
    "Huang_S": "c7b4ee77fa9fefe2267080cb2c0aa413db3cc8428b208f40c44bcbc57eaca983",
    "L2L": "0a5507f92c098f256dbf234eb3fbeefc05f83f05ba2f74df53d9daeaeae1f4b9",
    "TransVAE": "5c9df6e4c8a39143a326168d622f558a9a5e4cb0df66dd91d6e536fdc4498cbf",
    "TransVAE_online": "ab0dee1cc56887434b6df8e53d766cd5071f8d96d7c063ad83cb265e8fd7fdce",
    "UNet": "f503148a62eaaa60d405e59a296692b3fb1cf05edbfaece12c2aebae9d521ad7",
}

_CODE = """
import json, tempfile
from pathlib import Path
import torch
from react_bench.data.reader import load_split
from react_bench.methods import get_method
from react_bench.results import array_sha256
torch.set_num_threads(1)
root = Path(sys.argv[1])
train, test = load_split(root, "train"), load_split(root, "test")
out = {}
for name in json.loads(sys.argv[2]):
    method = get_method(name, profile="smoke")
    with tempfile.TemporaryDirectory() as run_dir:
        method.fit(train, None, seed=0, device="cpu", run_dir=Path(run_dir))
    out[name] = array_sha256(method.predict(test, n_samples=10, seed=0))
print(json.dumps(out))
"""


def smoke_hashes(data_root, names: list[str]) -> dict[str, str]:
    return json.loads(run_with_avx2_numerics(_CODE, str(data_root), json.dumps(names)).splitlines()[-1])


@skip_unless_pinned_numerics()
def test_every_baseline_predicts_its_pinned_bytes(smoke_splits) -> None:
    source, _, _ = smoke_splits
    baselines = sorted(TRAINED)
    assert sorted(SMOKE_SHA256) == baselines, "a new baseline needs its pin"
    assert smoke_hashes(source.root, baselines) == SMOKE_SHA256
