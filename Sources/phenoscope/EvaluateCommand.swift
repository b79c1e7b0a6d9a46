import ArgumentParser
import Core
import Foundation
import Profiling

/// `phenoscope evaluate PROFILES`: MoA evaluation of a profile table (BBBC021 protocol).
///
/// Reads well- or treatment-level profiles (CSV, `Metadata_*` columns then features),
/// optionally normalizes them per plate against DMSO, selects features and spheres them
/// (in pycytominer's order), aggregates wells to treatments, and reports NSC, NSCB, top-k,
/// per-MoA accuracy, the NSC confusion matrix, copairs mAP with p-values for same-MoA and
/// replicate retrieval, and the leave-compound-out linear probe and random forest. Results go to
/// `--out DIR` (evaluation.json, per_moa.csv, confusion.csv, neighbors.csv,
/// replicate_map.csv, each written atomically), the report to `--report DIR` (default: the
/// same directory): a self-contained report.html with UMAP maps, correlation heatmap, confusion,
/// neighbours, outliers and, with `--qc qc.csv`, the QC summary, plus figures/*.svg. The summary
/// goes to stderr, or with `--json` one JSON object to stdout. NSC, NSCB and mAP come with a
/// 95 % bootstrap interval over treatments (`nsc_ci`, `nscb_ci`, `map_moa_ci`; see
/// `TreatmentBootstrap`). With feature selection, the same profiles without it are evaluated
/// too (`without_feature_selection/`, and the key of that name in the JSON), so a selection
/// that lowers the figures shows.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "NSC/NSCB 1-NN MoA accuracy, top-k, confusion, copairs mAP and a linear probe for a profile table.",
        discussion: """
        Similarity is the cosine of the feature vectors (every column not starting with Metadata_). \
        DMSO (Metadata_Compound 'DMSO', any case) and treatments with an empty Metadata_MoA are \
        neither queries nor candidates. NSC: the nearest treatment of another compound; NSCB: also \
        sharing no batch (a treatment spanning several batches excludes all of them); ties go to the \
        first row in table order. map_moa: copairs average precision, positives same MoA and other \
        compound, negatives other MoA.
        """
    )

    @Argument(help: "Profile CSV, well-level or treatment-level (one row per compound + concentration).")
    var profiles: String

    @Flag(help: "Print one JSON object with the figures on stdout.")
    var json = false

    @Option(help: "Directory for the result files (default: 'evaluation' beside PROFILES).")
    var out: String?

    @Option(help: "Directory for report.html and figures/*.svg (default: the --out directory).")
    var report: String?

    @Option(help: "QC table (qc.csv from `phenoscope qc` or a run) summarized in the report.")
    var qc: String?

    @Flag(help: "Draw the report's maps with PCA instead of UMAP.")
    var noUmap = false

    @Option(name: .customLong("k"), help: "Comma-separated k for top-k accuracy.")
    var k = "1,5"

    @Option(help: "Input level: auto, well or treatment (auto: well when a treatment has several rows).")
    var level = "auto"

    @Option(help: "How wells are aggregated to treatments: mean or median.")
    var aggregate = "mean"

    @OptionGroup var steps: ProfileStepOptions

    @Option(help: "Size of the permutation null for mAP p-values.")
    var nullSize = 10_000

    @Option(parsing: .unconditional, help: "Seed for the permutation null and the bootstrap.")
    var seed: UInt64 = 0

    @Option(help: "Bootstrap resamples of the treatments for the 95 % intervals of NSC, NSCB and mAP (0: no intervals).")
    var bootstrap = 1000

    @Flag(help: "Skip the linear probe.")
    var noProbe = false

    @Option(help: "Trees of the leave-compound-out random forest (0 skips it).")
    var forestTrees = 100

    @Flag(help: "No summary on stderr.")
    var quiet = false

    func run() throws {
        do {
            try evaluate()
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("phenoscope evaluate: error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    func choice<T: RawRepresentable>(_ value: String, _ option: String, _ type: T.Type) throws -> T where T.RawValue == String {
        guard let v = T(rawValue: value) else { throw ProfilingError("--\(option): unknown value '\(value)'") }
        return v
    }

    func evaluate() throws {
        let url = URL(fileURLWithPath: profiles)
        var options = ProfileEvaluation.Options()
        options.level = try choice(level, "level", ProfileEvaluation.Level.self)
        options.aggregation = try choice(aggregate, "aggregate", Aggregation.Method.self)
        options.topK = try k.split(separator: ",").map { s -> Int in
            guard let v = Int(s.trimmingCharacters(in: .whitespaces)), v >= 1 else {
                throw ProfilingError("--k: expected positive integers separated by commas, found '\(k)'")
            }
            return v
        }
        guard (1...ProfileEvaluation.Options.maxNullSize).contains(nullSize) else {
            throw ProfilingError("--null-size: expected 1 to \(ProfileEvaluation.Options.maxNullSize), got \(nullSize)")
        }
        options.nullSize = nullSize
        options.seed = seed
        guard (0...ProfileEvaluation.Options.maxBootstrapResamples).contains(bootstrap) else {
            throw ProfilingError("--bootstrap: expected 0 to \(ProfileEvaluation.Options.maxBootstrapResamples), got \(bootstrap)")
        }
        options.bootstrapResamples = bootstrap
        options.linearProbe = !noProbe
        guard (0...ProfileEvaluation.Options.maxForestTrees).contains(forestTrees) else {
            throw ProfilingError("--forest-trees: expected 0 to \(ProfileEvaluation.Options.maxForestTrees), got \(forestTrees)")
        }
        options.forestTrees = forestTrees
        options.leaveOutFeaturesWithNaN = true
        if !quiet && !json && isatty(STDERR_FILENO) != 0 {
            options.progress = { stage in FileHandle.standardError.write(Data("... \(stage)\n".utf8)) }
        }

        var pipeline = ProfilePipeline()
        try steps.configure(&pipeline)
        var reportOptions = EvaluationReport.Options()
        reportOptions.title = "Phenoscope evaluation: \(url.lastPathComponent)"
        reportOptions.umap = !noUmap
        reportOptions.seed = seed
        if let qc { reportOptions.qc = try QCSummary(contentsOf: URL(fileURLWithPath: qc)) }
        let input = try ProfileTable(contentsOf: url, allowMissing: pipeline.acceptsMissingValues)
        let table = try pipeline.apply(to: input)
        let dir = out.map { URL(fileURLWithPath: $0) }
            ?? url.deletingLastPathComponent().appendingPathComponent("evaluation")
        var unselected: ProfileEvaluation?
        if let selection = pipeline.featureSelection {
            note("feature selection (\(selection.operations.map(\.rawValue).joined(separator: ", "))) kept \(table.featureCount) of \(input.featureCount) features")
            // The same steps without selection, for the figures with and without it; only
            // features undefined (NaN) in some row are dropped, as evaluation needs every value.
            var plain = pipeline
            plain.featureSelection = input.features.contains(where: \.isNaN)
                ? FeatureSelection(operations: [.dropNaColumns], naCutoff: 0) : nil
            var quick = options
            (quick.linearProbe, quick.forestTrees) = (false, 0)
            options.progress?("the same profiles without feature selection")
            let e = try ProfileEvaluation(plain.apply(to: input), options: quick)
            try e.writeTables(to: dir.appendingPathComponent("without_feature_selection"))
            reportOptions.comparison = [Self.row("without feature selection", e)]
            unselected = e
        }
        let evaluation = try ProfileEvaluation(table, options: options)
        let reportDir = report.map { URL(fileURLWithPath: $0) } ?? dir
        options.progress?("report (maps, correlation, neighbours) into \(reportDir.path)")
        try evaluation.write(to: dir, report: reportOptions, reportDirectory: reportDir)
        if json {
            var summary = evaluation.summary()
            if let unselected { summary["without_feature_selection"] = unselected.summary() }
            let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
        if !evaluation.featuresLeftOut.isEmpty {
            note("left out \(evaluation.featuresLeftOut.count) feature(s) NaN in some profile (drop_na_columns at cut-off 0): \(evaluation.featuresLeftOut.joined(separator: ", "))")
        }
        note(Self.describe(evaluation, dir: dir))
        if let unselected {
            note("without feature selection: \(Self.headline(unselected))  (\(dir.appendingPathComponent("without_feature_selection").path))")
        }
        note("report: \(reportDir.appendingPathComponent("report.html").path) (figures in \(reportDir.appendingPathComponent("figures").path))")
    }

    func note(_ text: String) {
        guard !quiet && !json else { return }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func row(_ label: String, _ e: ProfileEvaluation) -> EvaluationReport.ComparisonRow {
        .init(label: label, nsc: e.nsc.accuracy, nscb: e.nscb?.accuracy, mapMoA: e.moaAP.meanAveragePrecision,
              nscInterval: e.nscInterval, nscbInterval: e.nscbInterval, mapMoAInterval: e.mapMoAInterval)
    }

    /// `NSC 0.4860 [0.405, 0.568]  NSCB ...  mAP ...` for one line.
    static func headline(_ e: ProfileEvaluation) -> String {
        func f(_ v: Double?, _ i: ConfidenceInterval?) -> String {
            (v.map { $0.isFinite ? String(format: "%.4f", $0) : "n/a" } ?? "n/a") + (i.map { " \($0.text)" } ?? "")
        }
        return "NSC \(f(e.nsc.accuracy, e.nscInterval))  NSCB \(f(e.nscb?.accuracy, e.nscbInterval))  mAP \(f(e.moaAP.meanAveragePrecision, e.mapMoAInterval))"
    }

    static func describe(_ e: ProfileEvaluation, dir: URL) -> String {
        func f(_ v: Double?) -> String { v.map { $0.isFinite ? String(format: "%.4f", $0) : "n/a" } ?? "n/a" }
        func ci(_ i: ConfidenceInterval?) -> String { i.map { "  95 % CI \($0.text)" } ?? "" }
        let s = e.labels.moaRows
        var lines = ["evaluated \(s.count) treatments, \(Set(s.map { e.labels.moa[$0] }).count) MoAs (\(e.inputLevel.rawValue)-level input)"]
        func topK(_ nn: NearestNeighborMoA) -> String {
            zip(nn.topK, nn.topKAccuracy).map { "top-\($0) \(f($1))" }.joined(separator: "  ")
        }
        lines.append("NSC   \(f(e.nsc.accuracy))\(ci(e.nscInterval))  (\(e.nsc.queryCount) queries)  \(topK(e.nsc))")
        if let b = e.nscb {
            lines.append("NSCB  \(f(b.accuracy))\(ci(e.nscbInterval))  (\(b.queryCount) queries)  \(topK(b))")
        } else {
            lines.append("NSCB  n/a (no Metadata_Batch column)")
        }
        let sig = e.moaMAP.groups.filter { $0.correctedPValue < 0.05 }.count
        lines.append("mAP same-MoA  \(f(e.moaAP.meanAveragePrecision))\(ci(e.mapMoAInterval))  normalized \(f(e.moaAP.meanNormalizedAveragePrecision))  MoAs with corrected p < 0.05: \(sig)/\(e.moaMAP.groups.count)")
        if let r = e.replicateMAP {
            let rs = r.groups.filter { $0.correctedPValue < 0.05 }.count
            lines.append("mAP replicate \(f(r.meanOfGroups))  treatments with corrected p < 0.05: \(rs)/\(r.groups.count)")
        }
        if let p = e.probe { lines.append("linear probe (leave-compound-out) \(f(p.accuracy))") }
        if let p = e.forest { lines.append("random forest (leave-compound-out) \(f(p.accuracy))") }
        if e.bootstrapResamples > 0 {
            lines.append("intervals: 95 % percentile bootstrap, \(e.bootstrapResamples) resamples of the \(s.count) treatments")
        }
        lines.append("wrote \(dir.path)/{evaluation.json,per_moa.csv,confusion.csv,neighbors.csv,replicate_map.csv}")
        return lines.joined(separator: "\n")
    }
}
