"""Refit the ensemble on the DEU III development half and write its parameters with their provenance.

    python scripts/fit_ensemble.py [DEU_FILE] [--out src/stakes/ensemble/weights.json]

Takes about a minute and a half on 2 cores (3 × 10-fold grouped cross-validation with nested calibration).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from stakes.ensemble import PARAMS_FILE
from stakes.ensemble.refit import refit

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", default=str(ROOT / "tests" / "data" / "deu3" / "deu3-dev.tsv"))
    parser.add_argument("--out", default=str(ROOT / "src" / "stakes" / "ensemble" / PARAMS_FILE))
    args = parser.parse_args()
    params = refit(args.data)
    Path(args.out).write_text(json.dumps(params.to_dict(), indent=1) + "\n", encoding="utf-8")
    scores = params.provenance["cv_scores"]
    for key in ("mae", "mae_diff_vs_weighted_mean", "crps", "cover50", "cover90"):
        s = scores[key]
        print(f"{key:28s} {s['estimate']:8.3f}  [{s['ci_low']:.3f}, {s['ci_high']:.3f}]")
    print("calibration", json.dumps(scores["calibration"]))
    print("single models (in sample):", json.dumps(params.provenance["single_models_in_sample"]))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
