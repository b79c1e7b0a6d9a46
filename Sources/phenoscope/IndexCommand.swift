import ArgumentParser
import Core
import Foundation
import Profiling
import Screen
import Search
import Server
import Workflow

/// `phenoscope index build`: a search index over embeddings or profiles.
///
/// Vectors come from a `.npy` (rows = items); metadata, when given, is a CSV with one row
/// per vector in the same order (e.g. the metadata CSV `embed` writes, or a profiles table's
/// `Metadata_*` columns), and becomes filterable fields of each item. Alternatively
/// `--profiles P.csv` takes both from one profiles table (`Metadata_*` columns become the
/// item fields, every other column a vector dimension), e.g. `profiles/wells_normalized.csv`
/// of a `phenoscope run` or `profile`'s output from a CellProfiler import; features that are
/// NaN in some profile are left out, and named on stderr.
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
        @Option(parsing: .unconditional, help: "Seed for HNSW level assignment.")
        var seed: UInt64 = 42
        @Option(help: "Index folder to write.")
        var out: String
        @Flag(help: "No progress output.")
        var quiet = false

        func validate() throws {
            guard (vectors == nil) != (profiles == nil) else { throw ValidationError("give exactly one of --vectors or --profiles") }
            guard profiles == nil || metadata == nil else { throw ValidationError("--metadata goes with --vectors; a profiles table carries its own") }
            do {
                try HNSWIndex.Parameters(m: m, efConstruction: efConstruction, efSearch: efSearch, seed: seed).validate()
            } catch let e as IndexError {
                throw ValidationError("--m/--ef-construction/--ef-search: \(e.message)")
            }
        }

        func run() throws {
            let parameters = HNSWIndex.Parameters(m: m, efConstruction: efConstruction, efSearch: efSearch, seed: seed)
            let index: SearchIndex
            var progress: ProgressLine?
            if let profiles {
                // Well profiles of CellProfiler tables may hold NaN (a measurement undefined in a
                // whole well); similarity needs every value, so those features are left out, named.
                let (table, leftOut) = try ProfileTable(contentsOf: URL(fileURLWithPath: profiles), allowMissing: true).droppingFeaturesWithNaN()
                guard table.featureCount > 0 else { throw ValidationError("\(profiles): every feature is NaN in some profile; nothing left to index") }
                if !leftOut.isEmpty {
                    Log.info("left out \(leftOut.count) feature(s) NaN in some profile: \(leftOut.joined(separator: ", "))", quiet: quiet)
                }
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
                    do { try ItemMetadata.checkColumns(table.header) } catch { throw ValidationError("\(metadata): \(error)") }
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

/// `phenoscope search`: nearest neighbours from an index, by item id or by query vectors.
///
/// Filters select candidates by metadata (`Metadata_Batch=Week1`, `Metadata_Compound!=$query`,
/// `!tag:bad`; see `ItemFilter`). `--out R.npy` writes the neighbour ids as int64, one row per
/// query, best first (-1 where fewer than k candidates passed the filter).
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Find the nearest items in an index."
    )

    @Option(help: "Index folder (from `phenoscope index build`).")
    var index: String
    @Option(parsing: .unconditional, help: "Query by the id of an indexed item (it is excluded from its own results).")
    var id: Int?
    @Option(help: "Query vectors: .npy, shape (queries, dims).")
    var queries: String?
    @Option(help: "Query by one site's images (repeatable): a multi-page TIFF, or one PNG/TIFF per channel named after its channel.")
    var image: [String] = []
    @Option(help: "With --image: the plate whose DMSO scaling normalizes the site (default: the recipe's reference plate).")
    var plate: String?
    @Option(parsing: .unconditional, help: "Neighbours per query (at most the index's item count is used).")
    var k = 10
    @Option(parsing: .unconditional, help: "HNSW beam width (default: the index's).")
    var ef: Int?
    @Option(help: "Metadata filter, repeatable (all must hold): Field=v, Field!=v, Field!=$query, tag:w, !tag:w.")
    var filter: [String] = []
    @Flag(help: "Print one JSON object with the results on standard output.")
    var json = false
    @Option(help: "Write neighbour ids (int64, queries x k) to this .npy.")
    var out: String?

    func validate() throws {
        guard [id != nil, queries != nil, !image.isEmpty].filter({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --id, --queries or --image")
        }
        guard plate == nil || !image.isEmpty else { throw ValidationError("--plate goes with --image") }
        // These options parse `.unconditional`, so a negative value reaches these checks
        // instead of being taken for a flag ("Missing value for '--id'").
        if let id, id < 0 { throw ValidationError("--id: \(id); expected an item id, 0 to the index's item count - 1") }
        guard k >= 1 else { throw ValidationError("--k: \(k); expected at least 1") }
        if let ef, ef < 1 { throw ValidationError("--ef: \(ef); expected at least 1") }
    }

    func run() throws {
        let idx = try SearchIndex.open(URL(fileURLWithPath: index))
        // At most as many neighbours as items: a huge --k must not size the --out array.
        let k = min(self.k, max(idx.index.count, 1))
        let f = filter.isEmpty ? nil : try ItemFilter(filter)
        if !image.isEmpty { return try searchImage(idx, filter: f) }
        let results: [[SearchHit]]
        if let id {
            results = [try idx.search(id: id, k: k, filter: f, ef: ef)]
        } else {
            let q = try NPYArray.read(URL(fileURLWithPath: queries!))
            guard q.shape.count == 2, q.shape[1] == idx.index.dimension else {
                throw ValidationError("\(queries!): shape \(q.shape), expected (queries, \(idx.index.dimension))")
            }
            let flat = q.floats()
            let d = q.shape[1]
            results = try idx.search(vectors: (0..<q.shape[0]).map { Array(flat[$0 * d ..< ($0 + 1) * d]) }, k: k, filter: f, ef: ef)
        }
        if let out {
            var ids = [Int64](repeating: -1, count: results.count * k)
            for (qi, hits) in results.enumerated() { for (j, h) in hits.enumerated() { ids[qi * k + j] = Int64(h.id) } }
            try NPYArray(int64: ids, shape: [results.count, k]).write(to: URL(fileURLWithPath: out))
        }
        if json {
            let obj: [String: Any] = ["k": k, "results": results.map { hits in
                hits.map { h -> [String: Any] in
                    var item: [String: Any] = ["id": h.id, "score": Double(h.score)]
                    item["metadata"] = idx.metadata.fields(h.id)
                    return item
                }
            }]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self))
        } else if out == nil || id != nil {
            for (qi, hits) in results.enumerated() {
                print("query \(id.map(String.init) ?? String(qi)):")
                for h in hits {
                    let meta = idx.metadata.columns.isEmpty ? "" : "  " + idx.metadata.columns.compactMap { c in
                        idx.metadata.value(h.id, c).map { "\(c)=\($0)" } }.joined(separator: " ")
                    print(String(format: "  %8d  %.4f", h.id, h.score) + meta)
                }
            }
        }
    }

    /// The query by image: profile the site by the recipe, then neighbours and the MoA vote.
    func searchImage(_ idx: SearchIndex, filter: ItemFilter?) throws {
        let url = URL(fileURLWithPath: index)
        guard let recipe = try ProfileRecipe.load(index: url) else {
            throw ValidationError("\(index): this index has no recipe (\(ProfileRecipe.fileName)); it was built from bare vectors, so it cannot be queried by image (use --id or --queries)")
        }
        let files = try image.map { path in
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("--image \(path): cannot read the file") }
            return SiteImages.File(name: URL(fileURLWithPath: path).lastPathComponent, bytes: Array(data))
        }
        let planes = try SiteImages.assign(files, channels: recipe.channels)
        let novelty = NoveltyCalibration.preferring(ServerConfiguration(indexURL: url).noveltyReference, in: idx, percentile: 5)
        let query = SiteQuery(k: k, plate: plate, filter: filter, novelty: novelty)
        let answer = try query.run(planes, profiler: SiteProfiler(recipe: recipe), index: idx)
        if json {
            print(String(decoding: try ImageSearchResponse(answer, query: query, recipe: recipe, index: idx).json(), as: UTF8.self))
            return
        }
        print("site: \(answer.profile.cells.count) cells; \(recipe.features.count)-d profile" + (answer.profile.plate.map { ", normalized against plate \($0)" } ?? ""))
        for h in answer.hits {
            let meta = idx.metadata.columns.compactMap { c in idx.metadata.value(h.id, c).map { "\(c)=\($0)" } }.joined(separator: " ")
            print(String(format: "  %8d  %.4f  ", h.id, h.score) + meta)
        }
        if let v = answer.vote {
            print("MoA vote: \(v.label ?? "none") (confidence \(String(format: "%.2f", v.confidence)))\(v.novel ? ", novel" : "")")
        }
    }
}
