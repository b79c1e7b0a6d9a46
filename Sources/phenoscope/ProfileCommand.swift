import ArgumentParser
import Core
import Foundation
import Profiling
import Tensor
import Screen

/// `phenoscope profile INPUT --out PROFILES.csv`: per-cell vectors to site, well or
/// treatment profiles.
///
/// INPUT is a CSV of per-cell (or per-site/well) classical features, or with
/// `--embeddings E.npy` the per-cell metadata CSV beside a float32 embedding matrix. Rows
/// are aggregated by mean or median (cell counts kept in `Metadata_Count`), then, each
/// step only when asked and in pycytominer's order: per-plate normalization against DMSO,
/// feature selection, sphering against DMSO. For `--by treatment` these steps run on
/// well profiles, which are then aggregated to treatments (compound + concentration), as
/// the BBBC021 protocol builds treatment profiles. The result is written atomically, as
/// CSV (or Parquet for a `.parquet` name), `Metadata_*` columns first, ready for
/// `phenoscope evaluate` (CSV), pycytominer or copairs.
struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Aggregate per-cell vectors to site, well or treatment profiles, with optional normalization, feature selection and sphering."
    )

    @Argument(help: "Per-cell CSV (Metadata_* columns, then features), or the cells' metadata CSV with --embeddings.")
    var input: String

    @Option(help: "Float32/float64 .npy matrix of per-cell embeddings, one row per INPUT row.")
    var embeddings: String?

    @Option(help: "Output profiles: CSV, or Parquet when the name ends in .parquet.")
    var out: String

    @Option(help: "Aggregation level: none, site, well or treatment.")
    var by = "well"

    @Option(help: "Aggregation: mean or median.")
    var method = "mean"

    @OptionGroup var steps: ProfileStepOptions

    @Flag(help: "No summary on stderr.")
    var quiet = false

    func run() throws {
        do {
            try profile()
        } catch {
            FileHandle.standardError.write(Data("phenoscope profile: error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    func profile() throws {
        guard let aggregation = Aggregation.Method(rawValue: method) else {
            throw ProfilingError("--method: unknown value '\(method)' (expected mean or median)")
        }
        let keys: [String]?
        switch by {
        case "none": keys = nil
        case "site": keys = Aggregation.siteKeys
        case "well", "treatment": keys = Aggregation.wellKeys
        default: throw ProfilingError("--by: unknown value '\(by)' (expected none, site, well or treatment)")
        }
        var pipeline = ProfilePipeline(aggregation: keys.map { Aggregation(keys: $0, method: aggregation) })
        try steps.configure(&pipeline)

        let inputURL = URL(fileURLWithPath: input)
        let table: ProfileTable
        if let embeddings {
            table = try ProfileTable(cells: CSVTable(contentsOf: inputURL),
                                     embeddings: NPYArray.read(URL(fileURLWithPath: embeddings)),
                                     embeddingsSource: embeddings)
        } else {
            table = try ProfileTable(contentsOf: inputURL, allowMissing: pipeline.acceptsMissingValues)
        }
        // A value past float32's range (1e308) became inf after robust-z and was written out.
        try table.requireFinite(allowingNaN: pipeline.acceptsMissingValues)
        var result = try pipeline.apply(to: table)
        if by == "treatment" {
            result = try Aggregation(keys: Aggregation.treatmentKeys, method: aggregation).apply(to: result)
        }
        let outURL = URL(fileURLWithPath: out)
        if outURL.pathExtension.lowercased() == "parquet" {
            try ParquetWriter.write(result, to: outURL)
        } else {
            try result.write(to: outURL)
        }
        if !quiet {
            FileHandle.standardError.write(Data(
                "\(table.rowCount) rows x \(table.featureCount) features -> \(result.rowCount) \(by) profiles x \(result.featureCount) features in \(out)\n".utf8))
        }
    }
}
