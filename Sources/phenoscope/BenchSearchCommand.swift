import ArgumentParser
import Foundation
import Search
import Tensor

/// `phenoscope bench search`: exact and HNSW search against faiss-cpu on the same vectors.
///
/// Makes `n` clustered random vectors (seeded), normalized so cosine = inner product, and
/// `queries` more from the same distribution; measures queries/s of our exact index and of
/// HNSW (with recall@k against exact), then runs faiss's IndexFlatIP and IndexHNSWFlat with
/// the same M, efConstruction, efSearch and thread count in the same run, and prints ratios.
struct BenchSearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Exact and HNSW search speed and recall, against faiss-cpu in the same run."
    )

    @Option(help: "Vectors in the index.") var n = 1_000_000
    @Option(help: "Dimensions.") var dim = 128
    @Option(help: "Queries.") var queries = 1000
    @Option(help: "Neighbours per query.") var k = 10
    @Option(help: "HNSW links per node.") var m = 16
    @Option(help: "HNSW efConstruction.") var efConstruction = 40
    @Option(help: "HNSW efSearch.") var efSearch = 64
    @Option(help: "Seed for the data and the graph.") var seed: UInt64 = 1
    @Option(help: "Timed passes over the queries; the fastest counts (the machine is shared).") var repeats = 5
    @Option(help: "Python with faiss-cpu (skipped if it cannot import faiss).") var python = "python3"
    @Flag(help: "Print one JSON object on standard output.") var json = false
    @Flag(help: "No progress output.") var quiet = false

    func run() throws {
        var rng = SeededRandom(seed: seed)
        let clusters = max(1, n / 1000)
        func gaussian() -> Float {
            let u1 = max(rng.uniformDouble(), 1e-12), u2 = rng.uniformDouble()
            return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
        }
        let centres = (0..<clusters * dim).map { _ in gaussian() }
        func sample(_ count: Int) -> [Float] {
            var out = [Float](repeating: 0, count: count * dim)
            for i in 0..<count {
                let c = Int(rng.next() % UInt64(clusters))
                var norm: Float = 0
                for j in 0..<dim {
                    let v = centres[c * dim + j] + 0.5 * gaussian()
                    out[i * dim + j] = v; norm += v * v
                }
                norm = norm.squareRoot()
                for j in 0..<dim { out[i * dim + j] /= norm }
            }
            return out
        }
        Log.info("bench search: making \(n) x \(dim) vectors and \(queries) queries", quiet: quiet)
        let data = sample(n), qs = sample(queries)
        let queryRows = (0..<queries).map { Array(qs[$0 * dim ..< ($0 + 1) * dim]) }

        var exact = ExactIndex(dimension: dim, metric: .innerProduct)
        for i in 0..<n { _ = try exact.add(Array(data[i * dim ..< (i + 1) * dim])) }
        let (truth, exactQPS) = try timed { try exact.search(queryRows, k: k) }
        Log.info(String(format: "exact: %.0f queries/s", exactQPS), quiet: quiet)

        var hnsw = HNSWIndex(dimension: dim, metric: .innerProduct,
                             parameters: .init(m: m, efConstruction: efConstruction, efSearch: efSearch, seed: seed))
        let progress = ProgressLine("hnsw build", total: n, quiet: quiet)
        var t = Date()
        try hnsw.add(rows: data) { done in if done % 1000 == 0 { progress.advance(by: 1000) } }
        progress.finish()
        let buildSeconds = Date().timeIntervalSince(t)
        let (approx, hnswQPS) = try timed { try hnsw.search(queryRows, k: k) }
        let recall = Double(zip(truth, approx).map { Set($0.map(\.id)).intersection($1.map(\.id)).count }.reduce(0, +))
            / Double(queries * k)
        Log.info(String(format: "hnsw: build %.1fs, %.0f queries/s, recall@%d %.4f", buildSeconds, hnswQPS, k, recall), quiet: quiet)

        var result: [String: Any] = [
            "n": n, "dim": dim, "queries": queries, "repeats": repeats, "k": k, "m": m, "ef_construction": efConstruction, "ef_search": efSearch,
            "exact_queries_per_s": exactQPS, "hnsw_queries_per_s": hnswQPS, "hnsw_build_s": buildSeconds,
            "hnsw_recall_at_k": recall,
        ]
        if let faiss = try runFaiss(data: data, queries: qs) {
            for (key, value) in faiss { result["faiss_" + key] = value }
            if let f = faiss["flat_queries_per_s"] as? Double { result["exact_speed_ratio"] = exactQPS / f }
            if let f = faiss["hnsw_queries_per_s"] as? Double { result["hnsw_speed_ratio"] = hnswQPS / f }
            if let f = faiss["hnsw_build_s"] as? Double { result["hnsw_build_speed_ratio"] = f / buildSeconds }
        } else {
            result["faiss"] = "skipped: \(python) cannot import faiss (pip install faiss-cpu)"
        }
        if json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
        } else {
            for key in result.keys.sorted() { print("\(key): \(result[key]!)") }
        }
    }

    /// Runs `body` `repeats` times; its result and the queries/s of the fastest pass.
    func timed<R>(_ body: () throws -> R) rethrows -> (R, Double) {
        var best = Double.infinity
        var result: R?
        for _ in 0..<max(1, repeats) {
            let t = Date()
            result = try body()
            best = min(best, Date().timeIntervalSince(t))
        }
        return (result!, Double(queries) / best)
    }

    /// Runs scripts/reference/bench_faiss.py on the same vectors; nil if faiss is unavailable.
    func runFaiss(data: [Float], queries qs: [Float]) throws -> [String: Any]? {
        guard ReferenceScript.available("bench_faiss.py", modules: ["faiss", "numpy"], python: python) else { return nil }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bench-search-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        try NPYArray(float32: data, shape: [n, dim]).write(to: dir.appendingPathComponent("data.npy"))
        try NPYArray(float32: qs, shape: [queries, dim]).write(to: dir.appendingPathComponent("queries.npy"))
        Log.info("faiss: running on the same vectors", quiet: quiet)
        return try ReferenceScript.runJSON("bench_faiss.py", [dir.path, "\(k)", "\(m)", "\(efConstruction)", "\(efSearch)", "2", "\(repeats)"],
                                           python: python)
    }
}
