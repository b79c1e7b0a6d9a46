import ArgumentParser
import Core
import Foundation
import Profiling
import Screen
import Search
import Workflow

/// `phenoscope bench cells`: a screen-sized per-cell table (features only, no images)
/// aggregated, normalized, evaluated and indexed by streaming, against pycytominer.
///
/// Writes a `SyntheticCellTable` (`--plates` 384-well plates of `--cells-per-well` cells and
/// `--features` float32 features, one `.npy` and one metadata CSV per plate) into `--out`,
/// then times each screen-level step with the process's peak resident memory after it (the
/// high-water mark, which only rises): aggregation to wells one plate at a time
/// (`CellFileAggregation`), per-plate robust z against DMSO with feature selection (the run's
/// profile steps), evaluation of the treatment profiles (NSC, NSCB, MoA mAP; replicate mAP
/// over every well is left out at this size) and an exact cosine index over the wells. In the
/// same run, `scripts/reference/bench_pycytominer_cells.py` loads the first plates' cells
/// into pandas and runs pycytominer's aggregate and per-plate normalize on them, in a fresh
/// process per size of `--reference-cells`, so each size's peak memory is its own.
struct BenchCellsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cells",
        abstract: "Aggregate, normalize, evaluate and index a synthetic per-cell table by streaming; pycytominer on the same cells."
    )

    @Option(help: "384-well plates (cells = plates x 384 x cells-per-well; 261 plates of 100 cells is 10 million cells).")
    var plates = 27
    @Option(help: "Cells per well.")
    var cellsPerWell = 100
    @Option(help: "Features per cell (float32).")
    var features = 100
    @Option(help: "Plates per batch.")
    var platesPerBatch = 3
    @Option(parsing: .unconditional, help: "Seed of the synthetic table.")
    var seed: UInt64 = 1
    @Option(help: "Folder for the cell files, profiles and index (kept); default: a temporary folder, removed at the end.")
    var out: String?
    @Option(parsing: .upToNextOption, help: "Cell counts for pycytominer (each rounded down to whole plates; each in its own process).")
    var referenceCells: [Int] = [1_000_000]
    @Option(help: "Python with pycytominer for the reference.")
    var python = "python3"
    @Flag(help: "Skip the pycytominer runs.")
    var noReference = false
    @Flag(help: "Print one JSON object with the figures on standard output.")
    var json = false
    @Flag(help: "No progress or summary on standard error.")
    var quiet = false

    func validate() throws {
        guard plates >= 1 else { throw ValidationError("--plates must be at least 1, got \(plates)") }
        guard cellsPerWell >= 1 else { throw ValidationError("--cells-per-well must be at least 1, got \(cellsPerWell)") }
        guard (1...4096).contains(features) else { throw ValidationError("--features must be 1...4096, got \(features)") }
        guard platesPerBatch >= 1 else { throw ValidationError("--plates-per-batch must be at least 1, got \(platesPerBatch)") }
        let (wells, o0) = plates.multipliedReportingOverflow(by: 384)
        let (cells, o1) = wells.multipliedReportingOverflow(by: cellsPerWell)
        let (bytes, o2) = cells.multipliedReportingOverflow(by: features * 4)
        guard !o0, !o1, !o2, bytes <= 1 << 40 else { throw ValidationError("--plates x 384 x --cells-per-well x --features x 4 bytes is over 1 TiB") }
        guard referenceCells.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--reference-cells must be positive") }
    }

    /// One timed step.
    struct Step: Codable {
        var name: String
        var seconds: Double
        var peakBytes: Int
    }

    /// One pycytominer run (or why it did not run).
    struct Reference: Codable {
        var cells: Int
        var plates: Int
        var loadSeconds: Double?
        var aggregateSeconds: Double?
        var normalizeSeconds: Double?
        var peakBytes: Int?
        var skipped: String?
        enum CodingKeys: String, CodingKey {
            case cells, plates, loadSeconds = "load_seconds", aggregateSeconds = "aggregate_seconds",
                 normalizeSeconds = "normalize_seconds", peakBytes = "peak_bytes", skipped
        }
    }

    struct Result: Codable {
        var cells: Int
        var wells: Int
        var plates: Int
        var features: Int
        var keptFeatures: Int
        var steps: [Step]
        var streamingSeconds: Double
        var peakBytes: Int
        var nsc: Double
        var nscb: Double?
        var mapMoA: Double?
        var pycytominer: [Reference]
        enum CodingKeys: String, CodingKey {
            case cells, wells, plates, features, keptFeatures = "kept_features", steps, streamingSeconds = "streaming_seconds",
                 peakBytes = "peak_bytes", nsc, nscb, mapMoA = "map_moa", pycytominer
        }
    }

    func run() throws {
        let layout = ScreenLayout.standard(plates: plates, format: .wells384, sitesPerWell: 1, platesPerBatch: platesPerBatch, seed: seed)
        let table = SyntheticCellTable(layout: layout, features: features, cellsPerWell: cellsPerWell, seed: seed)
        let dir = out.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("phenoscope-bench-cells-\(UUID().uuidString)")
        defer { if out == nil { try? FileManager.default.removeItem(at: dir) } }
        let cellsDir = dir.appendingPathComponent("cells")
        let say = { (s: String) in Log.info(s, quiet: quiet || json) }

        var line = ProgressLine("write cells", total: table.cellCount, quiet: quiet || json)
        var shown = 0
        var start = Date()
        let files = try table.write(to: cellsDir) { line.advance(by: $0 - shown); shown = $0 }
        line.finish()
        say(String(format: "wrote %d cells x %d features in %d plates in %@ (%.1fs)", table.cellCount, features, plates, cellsDir.path,
                   Date().timeIntervalSince(start)))

        var steps: [Step] = []
        func step<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
            let t0 = Date()
            let value = try body()
            let s = Step(name: name, seconds: Date().timeIntervalSince(t0), peakBytes: ProcessMemory.current().peakBytes)
            steps.append(s)
            say(String(format: "%@: %.1fs, peak RSS %@ so far", name, s.seconds, ProcessMemory.text(s.peakBytes)))
            return value
        }
        start = Date()
        line = ProgressLine("aggregate", total: table.cellCount, quiet: quiet || json)
        shown = 0
        let wells = try step("aggregate (streaming, plate by plate)") {
            try CellFileAggregation(featureNames: table.featureNames)
                .wells(files.map { .init(values: $0.values, metadata: $0.metadata) }) { line.advance(by: $0 - shown); shown = $0 }
        }
        line.finish()
        let normalized = try step("normalize (robust z per plate vs DMSO, feature selection)") {
            try RunStages.profilePipeline(RunConfig().profiles).apply(to: wells)
        }
        try normalized.write(to: dir.appendingPathComponent("wells_normalized.csv"))
        let evaluation = try step("evaluate (treatment profiles: NSC, NSCB, MoA mAP)") { () -> ProfileEvaluation in
            var options = ProfileEvaluation.Options()
            options.level = .treatment
            options.nullSize = 1000
            options.linearProbe = false
            options.forestTrees = 0
            let treatments = try Aggregation(keys: Aggregation.treatmentKeys).apply(to: normalized)
            return try ProfileEvaluation(treatments, options: options)
        }
        try step("index (exact cosine over wells)") {
            try IndexBuilder.index(profiles: normalized, kind: .exact, metric: .cosine).save(to: dir.appendingPathComponent("index"))
        }
        let streaming = Date().timeIntervalSince(start)
        let peak = ProcessMemory.current().peakBytes
        say(String(format: "phenoscope: %d cells -> %d wells x %d of %d features in %.1fs, peak RSS %@; NSC %.3f NSCB %@ mAP %.3f",
                   table.cellCount, wells.rowCount, normalized.featureCount, features, streaming, ProcessMemory.text(peak),
                   evaluation.nsc.accuracy, evaluation.nscb.map { String(format: "%.3f", $0.accuracy) } ?? "-",
                   evaluation.moaAP.meanAveragePrecision ?? .nan))

        var references: [Reference] = []
        if !noReference {
            let perPlate = 384 * cellsPerWell
            for wanted in referenceCells {
                let n = min(plates, max(1, wanted / perPlate))
                let ref = reference(plates: Array(files.prefix(n)).map(\.values), cells: n * perPlate)
                references.append(ref)
                if let s = ref.skipped {
                    say("pycytominer, \(ref.cells) cells: skipped (\(s))")
                } else {
                    say(String(format: "pycytominer, %d cells (%d plates): load %.1fs, aggregate %.1fs, normalize %.1fs, peak RSS %@",
                               ref.cells, ref.plates, ref.loadSeconds ?? .nan, ref.aggregateSeconds ?? .nan, ref.normalizeSeconds ?? .nan,
                               ProcessMemory.text(ref.peakBytes ?? 0)))
                }
            }
        }
        if json {
            let result = Result(cells: table.cellCount, wells: wells.rowCount, plates: plates, features: features,
                                keptFeatures: normalized.featureCount, steps: steps, streamingSeconds: streaming, peakBytes: peak,
                                nsc: evaluation.nsc.accuracy, nscb: evaluation.nscb?.accuracy, mapMoA: evaluation.moaAP.meanAveragePrecision,
                                pycytominer: references)
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            print(String(decoding: try enc.encode(result), as: UTF8.self))
        }
    }

    /// pycytominer on the cells of `plates` (their `.npy` files; the CSVs beside them), in a
    /// process of its own.
    func reference(plates: [URL], cells: Int) -> Reference {
        let script = "bench_pycytominer_cells.py"
        var ref = Reference(cells: cells, plates: plates.count)
        guard ReferenceScript.available(script, modules: ["pycytominer", "numpy", "pandas"], python: python) else {
            ref.skipped = "\(python) cannot import pycytominer, or \(script) is missing"
            return ref
        }
        do {
            let obj = try ReferenceScript.runJSON(script, plates.map(\.path), python: python)
            ref.loadSeconds = obj["load_seconds"] as? Double
            ref.aggregateSeconds = obj["aggregate_seconds"] as? Double
            ref.normalizeSeconds = obj["normalize_seconds"] as? Double
            ref.peakBytes = obj["peak_bytes"] as? Int
            if ref.aggregateSeconds == nil { ref.skipped = "unexpected output from \(script)" }
        } catch {
            ref.skipped = "\(error)"
        }
        return ref
    }
}
