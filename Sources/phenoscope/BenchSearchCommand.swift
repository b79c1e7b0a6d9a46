import ArgumentParser
import Core
import Foundation
import Search
import Tensor

/// `phenoscope bench search`: exact and HNSW search against faiss-cpu on the same vectors.
///
/// Makes `n` clustered random vectors (seeded), normalized so cosine = inner product, and
/// `queries` more from the same distribution; measures queries/s of our exact index and of
/// HNSW (with recall@k against exact), then runs faiss's IndexFlatIP and IndexHNSWFlat with
/// the same M, efConstruction, efSearch and thread count in the same run, and prints ratios.
/// Several `--ef-search` values trace recall against speed on one graph per side.
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
    @Option(parsing: .upToNextOption,
            help: "HNSW efSearch; each value is measured on the same graph, the first fills the top-level keys.")
    var efSearch: [Int] = [64]
    @Option(parsing: .unconditional, help: "Seed for the data and the graph.") var seed: UInt64 = 1
    @Option(help: "Threads building the HNSW graph, ours and faiss's (the graph is the same on any count).") var threads = 2
    @Option(help: "Timed passes over the queries; the fastest counts (the machine is shared).") var repeats = 5
    @Option(help: "Python with faiss-cpu (skipped if it cannot import faiss).") var python = "python3"
    @Flag(help: "Print one JSON object on standard output.") var json = false
    @Flag(help: "No progress output.") var quiet = false

    func validate() throws {
        guard (1...64).contains(threads) else { throw ValidationError("--threads: expected 1...64, got \(threads)") }
        guard !efSearch.isEmpty, efSearch.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--ef-search: expected one or more values >= 1, got \(efSearch)")
        }
    }

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
        _ = try exact.add(rows: data)
        let (truth, exactQPS) = try timed { try exact.search(queryRows, k: k) }
        Log.info(String(format: "exact: %.0f queries/s", exactQPS), quiet: quiet)

        var hnsw = HNSWIndex(dimension: dim, metric: .innerProduct,
                             parameters: .init(m: m, efConstruction: efConstruction, efSearch: efSearch[0], seed: seed))
        let progress = ProgressLine("hnsw build", total: n, quiet: quiet)
        let t = Date()
        try hnsw.add(rows: data, threads: threads) { done in if done % 1000 == 0 { progress.advance(by: 1000) } }
        progress.finish()
        let buildSeconds = Date().timeIntervalSince(t)
        Log.info(String(format: "hnsw: build %.1fs", buildSeconds), quiet: quiet)
        var sweep: [[String: Any]] = []
        for ef in efSearch {
            let (approx, qps) = try timed { try hnsw.search(queryRows, k: k, ef: ef) }
            let recall = Double(zip(truth, approx).map { Set($0.map(\.id)).intersection($1.map(\.id)).count }.reduce(0, +))
                / Double(queries * k)
            Log.info(String(format: "hnsw ef %d: %.0f queries/s, recall@%d %.4f", ef, qps, k, recall), quiet: quiet)
            sweep.append(["ef_search": ef, "hnsw_queries_per_s": qps, "hnsw_recall_at_k": recall])
        }

        var result: [String: Any] = [
            "n": n, "dim": dim, "queries": queries, "repeats": repeats, "k": k, "m": m, "ef_construction": efConstruction,
            "ef_search": efSearch[0], "exact_queries_per_s": exactQPS, "hnsw_queries_per_s": sweep[0]["hnsw_queries_per_s"]!,
            "hnsw_build_s": buildSeconds, "hnsw_build_threads": threads, "hnsw_recall_at_k": sweep[0]["hnsw_recall_at_k"]!,
        ]
        if var faiss = try runFaiss(data: data, queries: qs) {
            let faissSweep = faiss.removeValue(forKey: "sweep") as? [[String: Any]] ?? []
            for (key, value) in faiss { result["faiss_" + key] = value }
            if let f = faiss["flat_queries_per_s"] as? Double { result["exact_speed_ratio"] = exactQPS / f }
            if let f = faiss["hnsw_queries_per_s"] as? Double { result["hnsw_speed_ratio"] = (sweep[0]["hnsw_queries_per_s"] as! Double) / f }
            if let f = faiss["hnsw_build_s"] as? Double { result["hnsw_build_speed_ratio"] = f / buildSeconds }
            for (i, theirs) in faissSweep.enumerated() where i < sweep.count {
                guard let q = theirs["hnsw_queries_per_s"] as? Double, let r = theirs["hnsw_recall_at_k"] as? Double else { continue }
                sweep[i]["faiss_hnsw_queries_per_s"] = q
                sweep[i]["faiss_hnsw_recall_at_k"] = r
                sweep[i]["hnsw_speed_ratio"] = (sweep[i]["hnsw_queries_per_s"] as! Double) / q
            }
        } else {
            result["faiss"] = "skipped: \(python) cannot import faiss (pip install faiss-cpu)"
        }
        result["sweep"] = sweep
        if json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
        } else {
            for key in result.keys.sorted() { print("\(key): \(result[key]!)") }
        }
    }

    /// Runs `body` `repeats` times; its result and the queries/s of the fastest pass.
    func timed<R>(_ body: () throws -> R) rethrows -> (R, Double) {
        let (result, seconds) = try fastestRun(repeats: repeats) { _ in try body() }
        return (result, Double(queries) / seconds)
    }

    /// Runs scripts/reference/bench_faiss.py on the same vectors; nil if faiss is unavailable.
    func runFaiss(data: [Float], queries qs: [Float]) throws -> [String: Any]? {
        guard ReferenceScript.available("bench_faiss.py", modules: ["faiss", "numpy"], python: python) else { return nil }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bench-search-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        try NPYArray(float32: data, shape: [n, dim]).write(to: dir.appendingPathComponent("data.npy"))
        try NPYArray(float32: qs, shape: [queries, dim]).write(to: dir.appendingPathComponent("queries.npy"))
        Log.info("faiss: running on the same vectors", quiet: quiet)
        return try ReferenceScript.runJSON("bench_faiss.py", [dir.path, "\(k)", "\(m)", "\(efConstruction)", efSearch.map(String.init).joined(separator: ","), "\(threads)", "\(repeats)"],
                                           python: python)
    }
}
