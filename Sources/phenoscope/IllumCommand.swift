import ArgumentParser
import Foundation
import Imaging
import Screen

/// `phenoscope illum MANIFEST --out DIR`: CellProfiler-style illumination functions, one per
/// plate and channel (mean of the plate's sites, median-filtered and smoothed, scaled to a
/// robust minimum of 1), saved as float32 TIFF plus a PNG preview and `illumination.csv`.
/// Reports how flat each plate's mean image is before and after correction (coefficient of
/// variation); with `--synthetic-seed` (a screen written by `synth` with that seed and the
/// standard optics) also the correlation of each estimated function with the true field.
/// With `--apply DIR2` it writes the corrected screen (and its manifest) there.
struct IllumCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "illum",
        abstract: "Estimate (and optionally apply) per-plate, per-channel illumination correction."
    )

    @Argument(help: "The manifest CSV.") var manifest: String
    @OptionGroup var budget: ImageBudgetOptions
    @Option(help: "Folder for the illumination functions.") var out: String
    @Option(help: "Median window half-width in pixels (0: an eighth of the shorter image side).") var radius = 0
    @Option(help: "Smoothing of the mean image: median (median filter + Gaussian) or polynomial (quadratic fit).") var smoothing = "median"
    @Option(help: "Write the corrected screen (16-bit TIFFs and manifest.csv) to this folder.") var apply: String?
    @Option(help: "Seed of the synthetic screen, to correlate the functions with its true illumination fields.") var syntheticSeed: UInt64?
    @Flag(help: "Print one JSON object with the figures on standard output.") var json = false
    @Flag(help: "No progress output.") var quiet = false

    func run() throws {
        let m = try budget.manifest(manifest)
        var illum = ScreenIllumination()
        illum.function.radius = radius
        guard let method = IlluminationFunction.Smoothing(rawValue: smoothing) else {
            throw ValidationError("--smoothing: '\(smoothing)': expected median or polynomial")
        }
        illum.function.smoothing = method
        let progress = ProgressLine("illum", total: m.rows.count, quiet: quiet || json)
        let plates = try illum.estimate(manifest: m) { progress.advance() }
        progress.finish()
        try ScreenIllumination.write(plates, channels: m.channels, to: URL(fileURLWithPath: out))
        func mean(_ v: [Double]) -> Double { v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count) }
        var result: [String: Any] = ["plates": plates.count, "channels": m.channels.count,
                                     "cv_before": mean(plates.flatMap(\.cvBefore)), "cv_after": mean(plates.flatMap(\.cvAfter)),
                                     "block_cv_before": mean(plates.flatMap(\.blockCVBefore)), "block_cv_after": mean(plates.flatMap(\.blockCVAfter))]
        for (c, ch) in m.channels.enumerated() {
            result["cv_before_\(ch.lowercased())"] = mean(plates.map { $0.cvBefore[c] })
            result["cv_after_\(ch.lowercased())"] = mean(plates.map { $0.cvAfter[c] })
        }
        if let seed = syntheticSeed {
            let batchOf = Dictionary(m.rows.map { ($0.plate, $0.batch) }, uniquingKeysWith: { a, _ in a })
            var correlations: [Double] = []
            for p in plates {
                let f0 = p.functions[0]
                let optics = PlateOptics(plate: p.plate, batch: batchOf[p.plate] ?? "", width: f0.width, height: f0.height, seed: seed)
                guard optics.fields.count == p.functions.count else {
                    throw ValidationError("--synthetic-seed: the screen has \(p.functions.count) channels, synthetic optics have \(optics.fields.count)")
                }
                for (c, f) in p.functions.enumerated() { correlations.append(Self.pearson(f.pixels, optics.fields[c])) }
            }
            result["truth_correlation_mean"] = mean(correlations)
            result["truth_correlation_min"] = correlations.min() ?? 0
        }
        if let apply {
            var pre = ScreenPreprocessing()
            pre.illumination = try ScreenIllumination.load(URL(fileURLWithPath: out))
            let applyProgress = ProgressLine("apply", total: m.rows.count, quiet: quiet || json)
            _ = try pre.run(manifest: m, out: URL(fileURLWithPath: apply)) { applyProgress.advance() }
            applyProgress.finish()
        }
        if json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
        } else {
            for k in result.keys.sorted() { Log.info("\(k): \(result[k]!)") }
        }
    }

    static func pearson(_ a: [Float], _ b: [Float]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0.0) { $0 + Double($1) } / n, mb = b.reduce(0.0) { $0 + Double($1) } / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for i in a.indices {
            let x = Double(a[i]) - ma, y = Double(b[i]) - mb
            sab += x * y; saa += x * x; sbb += y * y
        }
        return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
    }
}
