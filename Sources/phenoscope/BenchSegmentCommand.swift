import ArgumentParser
import Core
import Foundation
import Imaging
import NeuralNet
import Screen
import Tensor

/// `phenoscope bench segment`: sites per second of nucleus + cell segmentation with the
/// trained network against the classic pipeline, in one run on the same sites.
///
/// Renders `--sites` synthetic 16-bit sites (1280x1024 by default, the BBBC021 resolution;
/// DNA, tubulin, actin; no defects) in memory, then times `ScreenSegmentation.segment`
/// (nuclei, then cells by propagation) over all of them on `--threads` workers with that
/// many compute threads, as `segment` runs sites, classic first, then the model; the fastest
/// of `--repeats` passes counts; one site's network maps alone are timed too. Reading and
/// writing files are left out. Both are also scored
/// at IoU 0.5 against the rendered nuclei. `--untrained` times the default architecture with
/// random weights (same cost as trained weights, meaningless labels) when no model is at hand.
struct BenchSegmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "Sites/second of nuclei + cell segmentation, trained network vs classic, on the same synthetic sites."
    )

    @Option(help: "Synthetic sites per pass.") var sites = 4
    @Option(help: "Site width.") var width = 1280
    @Option(help: "Site height.") var height = 1024
    @Option(help: "Sites segmented at once, and compute threads for the network.") var threads = 2
    @Option(help: "Timed passes per method; the fastest counts.") var repeats = 2
    @Option(parsing: .unconditional, help: "Seed of the synthetic sites.") var seed: UInt64 = 1
    @Option(help: "Nucleus model folder; default: the shipped models/nuclei.") var model: String?
    @Flag(help: "Time the default architecture with untrained weights instead of a model folder.") var untrained = false
    @Option(help: "Largest tile fed to the network, pixels, margins included (default 1536).") var tileSize: Int?
    @Option(help: "Mirrored pixels around each site before the network (multiple of 16, up to the model's margin).") var border: Int?
    @Option(help: "Network arithmetic: f32, or bf16 on CPUs with AVX-512 BF16 or AMX.") var precision: NumericPrecision = .f32
    @Flag(help: "Average the network's maps over flips (4x the network time).") var tta = false
    @Flag(help: "Print one JSON object with the figures on standard output.") var json = false
    @Flag(help: "No progress on standard error.") var quiet = false

    /// What `--json` prints.
    struct Report: Encodable {
        var sites: Int
        var width: Int
        var height: Int
        var threads: Int
        var repeats: Int
        var model: String
        var widths: [Int]
        var tileSize: Int
        var border: Int
        var tta: Bool
        var precision: NumericPrecision
        var classicSeconds: Double
        var modelSeconds: Double
        var classicSitesPerS: Double
        var modelSitesPerS: Double
        var modelOverClassic: Double
        var classicNuclei: Int
        var modelNuclei: Int
        /// One site's network passes alone (normalization, tiles, sigmoid), fastest of the repeats.
        var modelMapsSeconds: Double
        var trueNuclei: Int
        var classicF1: Double
        var modelF1: Double

        enum CodingKeys: String, CodingKey {
            case sites, width, height, threads, repeats, model, widths, tileSize = "tile_size", border, tta, precision,
                 classicSeconds = "classic_seconds", modelSeconds = "model_seconds", classicSitesPerS = "classic_sites_per_s",
                 modelSitesPerS = "model_sites_per_s", modelOverClassic = "model_over_classic",
                 classicNuclei = "classic_nuclei", modelNuclei = "model_nuclei", modelMapsSeconds = "model_maps_seconds",
                 trueNuclei = "true_nuclei",
                 classicF1 = "classic_f1_iou50", modelF1 = "model_f1_iou50"
        }
    }

    func validate() throws {
        guard sites >= 1, threads >= 1, repeats >= 1 else { throw ValidationError("--sites, --threads and --repeats must be at least 1") }
        guard width >= 16, height >= 16, width <= 8192, height <= 8192 else {
            throw ValidationError("--width and --height must be between 16 and 8192, got \(width)x\(height)")
        }
        if untrained && model != nil { throw ValidationError("--untrained and --model exclude each other") }
    }

    func run() throws {
        Threads.setCount(threads)
        var segmenter: NucleusSegmenter
        if untrained {
            let config = UNet.Config()
            segmenter = NucleusSegmenter(info: NucleusModelInfo(unet: config, normalization: PercentileNormalization(), training: nil),
                                         network: UNet(config: config, seed: seed), source: "untrained")
        } else {
            segmenter = try NucleusSegmenter.load(model)
        }
        try NucleusModelOptions.configure(&segmenter, tileSize: tileSize, border: border, tta: tta, precision: precision)

        Log.info("bench segment: rendering \(sites) synthetic \(width)x\(height) sites", quiet: quiet || json)
        let layout = ScreenLayout.standard(plates: 1, sitesPerWell: 1, seed: seed)
        let screen = SyntheticScreen(layout: layout, width: width, height: height, defectRate: 0, seed: seed)
        let optics = screen.optics(for: layout.plates[0])
        let rendered = try parallelMap(Array(layout.wells.prefix(sites)), workers: threads) { well in
            screen.render(well: well, site: 1, optics: optics)
        }
        let planes = rendered.map { site in site.channels.map { $0.map(Float.init) } }
        let truth = rendered.map { $0.nuclei.map(Int32.init) }

        func time(_ seg: ScreenSegmentation, _ name: String) throws -> (seconds: Double, nuclei: [Image<Int32>]) {
            let (result, seconds) = try fastestRun(repeats: repeats) { pass in
                let progress = ProgressLine("\(name) pass \(pass + 1)", total: planes.count, quiet: quiet || json)
                defer { progress.finish() }
                return try parallelMap(planes, workers: threads) { p -> Image<Int32> in
                    defer { progress.advance() }
                    return seg.segment(dna: p[0], cytoplasm: Array(p.dropFirst())).nuclei
                }
            }
            return (seconds, result)
        }
        let classic = try time(ScreenSegmentation(), "classic")
        var withModel = ScreenSegmentation()
        withModel.nucleusSegmenter = segmenter
        let learned = try time(withModel, "model")
        let maps = fastestRun(repeats: repeats) { _ in segmenter.maps(planes[0][0]) }.seconds

        func f1(_ predicted: [Image<Int32>]) -> Double {
            zip(predicted, truth).reduce(SegmentationScore()) { $0 + SegmentationScore(predicted: $1.0, truth: $1.1) }.f1
        }
        func count(_ labels: [Image<Int32>]) -> Int { labels.reduce(0) { $0 + Set($1.pixels).subtracting([0]).count } }
        let report = Report(sites: sites, width: width, height: height, threads: threads, repeats: repeats,
                            model: segmenter.source, widths: segmenter.info.unet.widths, tileSize: segmenter.tileSize, border: segmenter.border, tta: tta,
                            precision: precision,
                            classicSeconds: classic.seconds, modelSeconds: learned.seconds,
                            classicSitesPerS: Double(sites) / classic.seconds, modelSitesPerS: Double(sites) / learned.seconds,
                            modelOverClassic: classic.seconds / learned.seconds,
                            classicNuclei: count(classic.nuclei), modelNuclei: count(learned.nuclei), modelMapsSeconds: maps,
                            trueNuclei: count(truth),
                            classicF1: f1(classic.nuclei), modelF1: f1(learned.nuclei))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(String(format: "classic: %.3f sites/s (%.2f s for %d sites), F1@0.5 %.3f vs the rendered nuclei",
                         report.classicSitesPerS, classic.seconds, sites, report.classicF1))
            print(String(format: "model (%@, tile %d%@, %@): %.3f sites/s (%.2f s), F1@0.5 %.3f; %.2fx classic's rate; network maps alone %.2f s a site",
                         segmenter.source, segmenter.tileSize, tta ? ", flips" : "", precision.rawValue, report.modelSitesPerS, learned.seconds,
                         report.modelF1, report.modelOverClassic, maps))
        }
    }
}
