"""pycytominer feature_select and mad_robustize on a small CellProfiler-like well table.

Writes Tests/ProfilingTests/Fixtures/feature_select/:
  profiles.csv  - 48 wells x 20 features with CellProfiler names: correlated pairs,
                  quantized (near-zero-variance) columns, NaN-ridden columns, a feature
                  with zero spread on DMSO, blocklisted names (pycytominer's default
                  blocklist), and values that mad_robustize blows past the outlier cutoffs.
  expected.json - for each operation alone and for chains of them, the feature columns
                  pycytominer keeps (in table order), on the raw table and on its
                  mad_robustize-normalized version; plus the normalized values themselves.

The Swift tests (FeatureSelectionParityTests) compare column lists exactly and values to
1e-9 relative. Run: python3 -m venv /tmp/pcm && /tmp/pcm/bin/pip install pycytominer
then /tmp/pcm/bin/python scripts/reference/feature_select_reference.py
"""
import json
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
from pycytominer import feature_select, normalize

OUT = Path(__file__).resolve().parents[2] / "Tests/ProfilingTests/Fixtures/feature_select"
SEED = 23


def make_table(rng):
    n = 48
    meta = pd.DataFrame({
        "Metadata_Plate": ["P1"] * n,
        "Metadata_Well": [f"{'ABCD'[i // 12]}{i % 12 + 1:02d}" for i in range(n)],
        "Metadata_Compound": ["DMSO" if i % 4 == 0 else f"c{i % 6}" for i in range(n)],
    })
    dmso = (meta["Metadata_Compound"] == "DMSO").to_numpy()
    area = rng.normal(300, 40, n)
    f = {
        "Cells_AreaShape_Area": area,
        "Cells_AreaShape_Perimeter": 2.1 * np.sqrt(area) * 3 + rng.normal(0, 0.2, n),  # ~ corr with area
        "Cells_AreaShape_FormFactor": rng.uniform(0.4, 0.9, n),
        "Nuclei_AreaShape_Area": 0.3 * area + rng.normal(0, 25, n),
        "Cells_Intensity_MeanIntensity_DNA": rng.lognormal(-2, 0.3, n),
        "Cells_Intensity_IntegratedIntensity_DNA": None,  # filled below
        "Cytoplasm_Intensity_MeanIntensity_Actin": -rng.lognormal(-2, 0.3, n),
        "Cells_Texture_Contrast_DNA_3_00": rng.gamma(2, 1, n),
        # Near-zero variance by frequency: one value dominates.
        "Cells_Children_Micronuclei_Count": np.where(rng.uniform(size=n) < 0.96, 0.0, 1.0),
        # Few distinct values relative to rows? 3 values over 48 rows: ratio 0.0625 (kept at 0.01).
        "Cells_Neighbors_NumberOfNeighbors_Adjacent": rng.integers(0, 3, n).astype(float),
        # Constant: variance 0 (and frequency ratio 0).
        "Cells_Location_Center_Z": np.zeros(n),
        # Tiny variance (1e-8).
        "Cells_Intensity_MADIntensity_Tubulin": 1 + rng.normal(0, 1e-4, n),
        # NaN: 2/48 (< 5 %) and 6/48 (> 5 %).
        "Nuclei_Correlation_Costes_DNA_Tubulin": rng.normal(0.5, 0.1, n),
        "Cells_Correlation_Overlap_Actin_Tubulin": rng.normal(0.7, 0.05, n),
        # Blocklisted names (pycytominer's default list).
        "Nuclei_Granularity_14_DNA": rng.normal(1, 0.3, n),
        "Nuclei_Correlation_Manders_DNA_AGP": rng.uniform(0, 1, n),
        "Nuclei_Correlation_RWC_DNA_AGP": rng.uniform(0, 1, n),
        # Zero MAD on DMSO but varying elsewhere: mad_robustize divides by epsilon.
        "Cells_Granularity_2_Actin": None,
        # A heavy-tailed feature: a few wells far out after normalization.
        "Cells_RadialDistribution_FracAtD_Tubulin_1of4": rng.standard_t(1.5, n),
        "Nuclei_AreaShape_Eccentricity": rng.beta(2, 5, n),
        # One treated well about 30 robust z out: dropped at cutoff 15, kept at 500.
        "Cells_Intensity_MaxIntensity_Actin": rng.normal(1, 0.1, n),
    }
    f["Cells_Intensity_MaxIntensity_Actin"][5] = 4.0
    f["Cells_Intensity_IntegratedIntensity_DNA"] = f["Cells_Intensity_MeanIntensity_DNA"] * area + rng.normal(0, 0.5, n)
    g = rng.normal(5, 1, n)
    g[dmso] = 2.0
    f["Cells_Granularity_2_Actin"] = g
    df = pd.concat([meta, pd.DataFrame(f)], axis=1)
    df.loc[rng.choice(n, 2, replace=False), "Nuclei_Correlation_Costes_DNA_Tubulin"] = np.nan
    df.loc[rng.choice(n, 6, replace=False), "Cells_Correlation_Overlap_Actin_Tubulin"] = np.nan
    return df


def kept(df, features, ops, **kw):
    sel = feature_select(df, features=list(features), operation=ops, **kw)
    return [c for c in sel.columns if c in features]


def main():
    rng = np.random.default_rng(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    df = make_table(rng)
    df.to_csv(OUT / "profiles.csv", index=False, float_format="%.17g")
    # Read back what was written, so Python and Swift start from the same numbers.
    df = pd.read_csv(OUT / "profiles.csv", dtype={c: str for c in df.columns if c.startswith("Metadata_")})
    feats = [c for c in df.columns if not c.startswith("Metadata_")]

    norm = normalize(df, features=feats, meta_features=[c for c in df.columns if c.startswith("Metadata_")],
                     samples="Metadata_Compound == 'DMSO'", method="mad_robustize")
    norm.to_csv(OUT / "profiles_mad_robustize.csv", index=False, float_format="%.17g")

    single = ["variance_threshold", "frequency_threshold", "correlation_threshold", "drop_na_columns",
              "blocklist", "drop_outliers"]
    chains = {
        "default": ["variance_threshold", "correlation_threshold", "drop_na_columns"],
        "all": ["variance_threshold", "frequency_threshold", "correlation_threshold", "drop_na_columns",
                "blocklist", "drop_outliers"],
        "outliers_then_correlation": ["drop_outliers", "correlation_threshold"],
    }
    expected = {"seed": SEED, "pycytominer_version": version("pycytominer"), "pandas_version": version("pandas"),
                "raw": {}, "mad_robustize": {}, "outlier_cutoff_15": {}}
    for name, table in [("raw", df), ("mad_robustize", norm)]:
        for op in single:
            expected[name][op] = kept(table, feats, op)
        for cname, ops in chains.items():
            expected[name][cname] = kept(table, feats, ops)
    # The pipeline: mad_robustize, then features beyond 15 in magnitude dropped.
    expected["outlier_cutoff_15"]["drop_outliers"] = kept(norm, feats, "drop_outliers", outlier_cutoff=15)
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    for name in ["raw", "mad_robustize"]:
        print(name, {k: len(v) for k, v in expected[name].items()})


if __name__ == "__main__":
    main()
