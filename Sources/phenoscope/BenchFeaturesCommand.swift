import ArgumentParser
import Core
import Foundation
import Imaging
import Profiling
import Tensor

/// `phenoscope bench features`: per-cell feature extraction throughput against cp-measure.
///
/// Generates `--sites` synthetic 640x512 sites of about 100 elliptical cells (two channels,
/// seeded), times `CellMeasurements.measure` on them with the default families (texture at
/// scale 3), then writes the same images as `.npy` files and times cp-measure 0.3.0 on them
/// through `scripts/reference/bench_cp_measure.py` in the same run. Reports cells per second
/// for both and their ratio; cp-measure is reported as skipped when Python or cp-measure is
/// unavailable.
struct BenchFeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Cells/second of CellProfiler-style feature extraction, against cp-measure on the same sites."
    )

    @Option(help: "Number of synthetic sites.")
    var sites = 3
    @Option(help: "Cells per site (target; placement may fit fewer).")
    var cellsPerSite = 100
    @Option(parsing: .unconditional, help: "Seed of the synthetic sites.")
    var seed: UInt64 = 1
    @Option(help: "Worker threads for Phenoscope's extraction.")
    var threads = 2
    @Option(help: "The cp-measure timing script.")
    var referenceScript = "scripts/reference/bench_cp_measure.py"
    @Flag(help: "Skip the cp-measure run.")
    var noReference = false
    @Flag(help: "Print one JSON object with the figures on standard output.")
    var json = false
    @Flag(help: "No progress or summary on standard error.")
    var quiet = false

    func validate() throws {
        guard sites >= 1 else { throw ValidationError("--sites must be at least 1, got \(sites)") }
        guard cellsPerSite >= 1 else { throw ValidationError("--cells-per-site must be at least 1, got \(cellsPerSite)") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        let generated = (0..<sites).map { SyntheticCellSite(cells: cellsPerSite, seed: seed &+ UInt64($0)) }
        var options = CellMeasurementOptions()
        options.threads = threads
        options.channelOrder = ["DNA", "Tubulin"]
        var cells = 0, features = 0
        let progress = ProgressLine("features", total: sites, quiet: quiet || json)
        let start = Date()
        for site in generated {
            let table = try CellMeasurements.measure(channels: site.channels, nuclei: site.nuclei, cells: site.cells, options: options)
            cells += table.rowCount
            features = table.columns.count
            progress.advance()
        }
        let seconds = Date().timeIntervalSince(start)
        progress.finish()
        let ours = Double(cells) / seconds

        var result: [String: Any] = [
            "sites": sites, "cells": cells, "features": features, "threads": threads,
            "seconds": seconds, "cells_per_second": ours,
        ]
        var summary = String(format: "phenoscope: %d cells, %d features in %.2fs = %.1f cells/s (%d threads)", cells, features, seconds, ours, threads)
        switch noReference ? .skipped("--no-reference") : runReference(generated) {
        case .measured(let refCells, let refSeconds):
            let theirs = Double(refCells) / refSeconds
            result["cp_measure_cells"] = refCells
            result["cp_measure_seconds"] = refSeconds
            result["cp_measure_cells_per_second"] = theirs
            result["speedup"] = ours / theirs
            summary += String(format: "\ncp-measure: %d cells in %.2fs = %.2f cells/s (1 process)\nspeedup: %.1fx", refCells, refSeconds, theirs, ours / theirs)
        case .skipped(let reason):
            result["cp_measure"] = "skipped: \(reason)"
            summary += "\ncp-measure: skipped (\(reason))"
        }
        Log.info(summary, quiet: quiet)
        if json {
            let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }

    enum Reference { case measured(Int, Double), skipped(String) }

    /// Writes the sites as .npy files and runs the cp-measure script on them.
    func runReference(_ generated: [SyntheticCellSite]) -> Reference {
        let scriptName = URL(fileURLWithPath: referenceScript).lastPathComponent
        guard ReferenceScript.available(scriptName, modules: ["cp_measure"]) else {
            return .skipped("python3 cannot import cp_measure, or \(scriptName) is missing")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("phenoscope-bench-features-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            var names: [String] = []
            for (k, site) in generated.enumerated() {
                let name = String(format: "site%03d", k)
                names.append(name)
                for (channel, image) in site.channels {
                    try NPYArray(image).write(to: dir.appendingPathComponent("\(name)_\(channel).npy"))
                }
                try NPYArray(site.nuclei).write(to: dir.appendingPathComponent("\(name)_nuclei.npy"))
                try NPYArray(site.cells).write(to: dir.appendingPathComponent("\(name)_cells.npy"))
            }
            let spec = try JSONSerialization.data(withJSONObject: ["channels": ["DNA", "Tubulin"], "sites": names])
            try AtomicFile.write(spec, to: dir.appendingPathComponent("sites.json"))
        } catch {
            return .skipped("cannot write the sites for cp-measure: \(error.localizedDescription)")
        }
        let obj: [String: Any]
        do { obj = try ReferenceScript.runJSON(scriptName, [dir.path]) } catch {
            return .skipped("\(error)")
        }
        guard let c = obj["cells"] as? Int, let s = obj["seconds"] as? Double, s > 0 else {
            return .skipped("unexpected output from \(referenceScript)")
        }
        return .measured(c, s)
    }
}

extension NPYArray {
    /// A plane as a (height, width) array, for handing images to the Python reference.
    init(_ image: Image<Float>) {
        self.init(float32: image.pixels, shape: [image.height, image.width])
    }

    init(_ labels: Image<Int32>) {
        self.init(shape: [labels.height, labels.width], dtype: .int32,
                  bytes: labels.pixels.withUnsafeBufferPointer { Data(buffer: $0) })
    }
}
