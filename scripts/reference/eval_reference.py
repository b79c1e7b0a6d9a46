#!/usr/bin/env python3
"""Reference values for Profiling's evaluation, normalization and feature selection.

Writes fixtures under Tests/ProfilingTests/Fixtures/ that `swift test --filter
ProfilingTests` checks without Python:

  wells.csv            well-level profiles: 3 batches, 6 plates, 8 MoAs, 20 compounds,
                       3 concentrations, 3 wells per treatment, DMSO wells, 30 features
  treatments.csv       the same aggregated (mean) to treatments, computed here with pandas
  embeddings*.npy/csv  a tiny float32 embedding matrix and its per-cell metadata
  ties.csv             treatments with repeated profiles (exact similarity ties)
  featsel.csv          small table for feature selection (constant, correlated, NaN columns)
  expected.json        NSC / NSCB / top-k from a brute-force numpy implementation written
                       independently of the Swift code; per-query AP, per-group mAP and
                       p-values from copairs; pycytominer normalizations and feature
                       selection; scikit-learn linear-probe predictions
  wells_*.csv          pycytominer-normalized well tables

Usage (needs network for pip the first time):
  python3 -m venv /tmp/profvenv && /tmp/profvenv/bin/pip install numpy pandas scikit-learn copairs pycytominer
  /tmp/profvenv/bin/python scripts/reference/eval_reference.py
"""
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261124
NULL_SIZE = 20000
OUT = Path(__file__).resolve().parents[2] / "Tests" / "ProfilingTests" / "Fixtures"


def make_wells(rng):
    """A structured screen: MoA signal + compound offset + plate effect + noise."""
    d = 30
    n_moa, batches = 8, ["B1", "B2", "B3"]
    plates = {b: [f"{b}_P1", f"{b}_P2"] for b in batches}
    moa_centres = rng.normal(0, 1, (n_moa, d))
    plate_effect = {p: rng.normal(0, 0.6, d) for b in batches for p in plates[b]}
    plate_scale = {p: rng.uniform(0.7, 1.4, d) for b in batches for p in plates[b]}
    rows = []
    well_counter = {p: 0 for b in batches for p in plates[b]}

    def next_well(p):
        i = well_counter[p]
        well_counter[p] += 1
        return f"{'ABCDEFGHIJKLMNOP'[i // 24]}{i % 24 + 1:02d}"

    compounds = []
    for m in range(n_moa):
        for c in range(2 + (m % 2)):
            compounds.append((f"cmp{m}{'abc'[c]}", f"moa_{m}", m))
    # One compound without a MoA: it must be neither a query nor a candidate.
    compounds.append(("cmpX", "", None))
    for ci, (name, moa, m) in enumerate(compounds):
        home = batches[ci % 3]
        offset = rng.normal(0, 0.5, d)
        for k, conc in enumerate(["0.1", "1.0", "10"]):
            strength = 0.5 + 0.6 * k
            for rep in range(3):
                # Every fourth compound's top dose has one well in the next batch, so
                # that treatment spans two batches (NSCB's set rule).
                b = home
                if ci % 4 == 0 and k == 2 and rep == 2:
                    b = batches[(ci + 1) % 3]
                p = plates[b][rep % 2]
                centre = moa_centres[m] if m is not None else rng.normal(0, 1, d)
                x = strength * centre + offset + rng.normal(0, 0.7, d)
                x = x * plate_scale[p] + plate_effect[p] + 5.0
                rows.append(dict(Metadata_Plate=p, Metadata_Well=next_well(p), Metadata_Batch=b,
                                 Metadata_Compound=name, Metadata_Concentration=conc,
                                 Metadata_MoA=moa, x=x))
    for b in batches:
        for p in plates[b]:
            for _ in range(5):
                x = rng.normal(0, 0.7, d) * plate_scale[p] + plate_effect[p] + 5.0
                rows.append(dict(Metadata_Plate=p, Metadata_Well=next_well(p), Metadata_Batch=b,
                                 Metadata_Compound="DMSO", Metadata_Concentration="0",
                                 Metadata_MoA="", x=x))
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    feats = [f"Cells_F{j:02d}" for j in range(d)]
    meta = pd.DataFrame([{k: v for k, v in r.items() if k != "x"} for r in rows])
    X = pd.DataFrame(np.stack([r["x"] for r in rows]), columns=feats)
    return pd.concat([meta, X], axis=1), feats


def aggregate_treatments(wells, feats):
    keys = ["Metadata_Compound", "Metadata_Concentration"]
    g = wells.groupby(keys, sort=False)
    out = g[feats].mean().reset_index()
    batches = g["Metadata_Batch"].agg(lambda s: ";".join(sorted(set(s)))).reset_index(drop=True)
    moa = g["Metadata_MoA"].first().reset_index(drop=True)
    out.insert(2, "Metadata_Batch", batches)
    out.insert(3, "Metadata_MoA", moa)
    return out


def cosine_matrix(X):
    """Pair by pair, so that equal vectors give bit-equal similarities (exact ties)."""
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    n = len(U)
    S = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            S[i, j] = float(np.dot(U[i], U[j]))
    return S


def brute_force_nn(tr, feats, ks):
    """NSC / NSCB / top-k with explicit loops, independent of the Swift code."""
    X = tr[feats].to_numpy(float)
    S = cosine_matrix(X)
    comp = tr["Metadata_Compound"].tolist()
    moa = tr["Metadata_MoA"].fillna("").tolist()
    bat = [set(b.split(";")) for b in tr["Metadata_Batch"]]
    use = [i for i in range(len(tr)) if comp[i].lower() != "dmso" and moa[i] != ""]
    res = {}
    for mode in ["nsc", "nscb"]:
        hits, total, topk = 0, 0, {k: 0 for k in ks}
        neighbours = {}
        for q in use:
            cands = [c for c in use if comp[c] != comp[q] and (mode == "nsc" or not (bat[c] & bat[q]))]
            if not cands:
                continue
            # Highest similarity first; ties by table order (python sort is stable).
            cands.sort(key=lambda c: -S[q, c])
            total += 1
            hits += moa[cands[0]] == moa[q]
            neighbours[q] = cands[0]
            for k in ks:
                topk[k] += any(moa[c] == moa[q] for c in cands[:k])
        res[mode] = hits / total
        res[f"{mode}_queries"] = total
        res[f"{mode}_hits"] = hits
        res[f"top_k_{mode}"] = {str(k): topk[k] / total for k in ks}
        res[f"top_k_{mode}_hits"] = {str(k): topk[k] for k in ks}
        res[f"{mode}_neighbors"] = {str(q): int(n) for q, n in neighbours.items()}
    # map_moa by the definition, brute force in float64.
    aps = {}
    for q in use:
        cands = [c for c in use if c != q and comp[c] != comp[q]]
        cands.sort(key=lambda c: -S[q, c])
        rel = [moa[c] == moa[q] for c in cands]
        if not any(rel):
            continue
        tp, precs = 0, []
        for k, r in enumerate(rel, start=1):
            if r:
                tp += 1
                precs.append(tp / k)
        aps[q] = float(np.mean(precs))
    res["map_moa"] = float(np.mean(list(aps.values())))
    return res


def copairs_moa(tr, feats, cache):
    from copairs.map import average_precision, mean_average_precision
    keep = tr[(tr["Metadata_Compound"].str.lower() != "dmso") & (tr["Metadata_MoA"].fillna("") != "")]
    idx = keep.index.to_numpy()
    meta = keep[[c for c in tr.columns if c.startswith("Metadata_")]].reset_index(drop=True)
    X = keep[feats].to_numpy(float)
    ap = average_precision(meta, X, pos_sameby=["Metadata_MoA"], pos_diffby=["Metadata_Compound"],
                           neg_sameby=[], neg_diffby=["Metadata_MoA"], progress_bar=False)
    mp = mean_average_precision(ap, sameby=["Metadata_MoA"], null_size=NULL_SIZE, threshold=0.05,
                                seed=0, progress_bar=False, cache_dir=cache)
    per_query = [dict(row=int(idx[i]), ap=float(r.average_precision), n_pos=int(r.n_pos_pairs),
                      n_total=int(r.n_total_pairs), nap=float(r.normalized_average_precision))
                 for i, r in ap.iterrows() if not np.isnan(r.average_precision)]
    groups = [dict(key=r.Metadata_MoA, map=float(r.mean_average_precision),
                   nmap=float(r.mean_normalized_average_precision),
                   p=float(r.p_value), q=float(r.corrected_p_value)) for _, r in mp.iterrows()]
    return dict(per_query=per_query, groups=groups,
                map_moa=float(ap["average_precision"].dropna().mean()))


def copairs_replicate(wells, feats, cache):
    from copairs.map import average_precision, mean_average_precision
    meta = wells[[c for c in wells.columns if c.startswith("Metadata_")]].copy()
    dmso = meta["Metadata_Compound"].str.lower() == "dmso"
    meta["Metadata_reference_index"] = np.where(dmso, np.arange(len(meta)), -1)
    X = wells[feats].to_numpy(float)
    ap = average_precision(meta, X,
                           pos_sameby=["Metadata_Compound", "Metadata_Concentration", "Metadata_reference_index"],
                           pos_diffby=[], neg_sameby=[],
                           neg_diffby=["Metadata_Compound", "Metadata_reference_index"], progress_bar=False)
    mp = mean_average_precision(ap, sameby=["Metadata_Compound", "Metadata_Concentration"],
                                null_size=NULL_SIZE, threshold=0.05, seed=0, progress_bar=False,
                                cache_dir=cache)
    per_query = [dict(row=int(i), ap=float(r.average_precision), n_pos=int(r.n_pos_pairs),
                      n_total=int(r.n_total_pairs))
                 for i, r in ap.iterrows() if not np.isnan(r.average_precision)]
    groups = [dict(key=f"{r.Metadata_Compound}@{r.Metadata_Concentration}", map=float(r.mean_average_precision),
                   nmap=float(r.mean_normalized_average_precision),
                   p=float(r.p_value), q=float(r.corrected_p_value)) for _, r in mp.iterrows()]
    return dict(per_query=per_query, groups=groups)


def pycytominer_normalizations(wells, feats):
    from pycytominer import normalize
    meta = [c for c in wells.columns if c.startswith("Metadata_")]
    out = {}
    for method in ["standardize", "mad_robustize"]:
        parts = [normalize(wells[wells["Metadata_Plate"] == p], features=feats, meta_features=meta,
                           samples="Metadata_Compound == 'DMSO'", method=method)
                 for p in wells["Metadata_Plate"].unique()]
        out[method] = pd.concat(parts).loc[wells.index]
    for method in ["ZCA", "ZCA-cor"]:
        out[method] = normalize(wells, features=feats, meta_features=meta, method="spherize",
                                samples="Metadata_Compound == 'DMSO'", spherize_method=method,
                                spherize_epsilon=1e-6, spherize_center=True)
    # More DMSO rows than features: the full-rank path, without singular-value padding.
    out["ZCA10"] = normalize(wells[meta + feats[:10]], features=feats[:10], meta_features=meta,
                             method="spherize", samples="Metadata_Compound == 'DMSO'",
                             spherize_method="ZCA", spherize_epsilon=1e-6, spherize_center=True)
    return out


def make_featsel(rng):
    n = 40
    a = rng.normal(0, 1, n)
    b = rng.normal(0, 1, n)
    cols = {
        "Cells_A": a,
        "Cells_A_copy": a * 2 + rng.normal(0, 0.05, n),     # corr > 0.9 with A
        "Cells_A_neg": -a + rng.normal(0, 0.05, n),         # strongly negative: kept (signed rule)
        "Cells_B": b,
        "Cells_B_near": b + rng.normal(0, 0.2, n),          # corr ~0.98
        "Cells_Const": np.full(n, 3.0),                      # variance 0
        "Cells_Tiny": 1 + rng.normal(0, 1e-4, n),            # variance 1e-8 < 1e-6
        "Cells_C": rng.normal(0, 1, n),
        "Cells_NaNy": rng.normal(0, 1, n),
        "Cells_NaNfew": rng.normal(0, 1, n),
    }
    df = pd.DataFrame(cols)
    df.loc[rng.choice(n, 6, replace=False), "Cells_NaNy"] = np.nan      # 15% > 5%
    df.loc[rng.choice(n, 2, replace=False), "Cells_NaNfew"] = np.nan    # 5%, not > 5%
    df.insert(0, "Metadata_Well", [f"W{i:02d}" for i in range(n)])
    return df


def linear_probe(tr, feats):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    keep = tr[(tr["Metadata_Compound"].str.lower() != "dmso") & (tr["Metadata_MoA"].fillna("") != "")]
    X = keep[feats].to_numpy(float)
    y = keep["Metadata_MoA"].to_numpy()
    comp = keep["Metadata_Compound"].to_numpy()
    pred = {}
    for c in pd.unique(comp):
        test = comp == c
        sc = StandardScaler().fit(X[~test])
        clf = LogisticRegression(C=1.0, max_iter=10000, tol=1e-10).fit(sc.transform(X[~test]), y[~test])
        for i, p in zip(np.where(test)[0], clf.predict(sc.transform(X[test]))):
            pred[int(keep.index[i])] = p
    acc = float(np.mean([pred[int(i)] == m for i, m in zip(keep.index, y)]))
    sc = StandardScaler().fit(X)
    clf = LogisticRegression(C=1.0, max_iter=10000, tol=1e-12).fit(sc.transform(X), y)
    proba = clf.predict_proba(sc.transform(X))
    return dict(accuracy=acc, predictions={str(k): v for k, v in pred.items()},
                classes=list(clf.classes_), full_fit_proba=proba.tolist(),
                full_fit_rows=[int(i) for i in keep.index])


def random_forest(tr, feats):
    """Leave-one-compound-out accuracy of scikit-learn's random forest (defaults, 500 trees)."""
    from sklearn.ensemble import RandomForestClassifier
    keep = tr[(tr["Metadata_Compound"].str.lower() != "dmso") & (tr["Metadata_MoA"].fillna("") != "")]
    X = keep[feats].to_numpy(float)
    y = keep["Metadata_MoA"].to_numpy()
    comp = keep["Metadata_Compound"].to_numpy()
    correct = 0
    for c in pd.unique(comp):
        test = comp == c
        clf = RandomForestClassifier(n_estimators=500, random_state=0).fit(X[~test], y[~test])
        correct += int((clf.predict(X[test]) == y[test]).sum())
    return dict(accuracy=correct / len(y), trees=500)


def make_ties(rng):
    """Treatments with exactly repeated profiles across MoAs, so that similarity ties
    decide neighbours and ranks (NSC: first in table order; copairs: positives first)."""
    base = rng.integers(-3, 4, (6, 8)).astype(float)
    rows = []
    for m in range(4):
        for c in range(3):
            v = base[(m + c * 2) % 6].copy()  # compounds of different MoAs share vectors
            rows.append(dict(Metadata_Compound=f"t{m}{c}", Metadata_Concentration="1",
                             Metadata_Batch=f"B{c % 2}", Metadata_MoA=f"moa_{m}", v=v))
    rows.append(dict(Metadata_Compound="DMSO", Metadata_Concentration="0", Metadata_Batch="B0",
                     Metadata_MoA="", v=base[0].copy()))
    feats = [f"Cells_T{j}" for j in range(8)]
    meta = pd.DataFrame([{k: v for k, v in r.items() if k != "v"} for r in rows])
    return pd.concat([meta, pd.DataFrame(np.stack([r["v"] for r in rows]), columns=feats)], axis=1), feats


def pca_reference(tr, feats):
    """scikit-learn PCA (full SVD) of the treatment profiles: scores and variance ratios."""
    from sklearn.decomposition import PCA
    X = tr[feats].to_numpy(float)
    pca = PCA(n_components=5, svd_solver="full").fit(X)
    return dict(scores=pca.transform(X).tolist(), explained_variance=pca.explained_variance_.tolist(),
                explained_variance_ratio=pca.explained_variance_ratio_.tolist())


def write_embeddings():
    """A tiny per-cell embedding file (float32 .npy) and its cells CSV, for the reader."""
    a = np.random.default_rng(5).normal(size=(4, 3)).astype(np.float32)
    np.save(OUT / "embeddings.npy", a)
    (OUT / "embeddings_cells.csv").write_text(
        "Metadata_Plate,Metadata_Well,Metadata_Cell,Location_X,Location_Y\n"
        "P1,A01,1,10,12\nP1,A01,2,30,40\nP1,A02,1,5,5\nP1,A01,3,7,8\n")


def check_parquet():
    """pyarrow/pandas read the Parquet files Swift's ParquetWriter wrote (committed
    fixtures; the Swift test checks the writer still produces these exact bytes)."""
    try:
        import pyarrow.parquet as pq
        from importlib.metadata import version
    except ImportError:
        return None
    out = {"pyarrow_version": version("pyarrow")}
    for name in ["treatments", "featsel"]:
        path = OUT / f"{name}.parquet"
        if not path.exists():
            continue
        got = pd.read_parquet(path)
        # Metadata typed as pandas types the CSV: numeric columns as numbers, others strings.
        csv = pd.read_csv(OUT / f"{name}.csv", keep_default_na=False, na_values={c: ["", "NaN"] for c in got.columns if not c.startswith("Metadata_")},
                          dtype={c: float for c in got.columns if not c.startswith("Metadata_")})
        out[name] = bool(got.equals(csv)) and list(pq.ParquetFile(path).schema_arrow.names) == list(csv.columns)
    return out


def main():
    rng = np.random.default_rng(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    write_embeddings()
    wells, feats = make_wells(rng)
    tr = aggregate_treatments(wells, feats)
    wells.to_csv(OUT / "wells.csv", index=False, float_format="%.17g")
    tr.to_csv(OUT / "treatments.csv", index=False, float_format="%.17g")
    # Read back what we wrote, so Python and Swift start from identical numbers.
    wells = pd.read_csv(OUT / "wells.csv", keep_default_na=False, dtype={c: str for c in wells.columns if c.startswith("Metadata_")})
    tr = pd.read_csv(OUT / "treatments.csv", keep_default_na=False, dtype={c: str for c in tr.columns if c.startswith("Metadata_")})

    expected = {"seed": SEED, "null_size": NULL_SIZE, "k": [1, 5]}
    expected["brute_force"] = brute_force_nn(tr, feats, [1, 5])
    with tempfile.TemporaryDirectory() as cache:
        expected["copairs_moa"] = copairs_moa(tr, feats, cache)
        expected["copairs_replicate"] = copairs_replicate(wells, feats, cache)
    from importlib.metadata import version
    expected["copairs_version"] = version("copairs")
    expected["numpy_version"] = version("numpy")
    expected["scikit_learn_version"] = version("scikit-learn")

    try:
        norms = pycytominer_normalizations(wells, feats)
        for name, df in norms.items():
            df.to_csv(OUT / f"wells_{name.replace('-', '_').lower()}.csv", index=False, float_format="%.17g")
        expected["normalizations"] = sorted(norms)
        fs = make_featsel(rng)
        fs.to_csv(OUT / "featsel.csv", index=False, float_format="%.17g")
        from pycytominer import feature_select
        fcols = [c for c in fs.columns if c.startswith("Cells_")]
        sel = feature_select(fs, features=fcols, operation=["variance_threshold", "correlation_threshold", "drop_na_columns"])
        expected["feature_select_kept"] = [c for c in sel.columns if c.startswith("Cells_")]
        from importlib.metadata import version
        expected["pycytominer_version"] = version("pycytominer")
    except ImportError:
        expected["normalizations"] = []

    ties, tfeats = make_ties(rng)
    ties.to_csv(OUT / "ties.csv", index=False, float_format="%.17g")
    ties = pd.read_csv(OUT / "ties.csv", keep_default_na=False,
                       dtype={c: str for c in ties.columns if c.startswith("Metadata_")})
    expected["ties_brute_force"] = brute_force_nn(ties, tfeats, [1, 3])
    with tempfile.TemporaryDirectory() as cache:
        expected["ties_copairs_moa"] = copairs_moa(ties, tfeats, cache)

    expected["linear_probe"] = linear_probe(tr, feats)
    expected["random_forest"] = random_forest(tr, feats)
    expected["pca"] = pca_reference(tr, feats)
    expected["parquet_read_by_pyarrow"] = check_parquet()
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    bf, cm = expected["brute_force"], expected["copairs_moa"]
    print(f"nsc={bf['nsc']:.6f} nscb={bf['nscb']:.6f} map_moa(brute)={bf['map_moa']:.9f} "
          f"map_moa(copairs)={cm['map_moa']:.9f} probe={expected['linear_probe']['accuracy']:.4f} "
          f"forest={expected['random_forest']['accuracy']:.4f}")


if __name__ == "__main__":
    main()
