import ArgumentParser
import Core
import Foundation
import Learning
import Profiling
import Tensor

/// `phenoscope bench umap`: our UMAP against umap-learn on the same data, same parameters:
/// wall time of both and trustworthiness (k = 15) of both embeddings.
struct BenchUMAPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "umap",
        abstract: "UMAP time and trustworthiness against umap-learn in the same run."
    )

    @Option(help: "Data: .npy (rows x features). Default: the digits fixture used by the tests.")
    var data: String?
    @Option(help: "Neighbours.") var neighbors = 15
    @Option(help: "Minimum distance.") var minDist: Float = 0.1
    @Option(help: "Trustworthiness is computed on the first N rows of each embedding (it is O(N^2)).")
    var trustRows = 3000
    @Option(parsing: .unconditional, help: "Seed.") var seed: UInt64 = 42
    @Flag(help: "Print one JSON object on standard output.") var json = false

    func run() throws {
        let path = data ?? ReferenceScript.url("../../Tests/ProfilingTests/Fixtures/umap/digits.npy").standardizedFileURL.path
        let x = try NPYArray.read(URL(fileURLWithPath: path))
        guard x.shape.count == 2 else { throw ValidationError("\(path): expected a 2-d array, got shape \(x.shape)") }
        let (n, d) = (x.shape[0], x.shape[1])
        let values = x.floats()
        var umap = UMAP()
        umap.neighbors = neighbors; umap.minDist = minDist; umap.seed = seed
        // CPU seconds as well as wall: on a shared machine wall time mostly measures the neighbours.
        let cpuStart = ProcessCPUTime.seconds()
        let start = Date()
        var stages: [String: Double] = [:]
        let y = umap.fit(values, count: n, dimension: d) { stages[$0] = $1 }
        let seconds = Date().timeIntervalSince(start)
        let cpu = ProcessCPUTime.seconds() - cpuStart
        let m = min(trustRows, n)
        let trust = Trustworthiness.score(original: Array(values.prefix(m * d)), dimension: d,
                                          embedded: Array(y.prefix(m * 2)), embeddedDimension: 2, count: m, k: 15)
        var result: [String: Any] = ["n": n, "dim": d, "seconds": seconds, "trustworthiness": trust,
                                     "stage_seconds": stages, "trust_rows": m, "cpu_seconds": cpu]
        if ReferenceScript.available("bench_umap.py", modules: ["umap", "sklearn"]) {
            let ref = try ReferenceScript.runJSON("bench_umap.py", [path, "\(neighbors)", "\(minDist)", "\(trustRows)"])
            result["umap_learn_seconds"] = ref["seconds"]
            result["umap_learn_trustworthiness"] = ref["trustworthiness"]
            result["umap_learn_cpu_seconds"] = ref["cpu_seconds"]
            if let s = ref["seconds"] as? Double { result["speed_ratio"] = s / seconds }
            if let s = ref["cpu_seconds"] as? Double { result["cpu_ratio"] = s / cpu }
            if let t = ref["trustworthiness"] as? Double { result["trustworthiness_difference"] = trust - t }
        } else {
            result["umap_learn"] = "skipped: python3 cannot import umap (pip install umap-learn)"
        }
        if json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
        } else {
            for key in result.keys.sorted() { print("\(key): \(result[key]!)") }
        }
    }
}
