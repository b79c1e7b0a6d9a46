import ArgumentParser
import Core
import Foundation
import Profiling
import Screen
import Search
import Tensor
import Workflow

/// `phenoscope index build`: a search index over embeddings or profiles.
///
/// Vectors come from a `.npy` (rows = items); metadata, when given, is a CSV with one row
/// per vector in the same order (e.g. the metadata CSV `embed` writes, or a profiles table's
/// `Metadata_*` columns), and becomes filterable fields of each item. Alternatively
/// `--profiles P.csv` takes both from one profiles table (`Metadata_*` columns become the
/// item fields, every other column a vector dimension), e.g. `profiles/wells_normalized.csv`
/// of a `phenoscope run`.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build a vector search index.",
        subcommands: [Build.self]
    )

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Build an exact or HNSW index from a .npy of vectors.")

        @Option(help: "Vectors: .npy, shape (items, dims), float32/float64/float16.")
        var vectors: String?
        @Option(help: "A profiles CSV instead of --vectors/--metadata: Metadata_* columns are the fields, the rest the vector.")
        var profiles: String?
        @Option(help: "Per-item metadata CSV, one row per vector, in order.")
        var metadata: String?
        @Option(help: "exact or hnsw.")
        var kind: SearchIndex.Kind = .hnsw
        @Option(help: "cosine, ip (inner product) or l2.")
        var metric: Metric = .cosine
        @Option(help: "HNSW links per node.")
        var m = 16
        @Option(help: "HNSW beam width while building.")
        var efConstruction = 40
        @Option(help: "HNSW default beam width while searching.")
        var efSearch = 16
        @Option(help: "Seed for HNSW level assignment.")
        var seed: UInt64 = 42
        @Option(help: "Index folder to write.")
        var out: String
        @Flag(help: "No progress output.")
        var quiet = false

        func validate() throws {
            guard (vectors == nil) != (profiles == nil) else { throw ValidationError("give exactly one of --vectors or --profiles") }
            guard profiles == nil || metadata == nil else { throw ValidationError("--metadata goes with --vectors; a profiles table carries its own") }
        }

        func run() throws {
            let parameters = HNSWIndex.Parameters(m: m, efConstruction: efConstruction, efSearch: efSearch, seed: seed)
            let index: SearchIndex
            var progress: ProgressLine?
            if let profiles {
                let table = try ProfileTable(contentsOf: URL(fileURLWithPath: profiles))
                progress = ProgressLine("index", total: table.rowCount, quiet: quiet)
                index = try IndexBuilder.index(profiles: table, kind: kind, metric: metric, hnsw: parameters) { progress?.advance() }
            } else {
                let vectors = self.vectors!
                let array = try NPYArray.read(URL(fileURLWithPath: vectors))
                guard array.shape.count == 2, array.shape[0] > 0, array.shape[1] > 0 else {
                    throw ValidationError("\(vectors): expected a 2-d array (items, dims), got shape \(array.shape)")
                }
                let n = array.shape[0]
                var columns: [String] = [], rows: [[String]] = []
                if let metadata {
                    let table = try CSVTable(contentsOf: URL(fileURLWithPath: metadata))
                    guard table.rows.count == n else {
                        throw ValidationError("\(metadata): \(table.rows.count) rows, expected \(n) (one per vector in \(vectors))")
                    }
                    (columns, rows) = (table.header, table.rows)
                }
                progress = ProgressLine("index", total: n, quiet: quiet)
                index = try IndexBuilder.index(kind: kind, metric: metric, hnsw: parameters, vectors: array.floats(), count: n, dimension: array.shape[1],
                                       columns: columns, rows: rows, source: vectors) { progress?.advance() }
            }
            progress?.finish()
            try index.save(to: URL(fileURLWithPath: out))
            Log.info("wrote \(out): \(kind.rawValue) index, \(index.index.count) x \(index.index.dimension), \(metric.rawValue)", quiet: quiet)
        }
    }
}

extension SearchIndex.Kind: ExpressibleByArgument {}
extension Metric: ExpressibleByArgument {}
