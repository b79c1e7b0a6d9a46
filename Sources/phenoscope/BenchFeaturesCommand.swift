import ArgumentParser
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
    @Option(help: "Seed of the synthetic sites.")
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
        guard FileManager.default.fileExists(atPath: referenceScript) else { return .skipped("\(referenceScript) not found") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("phenoscope-bench-features-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            var names: [String] = []
            for (k, site) in generated.enumerated() {
                let name = String(format: "site%03d", k)
                names.append(name)
                for (channel, image) in site.channels {
                    try NumpyWriter.write(image, to: dir.appendingPathComponent("\(name)_\(channel).npy"))
                }
                try NumpyWriter.write(site.nuclei, to: dir.appendingPathComponent("\(name)_nuclei.npy"))
                try NumpyWriter.write(site.cells, to: dir.appendingPathComponent("\(name)_cells.npy"))
            }
            let spec = try JSONSerialization.data(withJSONObject: ["channels": ["DNA", "Tubulin"], "sites": names])
            try AtomicFile.write(spec, to: dir.appendingPathComponent("sites.json"))
        } catch {
            return .skipped("cannot write the sites for cp-measure: \(error.localizedDescription)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", referenceScript, dir.path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { return .skipped("cannot run python3: \(error.localizedDescription)") }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let line = String(decoding: stderr, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? "exit \(process.terminationStatus)"
            return .skipped(line)
        }
        guard let obj = try? JSONSerialization.jsonObject(with: stdout) as? [String: Any],
              let c = obj["cells"] as? Int, let s = obj["seconds"] as? Double, s > 0 else {
            return .skipped("unexpected output from \(referenceScript)")
        }
        return .measured(c, s)
    }
}

/// Minimal `.npy` writer (little-endian float32 / int32, C order) for handing images to the
/// Python reference; numpy reads it with `np.load`.
enum NumpyWriter {
    static func write(_ image: Image<Float>, to url: URL) throws {
        try write(descr: "<f4", width: image.width, height: image.height, body: image.pixels.withUnsafeBufferPointer { Data(buffer: $0) }, to: url)
    }

    static func write(_ image: Image<Int32>, to url: URL) throws {
        try write(descr: "<i4", width: image.width, height: image.height, body: image.pixels.withUnsafeBufferPointer { Data(buffer: $0) }, to: url)
    }

    private static func write(descr: String, width: Int, height: Int, body: Data, to url: URL) throws {
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(height), \(width)), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93]) + Data("NUMPY".utf8) + Data([1, 0])
        let n = UInt16(header.utf8.count)
        data += Data([UInt8(n & 0xFF), UInt8(n >> 8)])
        data += Data(header.utf8)
        data += body
        try AtomicFile.write(data, to: url)
    }
}
