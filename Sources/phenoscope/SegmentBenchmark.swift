import Foundation
import Imaging

/// Phenoscope's nuclei segmentation beside scikit-image's classic pipeline (gaussian, Otsu,
/// distance transform, `peak_local_max`, watershed) on the same sites: F1 at IoU 0.5, mean
/// matched IoU and seconds spent segmenting (image reading excluded, one thread each).
/// The scikit-image side is `scripts/reference/bench_segment_skimage.py`, which scores with
/// its own code, so the two scorers are checked against each other too.
struct SegmentBenchmark {
    struct Site { var dna: URL; var truth: URL }

    var segmentation: Segmentation
    var sites: [Site]
    static let script = "bench_segment_skimage.py"

    /// Snake_case figures with `phenoscope_` and `skimage_` prefixes (skimage ones absent,
    /// and `skimage_skipped` set, when the reference cannot run).
    func run() throws -> [String: Any] {
        var score = SegmentationScore()
        var seconds = 0.0
        for site in sites {
            let dna = try PlaneReader.readFloat(site.dna)
            let truth = try TIFFReader.readLabels(site.truth)
            let start = DispatchTime.now().uptimeNanoseconds
            let nuclei = segmentation.nuclei(dna)
            seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            score = score + SegmentationScore(predicted: nuclei, truth: truth)
        }
        var out: [String: Any] = ["bench_sites": sites.count, "phenoscope_f1": score.f1,
                                  "phenoscope_mean_iou": score.meanMatchedIoU, "phenoscope_seconds": seconds]
        guard ReferenceScript.available(Self.script, modules: ["skimage", "scipy", "tifffile"]) else {
            out["skimage_skipped"] = "python3 cannot import skimage, scipy and tifffile"
            return out
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("phenoscope-segbench-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec: [String: Any] = ["sites": sites.map { ["dna": $0.dna.path, "truth": $0.truth.path] },
                                   "sigma": Double(segmentation.nucleusSigma), "min_area": segmentation.minNucleusArea,
                                   "min_distance": 5]
        let specURL = dir.appendingPathComponent("sites.json")
        try JSONSerialization.data(withJSONObject: spec).write(to: specURL)
        let ref = try ReferenceScript.runJSON(Self.script, [specURL.path])
        for (k, key) in [("f1", "skimage_f1"), ("mean_iou", "skimage_mean_iou"), ("seconds", "skimage_seconds"), ("skimage", "skimage_version")] {
            out[key] = ref[k]
        }
        if let s = ref["seconds"] as? Double, seconds > 0 { out["speedup_vs_skimage"] = s / seconds }
        return out
    }
}
