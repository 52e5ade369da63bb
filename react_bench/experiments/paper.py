"""The REGNN paper's own numbers (literature.md §4.1), shown beside ours and never mixed with them.

Dataset: the real NoXI + RECOLA test split of REACT 2023 (806 pairs). Conventions as printed: the
naive rows' FRDist is the challenge sum over 10 samples; the method rows' FRDist and FRCorr (and
every FRCorr) are per-sample means (÷10) — inferred, the paper does not say (literature.md §4.1).
"""

from __future__ import annotations

DATASET = "REACT 2023 NoXI + RECOLA test split (real data), as printed in Xu et al. 2023 (arXiv 2305.15270)"

_T1_COLUMNS = ("FRDist", "FRCorr", "PCC", "FRRea", "FRVar", "FRDvs", "FRDiv", "Synchrony")
_T1 = {
    "GT": (0.00, 0.873, 0.989, None, 0.072, 0.248, 0.000, 47.69),
    "B_Random": (237.21, 0.005, 0.007, None, 0.083, 0.167, 0.167, 44.19),
    "B_Mime": (92.94, 0.038, 0.058, None, 0.072, 0.248, 0.000, 38.54),
    "B_MeanSeq": (97.12, 0.001, 0.001, None, 0.000, 0.000, 0.000, 45.27),
    "B_MeanFr": (97.85, 0.000, 0.000, None, 0.000, 0.000, 0.000, 49.00),
    "Huang_S": (14.91, 0.023, 0.045, 42.44, 0.092, 0.186, 0.181, 42.83),
    "DyadGAN": (11.99, 0.035, 0.058, 32.53, 0.054, 0.114, 0.102, 43.83),
    "UNet": (8.31, 0.067, 0.141, 23.81, 0.015, 0.049, 0.000, 40.19),
    "L2L": (10.36, 0.082, 0.146, 27.33, 0.075, 0.064, 0.061, 39.22),
    "regnn": (7.62, 0.106, 0.153, 21.58, 0.077, 0.121, 0.048, 38.76),
}
# Table 2 (only FRDist and FRCorr, and i-ResNet's FRDiv, are in our notes), by (method, variant)
_T2 = {
    ("regnn", "video_only"): {"FRDist": 8.33, "FRCorr": 0.101},
    ("regnn", "audio_only"): {"FRDist": 8.81, "FRCorr": 0.031},
    # the paper prints one "without graph" row; it does not say which form made it
    ("regnn", "no_graph"): {"FRDist": 11.6, "FRCorr": 0.048},
    ("regnn", "no_graph_paper"): {"FRDist": 11.6, "FRCorr": 0.048},
    ("regnn", "no_graph_official"): {"FRDist": 11.6, "FRCorr": 0.048},
    ("regnn", "iresnet"): {"FRDist": 15.52, "FRCorr": 0.051, "FRDiv": 0.169},
    ("regnn", "no_mefl"): {"FRDist": 8.97, "FRCorr": 0.045},
    ("regnn", "default"): {"FRDist": 7.62, "FRCorr": 0.106, "PCC": 0.153, "FRRea": 21.58, "FRVar": 0.077,
                           "FRDvs": 0.121, "FRDiv": 0.048, "Synchrony": 38.76},
}


def paper_values(table: str | None, method: str, config: dict) -> dict[str, float] | None:
    """The paper's numbers for a row (None if the paper has no such row)."""
    if table == "table1":
        values = _T1.get(method) or _T1.get({"huang_c": "DyadGAN"}.get(method.lower(), ""))
        if values is None or (config and config.get("variant", "default") != "default"):
            return None
        return {k: v for k, v in zip(_T1_COLUMNS, values) if v is not None}
    if table == "table2":
        return _T2.get((method.lower(), str(config.get("variant", "default"))))
    return None
