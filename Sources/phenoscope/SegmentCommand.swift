import ArgumentParser
import Foundation
import Imaging
import Screen

/// `phenoscope segment MANIFEST --out DIR`: nuclei from the DNA channel (classically, or with
/// `--method model` by the trained network, `NucleusSegmenter`), then cells by propagation
/// over the other channels; writes label masks, `DIR/masks.csv` and `DIR/cells.csv`
/// (DESIGN.md, Masks and Cells). With `--truth masks.csv` (a synthetic
/// screen's ground truth) it scores the nuclei: F1 at IoU 0.5 and mean matched IoU, on the
/// sites without defects when `--defects sites.csv` is given. With `--bench` (and `--truth`)
/// it also runs scikit-image's classic pipeline (`scripts/reference/bench_segment_skimage.py`)
/// on the first `--bench-sites` scored sites and reports both pipelines' F1, mean IoU and
/// nuclei-only seconds on those sites (reading excluded, one thread each).
struct SegmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "Segment nuclei and cells; write masks.csv and cells.csv (and score against ground truth)."
    )

    @Argument(help: "The manifest CSV.") var manifest: String
    @OptionGroup var budget: ImageBudgetOptions
    @Option(help: "Output folder.") var out: String
    @Option(help: "Channel with the DNA stain.") var nucleusChannel = "DNA"
    @OptionGroup var nucleus: NucleusModelOptions
    @Option(help: "Gaussian sigma before thresholding nuclei (pixels).") var nucleusSigma: Float = Segmentation().nucleusSigma
    @Option(help: "Height of distance maxima that split touching nuclei (pixels).") var splitHeight: Float = Segmentation().splitHeight
    @Option(help: "Smallest nucleus kept (pixels).") var minNucleusArea = Segmentation().minNucleusArea
    @Option(help: "Nuclei threshold: li (minimum cross-entropy) or otsu.") var threshold = Segmentation().nucleusThreshold.rawValue
    @Flag(help: "With --truth: also run scikit-image's classic watershed pipeline on the same sites and compare.") var bench = false
    @Option(help: "Scored sites used by --bench.") var benchSites = 64
    @Option(help: "Given cell locations (CSV: Metadata_Plate, Metadata_Well, Metadata_Site, Location_X, Location_Y): grow nuclei from them instead of detecting them.")
    var locations: String?
    @Option(help: "Ground-truth masks.csv to score the nuclei against.") var truth: String?
    @Option(help: "Ground-truth sites.csv; sites with a Defect are left out of the score.") var defects: String?
    @Flag(help: "Print one JSON object with the counts and scores on standard output.") var json = false
    @Flag(help: "No progress output.") var quiet = false

    func validate() throws {
        if bench && nucleus.method != .classic { throw ValidationError("--bench compares the classic pipeline with scikit-image; use it with --method classic") }
        if locations != nil && nucleus.method != .classic {
            throw ValidationError("--locations grows nuclei from given centres over the classic foreground; it does not combine with --method model")
        }
    }

    func run() throws {
        let m = try budget.manifest(manifest)
        var seg = ScreenSegmentation()
        seg.nucleusChannel = nucleusChannel
        seg.segmentation.nucleusSigma = nucleusSigma
        seg.segmentation.splitHeight = splitHeight
        seg.segmentation.minNucleusArea = minNucleusArea
        guard let method = Segmentation.ThresholdMethod(rawValue: threshold) else {
            throw ValidationError("--threshold: '\(threshold)': expected \(Segmentation.ThresholdMethod.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        seg.segmentation.nucleusThreshold = method
        if let locations { seg.locations = try CellLocations.load(URL(fileURLWithPath: locations)) }
        if bench && truth == nil { throw ValidationError("--bench needs --truth") }
        seg.nucleusSegmenter = try nucleus.segmenter()
        let progress = ProgressLine("segment", total: m.rows.count, quiet: quiet || json)
        let start = Date()
        let summary = try seg.run(manifest: m, out: URL(fileURLWithPath: out)) { progress.advance() }
        progress.finish()
        let seconds = Date().timeIntervalSince(start)
        var result: [String: Any] = ["method": nucleus.method.rawValue, "sites": summary.sites, "nuclei": summary.cells, "seconds": seconds,
                                     "sites_per_s": Double(summary.sites) / seconds]
        if let truth {
            let gt = try MaskIndex.load(URL(fileURLWithPath: truth))
            let skip = try defects.map { try QualityControl.flaggedSites(URL(fileURLWithPath: $0)) } ?? []
            var score = SegmentationScore()
            var scored: [(SiteKey, URL)] = []
            for (key, entry) in summary.masks.entries.sorted(by: { $0.key < $1.key }) where !skip.contains(key) {
                guard let g = gt.entries[key] else { throw ValidationError("\(truth): no masks for site \(key)") }
                score = score + SegmentationScore(predicted: try TIFFReader.readLabels(entry.nuclei), truth: try TIFFReader.readLabels(g.nuclei))
                scored.append((key, g.nuclei))
            }
            if bench {
                let rows = Dictionary(uniqueKeysWithValues: m.rows.map { ($0.siteKey, $0) })
                let sites = try scored.prefix(benchSites).map { key, truthURL -> SegmentBenchmark.Site in
                    guard let url = m.imageURL(rows[key]!, channel: nucleusChannel) else {
                        throw ValidationError("\(manifest): no \(nucleusChannel) image for site \(key)")
                    }
                    return .init(dna: url, truth: truthURL)
                }
                for (k, v) in try SegmentBenchmark(segmentation: seg.segmentation, sites: sites).run() { result[k] = v }
            }
            result["scored_sites"] = scored.count
            result["nuclei_f1_iou50"] = score.f1
            result["nuclei_precision_iou50"] = score.precision
            result["nuclei_recall_iou50"] = score.recall
            result["nuclei_mean_matched_iou"] = score.meanMatchedIoU
        }
        if let model = seg.nucleusSegmenter?.source { result["model"] = model }
        if json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
        } else {
            for k in result.keys.sorted() { Log.info("\(k): \(result[k]!)") }
        }
    }
}
