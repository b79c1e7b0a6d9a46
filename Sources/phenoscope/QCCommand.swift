import ArgumentParser
import Foundation
import Screen

/// `phenoscope qc MANIFEST --out DIR`: flags defective sites (out of focus, saturated, debris)
/// and writes `DIR/qc.csv` (one row per site, a Defect column as in a synthetic screen's
/// ground truth, and the scores). With `--truth sites.csv` it also scores itself: precision
/// and recall of "defective" and per defect kind.
struct QCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qc",
        abstract: "Flag out-of-focus, saturated and debris sites; write qc.csv."
    )

    @Argument(help: "The manifest CSV.") var manifest: String
    @OptionGroup var budget: ImageBudgetOptions
    @Option(help: "Folder for qc.csv.") var out: String
    @Option(help: "Ground truth sites.csv (Metadata_Plate, Metadata_Well, Metadata_Site, Defect) to score against.")
    var truth: String?
    @Option(help: "masks.csv (from segment): also flag sites with too few or too many cells for their plate.") var masks: String?
    @Flag(help: "Print one JSON object with the counts (and scores with --truth) on standard output.") var json = false
    @Flag(help: "No progress output.") var quiet = false

    func run() throws {
        let m = try budget.manifest(manifest)
        let progress = ProgressLine("qc", total: m.rows.count, quiet: quiet || json)
        let qc = QualityControl()
        var results = try qc.run(manifest: m) { progress.advance() }
        progress.finish()
        if let masks { results = qc.flagCellCounts(results, counts: try QualityControl.cellCounts(try MaskIndex.load(URL(fileURLWithPath: masks)))) }
        try QualityControl.table(results).write(to: URL(fileURLWithPath: out).appendingPathComponent("qc.csv"))
        var summary: [String: Any] = ["sites": results.count, "flagged": results.filter { !$0.defect.isEmpty }.count]
        if let truth {
            let t = try CSVTable(contentsOf: URL(fileURLWithPath: truth))
            let cols = try ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "Defect"].map { try t.requireColumn($0) }
            var expected: [SiteKey: String] = [:]
            for (i, r) in t.rows.enumerated() {
                guard let w = WellPosition(r[cols[1]]), let s = Int(r[cols[2]]) else {
                    throw ValidationError("\(truth):\(t.lineNumbers[i]): bad well or site")
                }
                expected[SiteKey(plate: r[cols[0]], well: w, site: s)] = r[cols[3]]
            }
            var tp = 0, fp = 0, fn = 0, kindRight = 0
            for r in results {
                let want = expected[r.key] ?? ""
                switch (r.defect.isEmpty, want.isEmpty) {
                case (false, false): tp += 1; if r.defect == want { kindRight += 1 }
                case (false, true): fp += 1
                case (true, false): fn += 1
                case (true, true): break
                }
            }
            summary["true_positives"] = tp
            summary["false_positives"] = fp
            summary["false_negatives"] = fn
            summary["precision"] = tp + fp > 0 ? Double(tp) / Double(tp + fp) : 1
            summary["recall"] = tp + fn > 0 ? Double(tp) / Double(tp + fn) : 1
            summary["kind_accuracy"] = tp > 0 ? Double(kindRight) / Double(tp) : 1
        }
        if json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]), as: UTF8.self))
        } else {
            for k in summary.keys.sorted() { Log.info("\(k): \(summary[k]!)") }
        }
    }
}
