#!/usr/bin/env python3
"""Why NSC changes with the number of plates: a breakdown of `phenoscope run` outputs.

Usage: nsc_breakdown.py RUN_DIR [RUN_DIR ...]   (numpy only; prints one JSON object per run)

For each run folder (`runs/<name>` of `phenoscope run`) it reads profiles/wells_normalized.csv
(the run's robust z against each plate's DMSO, after feature selection) and
profiles/wells.csv (raw well means), and recomputes NSC independently of the Swift code:
treatment profile = mean of its wells; neighbour = the highest-cosine treatment of another
compound, ties to table order; hit = same MoA. That figure must equal evaluation.json's
`nsc` (printed side by side). Then, on the same profiles:
- the design: compounds, treated wells per treatment and DMSO wells per plate;
- NSC per concentration, and per pair of batches holding a MoA's two compounds;
- for misses, whether the wrong neighbour lies on the query's plate;
- NSC with every treatment cut to 2 wells (mean over 50 seeded draws), as at 2 plates;
- NSC with robust z recomputed here from the raw wells with only `k` DMSO wells per plate
  (50 seeded draws; k = all gives the run's own normalization back on the kept features);
- NSC on the features kept in every run given (so feature selection is the same).
"""
import csv
import json
import os
import sys
from collections import defaultdict

import numpy as np


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    meta = [j for j, c in enumerate(header) if c.startswith("Metadata_")]
    feat = [j for j, c in enumerate(header) if not c.startswith("Metadata_")]
    m = {header[j]: [r[j] for r in body] for j in meta}
    x = np.array([[float(r[j]) if r[j] not in ("", "NaN", "nan") else np.nan for j in feat] for r in body])
    return m, [header[j] for j in feat], x


def treatments(m, x, wells=None):
    """Mean profile per (compound, concentration) over non-DMSO wells, in order of first well."""
    order, rows = [], defaultdict(list)
    for i, (c, k, moa) in enumerate(zip(m["Metadata_Compound"], m["Metadata_Concentration"], m["Metadata_MoA"])):
        if moa in ("DMSO", "") or c == "DMSO":
            continue
        key = (c, k)
        if key not in rows:
            order.append(key)
        rows[key].append(i)
    if wells is not None:
        rows = {k: wells(v) for k, v in rows.items()}
    prof = np.array([x[rows[k]].mean(axis=0) for k in order])
    info = []
    for key in order:
        i = rows[key][0]
        info.append(dict(compound=key[0], conc=key[1], moa=m["Metadata_MoA"][i], plate=m["Metadata_Plate"][i],
                         batch=m["Metadata_Batch"][i], n=len(rows[key])))
    return prof, info


def nearest(prof, info):
    norm = np.linalg.norm(prof, axis=1, keepdims=True)
    u = prof / np.where(norm > 0, norm, 1)
    sim = u @ u.T
    out = []
    for q in range(len(info)):
        cand = [c for c in range(len(info)) if info[c]["compound"] != info[q]["compound"]]
        best = max(cand, key=lambda c: (sim[q, c], -c))  # ties: first in table order
        out.append(best)
    return out


def nsc(prof, info):
    nb = nearest(prof, info)
    return float(np.mean([info[q]["moa"] == info[n]["moa"] for q, n in enumerate(nb)])), nb


def robust_z(m, x, keep_dmso):
    out = np.empty_like(x)
    plates = np.array(m["Metadata_Plate"])
    dmso = np.array([c == "DMSO" for c in m["Metadata_Compound"]])
    for p in np.unique(plates):
        rows = np.where(plates == p)[0]
        ref = keep_dmso(np.where((plates == p) & dmso)[0])
        med = np.median(x[ref], axis=0)
        mad = np.median(np.abs(x[ref] - med), axis=0)
        scale = np.where(mad > 0, 1.4826 * mad + 1e-18, 1.0)
        out[rows] = (x[rows] - med) / scale
    return out


def main():
    runs = sys.argv[1:]
    if not runs:
        sys.exit("usage: nsc_breakdown.py RUN_DIR [RUN_DIR ...]")
    loaded = {r: load(os.path.join(r, "profiles", "wells_normalized.csv")) for r in runs}
    common = set.intersection(*(set(f) for _, f, _ in loaded.values()))
    for run in runs:
        m, feats, x = loaded[run]
        with open(os.path.join(run, "evaluation", "evaluation.json")) as f:
            ev = json.load(f)
        prof, info = treatments(m, x)
        acc, nb = nsc(prof, info)
        res = dict(run=os.path.basename(run.rstrip("/")), nsc=acc, nsc_swift=ev.get("nsc"),
                   nsc_raw_swift=json.load(open(os.path.join(run, "evaluation", "raw", "evaluation.json"))).get("nsc"),
                   features_kept=len(feats), treatments=len(info))
        plates = sorted(set(m["Metadata_Plate"]))
        res["design"] = {p: dict(compounds=len({i["compound"] for i in info if i["plate"] == p}),
                                 moas=len({i["moa"] for i in info if i["plate"] == p}),
                                 wells_per_treatment=sorted({i["n"] for i in info if i["plate"] == p}),
                                 dmso_wells=sum(1 for a, c in zip(m["Metadata_Plate"], m["Metadata_Compound"]) if a == p and c == "DMSO"))
                         for p in plates}
        by_conc = defaultdict(list)
        for q, n in enumerate(nb):
            by_conc[info[q]["conc"]].append(info[q]["moa"] == info[n]["moa"])
        res["nsc_by_concentration"] = {k: float(np.mean(v)) for k, v in sorted(by_conc.items(), key=lambda kv: float(kv[0]))}
        pair = {}
        for moa in {i["moa"] for i in info}:
            pair[moa] = "+".join(sorted({i["batch"] for i in info if i["moa"] == moa}))
        by_pair = defaultdict(list)
        for q, n in enumerate(nb):
            by_pair[pair[info[q]["moa"]]].append(info[q]["moa"] == info[n]["moa"])
        res["nsc_by_batch_pair"] = {k: [float(np.mean(v)), len(v)] for k, v in sorted(by_pair.items())}
        misses = [(q, n) for q, n in enumerate(nb) if info[q]["moa"] != info[n]["moa"]]
        res["misses"] = len(misses)
        res["misses_neighbour_on_query_plate"] = sum(info[q]["plate"] == info[n]["plate"] for q, n in misses)
        res["candidates_on_query_plate_mean"] = float(np.mean([
            sum(info[c]["plate"] == info[q]["plate"] and info[c]["compound"] != info[q]["compound"] for c in range(len(info)))
            for q in range(len(info))]))
        res["hits_with_sister_at_same_concentration"] = sum(
            info[q]["moa"] == info[n]["moa"] and info[q]["conc"] == info[n]["conc"] for q, n in enumerate(nb))
        rng = np.random.default_rng(0)
        draws = [nsc(*treatments(m, x, wells=lambda v: list(rng.choice(v, size=min(2, len(v)), replace=False))))[0] for _ in range(50)]
        res["nsc_2_wells_per_treatment"] = [float(np.mean(draws)), float(np.std(draws))]
        mr, fr, xr = load(os.path.join(run, "profiles", "wells.csv"))
        assert mr["Metadata_Plate"] == m["Metadata_Plate"] and mr["Metadata_Well"] == m["Metadata_Well"], "row order differs"
        xr = xr[:, [fr.index(f) for f in feats]]
        z = robust_z(mr, xr, lambda v: v)
        res["renormalized_max_abs_diff"] = float(np.nanmax(np.abs(z - x)))
        for k in (8, 12, 16, 24):
            rng = np.random.default_rng(1)
            d = [nsc(*treatments(m, robust_z(mr, xr, lambda v: rng.choice(v, size=min(k, len(v)), replace=False))))[0] for _ in range(50)]
            res[f"nsc_dmso_{k}_per_plate"] = [float(np.mean(d)), float(np.std(d))]
        cols = [feats.index(f) for f in sorted(common)]
        res["nsc_common_features"] = [nsc(*treatments(m, x[:, cols]))[0], len(cols)]
        # How alike a MoA's two compounds are (same concentration) against other MoAs' compounds.
        norm = np.linalg.norm(prof, axis=1, keepdims=True)
        u = prof / np.where(norm > 0, norm, 1)
        sim = u @ u.T
        same = [sim[a, b] for a in range(len(info)) for b in range(len(info))
                if a < b and info[a]["moa"] == info[b]["moa"] and info[a]["compound"] != info[b]["compound"] and info[a]["conc"] == info[b]["conc"]]
        other = [sim[a, b] for a in range(len(info)) for b in range(len(info))
                 if a < b and info[a]["moa"] != info[b]["moa"] and info[a]["conc"] == info[b]["conc"]]
        samep = [sim[a, b] for a in range(len(info)) for b in range(len(info))
                 if a < b and info[a]["moa"] != info[b]["moa"] and info[a]["plate"] == info[b]["plate"]]
        otherp = [sim[a, b] for a in range(len(info)) for b in range(len(info))
                  if a < b and info[a]["moa"] != info[b]["moa"] and info[a]["plate"] != info[b]["plate"]]
        res["cosine_sister_same_conc"] = float(np.mean(same))
        res["cosine_other_moa_same_conc"] = float(np.mean(other))
        res["cosine_other_moa_same_plate"] = float(np.mean(samep)) if samep else None
        res["cosine_other_moa_other_plate"] = float(np.mean(otherp))
        print(json.dumps(res))


if __name__ == "__main__":
    main()
