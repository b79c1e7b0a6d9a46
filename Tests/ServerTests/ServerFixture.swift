import Core
import Foundation
import Hummingbird
import Imaging
import Screen
import Search
@testable import Server

/// A small screen on disk for the server tests: 2 plates x 12 wells x 1 site, two-channel
/// TIFFs, a manifest, a catalog, and an HNSW index of one 8-d vector per well whose MoA
/// clusters are well separated (DMSO, A, B, C).
struct ServerFixture {
    let directory: URL
    var configuration: ServerConfiguration
    static let apiKey = "test-key-0123"

    init(apiKey: String? = ServerFixture.apiKey, openReads: Bool = true) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var rng = SeededRandom(seed: 3)
        var index = SearchIndex(kind: .hnsw, dimension: 8, metadataColumns:
            ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "Metadata_Compound", "Metadata_MoA"])
        var rows: [ManifestRow] = []
        let moas = ["DMSO", "A", "B", "C"]
        for p in 0..<2 {
            for w in 0..<12 {
                let m = w % 4
                let compound = m == 0 ? "DMSO" : "\(moas[m])-\(w / 4)"
                let well = WellPosition(row: w / 6, column: w % 6 + 1)
                var v = (0..<8).map { _ in Float(rng.uniformDouble() - 0.5) * 0.3 }
                v[m] += 2
                _ = try index.add(v, fields: ["Metadata_Plate": "P\(p)", "Metadata_Well": well.description, "Metadata_Site": "1",
                                              "Metadata_Compound": compound, "Metadata_MoA": moas[m]])
                var images: [String: String] = [:]
                for (c, channel) in ["DNA", "Actin"].enumerated() {
                    let name = "P\(p)_\(well)_\(channel).tif"
                    let pixels = (0..<(48 * 40)).map { UInt16(($0 * (c + 1) * 37 + w * 101) % 4096) }
                    try TIFFWriter.write(Image(width: 48, height: 40, pixels: pixels), to: directory.appendingPathComponent(name))
                    images[channel] = name
                }
                rows.append(ManifestRow(plate: "P\(p)", well: well, site: 1, batch: "B\(p)", compound: compound,
                                        concentration: "1", moa: moas[m], images: images))
            }
        }
        let manifest = Manifest(channels: ["DNA", "Actin"], rows: rows, baseDirectory: directory)
        try manifest.write(to: directory.appendingPathComponent("manifest.csv"))
        let catalog = try Catalog(url: directory.appendingPathComponent("catalog.sqlite"))
        try catalog.load(manifest)
        try index.save(to: directory.appendingPathComponent("index"))
        configuration = ServerConfiguration(indexURL: directory.appendingPathComponent("index"))
        configuration.catalogURL = directory.appendingPathComponent("catalog.sqlite")
        configuration.manifestURL = directory.appendingPathComponent("manifest.csv")
        configuration.apiKey = apiKey
        configuration.openReads = openReads
        configuration.port = 0
        configuration.maxJSONBytes = 64 * 1024
        configuration.maxUploadBytes = 256 * 1024
    }

    func service() throws -> (SearchService, RequestMetrics) {
        (try SearchService(configuration: configuration), RequestMetrics())
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// A real server on a free loopback port for the duration of `body`, and a client for it.
struct TestServer {
    let port: Int

    static func with(_ service: SearchService, _ metrics: RequestMetrics = RequestMetrics(),
                     _ body: (TestServer) async throws -> Void) async throws {
        let bound = BoundPort()
        let app = SearchServer.application(service: service, metrics: metrics, quiet: true) { bound.set($0) }
        let task = Task { try await app.run() }
        defer { task.cancel() }
        try await body(TestServer(port: try await bound.wait()))
    }

    /// Sends one request on a fresh connection, on a thread of its own so the blocking socket
    /// never holds one of the concurrency pool's threads that the server needs.
    func send(_ method: String, _ path: String, json: Any? = nil, raw: [UInt8]? = nil, key: String? = nil,
              headers: [String: String] = [:]) async throws -> LoopbackHTTPClient.Response {
        var merged = headers
        if let key { merged["X-API-Key"] = key }
        let h = merged
        let body = try json.map { Array(try JSONSerialization.data(withJSONObject: $0)) } ?? raw
        let port = self.port
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try LoopbackHTTPClient(port: port).send(method: method, path: path, headers: h, body: body) })
            }
        }
    }
}
