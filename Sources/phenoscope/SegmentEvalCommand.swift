import ArgumentParser
import Foundation
import Imaging
import Screen
import Tensor

/// `phenoscope segment-eval DIR`: scores nucleus segmentation on a folder of annotated images
/// (Data Science Bowl layout `<id>/images/<id>.png` + `<id>/masks/*.png`, or `images/` +
/// `masks/` label pairs) with the trained network (`--method model`) or the classic pipeline
/// at its defaults (`--method classic`): pooled F1, precision and recall at IoU 0.5, mean
/// matched IoU, and the DSB 2018 metric (mean over images of the mean over IoU thresholds
/// 0.5, 0.55, ..., 0.95 of TP / (TP + FP + FN)). `--ids` and `--kind` restrict the images;
/// `--out` writes one row per image.
struct SegmentEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment-eval",
        abstract: "Score nucleus segmentation (model or classic) on annotated images: F1 at IoU 0.5 and the DSB 2018 metric."
    )

    @Argument(help: "Folder of annotated images (DSB layout or images/ + masks/).") var directory: String
    @OptionGroup var nucleus: NucleusModelOptions
    @Option(help: "Only these images: one id a line, or a train-segmenter run's split.csv (its validation rows).") var ids: String?
    @Option(help: "Only images of this kind: fluorescence, brightfield or histology.") var kind: AnnotatedNuclei.Kind?
    @Option(help: "Images segmented at once.") var threads = 2
    @Option(help: "Per-image CSV to write.") var out: String?
    @Flag(help: "Print one JSON object with the figures on standard output.") var json = false
    @Flag(help: "No progress output.") var quiet = false

    /// What `--json` prints.
    struct Report: Encodable {
        var method: String
        var model: String?
        var directory: String
        var kind: String?
        var summary: NucleusEvaluation.Summary

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(method, forKey: .method)
            try c.encodeIfPresent(model, forKey: .model)
            try c.encode(directory, forKey: .directory)
            try c.encodeIfPresent(kind, forKey: .kind)
            try summary.encode(to: encoder)
        }
        enum CodingKeys: String, CodingKey { case method, model, directory, kind }
    }

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads: \(threads); expected at least 1") }
    }

    func run() throws {
        let segmenter = try nucleus.segmenter()
        let wanted = try ids.map(Self.readIDs)
        let data: AnnotatedNuclei
        do { data = try AnnotatedNuclei.load(URL(fileURLWithPath: directory), ids: wanted) } catch where wanted != nil {
            throw ImageIOError(file: ids ?? "", "--ids: \(error)")
        }
        if let wanted {
            let missing = wanted.subtracting(data.items.map(\.id))
            if let first = missing.sorted().first {
                throw ImageIOError(file: ids ?? "", "--ids: \(missing.count) id(s) not in \(directory), e.g. '\(first)'")
            }
        }
        let items = data.items.filter { kind == nil || $0.kind == kind }
        guard !items.isEmpty else { throw ImageIOError(file: directory, "no images of kind \(kind?.rawValue ?? "any")") }
        Log.info("segment-eval: \(items.count) images, method \(nucleus.method.rawValue)\(segmenter.map { " (\($0.source))" } ?? "")", quiet: quiet || json)

        let classic = Segmentation()
        let progress = ProgressLine("segment-eval", total: items.count, quiet: quiet || json)
        let results = try NucleusEvaluation.run(items, workers: threads, segment: { image in
            segmenter?.nuclei(image) ?? classic.nuclei(image)
        }, progress: { progress.advance() })
        progress.finish()
        let summary = NucleusEvaluation.Summary(results)

        if let out {
            var table = CSVTable(header: ["id", "kind", "width", "height", "true_nuclei", "predicted_nuclei", "tp_iou50", "fp_iou50",
                                          "fn_iou50", "f1_iou50", "mean_matched_iou", "dsb_score", "seconds"])
            table.rows = results.map { r in
                [r.id, r.kind.rawValue, String(r.width), String(r.height), String(r.trueNuclei), String(r.predictedNuclei),
                 String(r.truePositives), String(r.falsePositives), String(r.falseNegatives), String(format: "%.6f", r.f1),
                 String(format: "%.6f", r.meanMatchedIoU), String(format: "%.6f", r.dsbScore), String(format: "%.4f", r.seconds)]
            }
            table.lineNumbers = table.rows.indices.map { $0 + 2 }
            try table.write(to: URL(fileURLWithPath: out))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let report = Report(method: nucleus.method.rawValue, model: segmenter?.source, directory: directory,
                                kind: kind?.rawValue, summary: summary)
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            Log.info(String(format: "%@ on %d images (%d true nuclei, %d predicted): F1@0.5 %.4f (precision %.4f, recall %.4f), mean matched IoU %.4f, DSB score %.4f; %.1f s segmenting",
                            nucleus.method.rawValue, summary.images, summary.trueNuclei, summary.predictedNuclei, summary.f1,
                            summary.precision, summary.recall, summary.meanMatchedIoU, summary.dsbScore, summary.seconds))
        }
    }

    /// Ids from a file: a train-segmenter `split.csv` (header `id,kind,split`; its validation
    /// rows), else one id a line (blank lines and `#` comments skipped).
    static func readIDs(_ path: String) throws -> Set<String> {
        guard let text = try? String(contentsOf: URL(fileURLWithPath: path), encoding: .utf8) else {
            throw ImageIOError(file: path, "--ids: cannot read the file")
        }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        var ids = Set<String>()
        if lines.first == "id,kind,split" {
            for (n, line) in lines.dropFirst().enumerated() where !line.isEmpty {
                let f = line.split(separator: ",", omittingEmptySubsequences: false)
                guard f.count == 3 else { throw ImageIOError(file: path, "line \(n + 2): expected id,kind,split") }
                if f[2] == "validation" { ids.insert(String(f[0])) }
            }
        } else {
            for line in lines where !line.isEmpty && !line.hasPrefix("#") { ids.insert(line) }
        }
        guard !ids.isEmpty else { throw ImageIOError(file: path, "--ids: no ids in the file") }
        return ids
    }
}

extension AnnotatedNuclei.Kind: ExpressibleByArgument {}
