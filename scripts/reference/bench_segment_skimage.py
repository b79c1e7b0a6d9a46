#!/usr/bin/env python3
"""scikit-image's classic nuclei pipeline on the sites `phenoscope segment --bench` scores.

Usage: python3 scripts/reference/bench_segment_skimage.py SITES.json

SITES.json: {"sites": [{"dna": PATH, "truth": PATH}, ...], "sigma": 1.0,
"min_distance": 5, "min_area": 30}. For every site it runs the textbook pipeline
(gaussian -> threshold_otsu -> distance_transform_edt -> peak_local_max inside the
mask -> watershed on the negated distance -> remove_small_objects), times it (reading
excluded), and scores the nuclei against the truth label image the usual way: a predicted
object matches a true one when IoU > 0.5 (unique both ways above 0.5). Scoring is written
here independently of Phenoscope's, so the two scorers check each other.

Prints one JSON object: {"sites", "nuclei", "seconds", "f1", "precision", "recall",
"mean_iou", "skimage"}. Exit status 3 with a reason on stderr when scikit-image, scipy or
tifffile is not importable.
"""
import json
import sys
import time


def score(pred, truth, np):
    """(tp, fp, fn, sum of matched IoU) at IoU > 0.5."""
    p = pred.ravel().astype(np.int64)
    t = truth.ravel().astype(np.int64)
    area_p = np.bincount(p)
    area_t = np.bincount(t)
    both = (p > 0) & (t > 0)
    pairs, inter = np.unique(p[both] * (t.max() + 1) + t[both], return_counts=True)
    pp, tt = pairs // (t.max() + 1), pairs % (t.max() + 1)
    iou = inter / (area_p[pp] + area_t[tt] - inter)
    ok = iou > 0.5
    n_pred = int((area_p[1:] > 0).sum())
    n_true = int((area_t[1:] > 0).sum())
    tp = int(ok.sum())
    return tp, n_pred - tp, n_true - tp, float(iou[ok].sum())


def main():
    if len(sys.argv) != 2:
        print("usage: bench_segment_skimage.py SITES.json", file=sys.stderr)
        return 2
    try:
        import numpy as np
        import skimage
        import tifffile
        from scipy import ndimage as ndi
        from skimage.feature import peak_local_max
        from skimage.filters import gaussian, threshold_otsu
        from skimage.morphology import remove_small_objects
        from skimage.segmentation import watershed
    except ImportError as err:
        print(f"scikit-image pipeline not importable: {err}", file=sys.stderr)
        return 3
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    sigma, min_distance, min_area = spec.get("sigma", 1.0), spec.get("min_distance", 5), spec.get("min_area", 30)
    tp = fp = fn = 0
    iou_sum = 0.0
    nuclei = 0
    seconds = 0.0
    for site in spec["sites"]:
        dna = tifffile.imread(site["dna"]).astype(np.float32)
        truth = tifffile.imread(site["truth"])
        start = time.perf_counter()
        smooth = gaussian(dna, sigma=sigma, preserve_range=True)
        mask = smooth > threshold_otsu(smooth)
        distance = ndi.distance_transform_edt(mask)
        coords = peak_local_max(distance, min_distance=min_distance, labels=ndi.label(mask)[0], exclude_border=False)
        markers = np.zeros(distance.shape, dtype=np.int32)
        markers[tuple(coords.T)] = np.arange(1, len(coords) + 1)
        labels = watershed(-distance, markers, mask=mask)
        try:  # scikit-image >= 0.26 names the bound inclusively
            labels = remove_small_objects(labels, max_size=min_area - 1)
        except TypeError:
            labels = remove_small_objects(labels, min_size=min_area)
        seconds += time.perf_counter() - start
        nuclei += len(np.unique(labels)) - 1
        a, b, c, s = score(labels, truth, np)
        tp, fp, fn, iou_sum = tp + a, fp + b, fn + c, iou_sum + s
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(json.dumps({"sites": len(spec["sites"]), "nuclei": nuclei, "seconds": seconds, "f1": f1,
                      "precision": precision, "recall": recall, "mean_iou": iou_sum / tp if tp else 0.0,
                      "skimage": skimage.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
