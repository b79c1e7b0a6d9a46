import Foundation
import Imaging
import Screen
import Search
import Workflow
import XCTest
@testable import Server

/// `POST /api/search/image` end to end: a run builds a classical and a learned-embedding
/// index (one site per well, so a well index is a site index); one of the run's own sites,
/// uploaded as one file per channel (multipart) or as one multi-page TIFF, comes back as its
/// own top hit at similarity >= 0.99, with cells, a thumbnail link and an MoA vote.
final class ImageSearchTests: XCTestCase {
    static let run: Result<ScreenRun, Error> = Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("imagesearch-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "method: simclr\narch: cnn4\nbatch_size: 16\nepochs: 1\ncells_per_epoch: 32\neval_every: 0\nseed: 2\n"
            .write(to: dir.appendingPathComponent("train.yaml"), atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("run.yaml")
        try """
        name: s
        screen:
          synthetic: {plates: 2, plates_per_batch: 1, sites: 1, width: 96, height: 96, seed: 7}
        segmentation: {method: classic}
        features: {families: [intensity, shape], texture_scales: [3]}
        crops: {enabled: true, size: 24, shard_size: 64}
        evaluation: {null_size: 20, classifiers: false}
        embedding: {enabled: true, train: train.yaml, batch_size: 50}
        """.write(to: config, atomically: true, encoding: .utf8)
        let run = try ScreenRun(configURL: config)
        try run.run()
        return run
    }

    func check(index name: String) async throws {
        let run = try Self.run.get()
        var configuration = ServerConfiguration(indexURL: run.layout.index(name))
        configuration.port = 0
        configuration.manifestURL = run.layout.syntheticManifest
        let service = try SearchService(configuration: configuration)
        let manifest = try Manifest.load(run.layout.syntheticManifest)
        let snapshot = await service.snapshot()
        let indexed = Set((0..<snapshot.index.metadata.count).map { snapshot.index.metadata.value($0, "Metadata_Well") ?? "" })
        let plate = manifest.rows[0].plate
        let rows = manifest.rows.filter { $0.plate == plate && indexed.contains($0.well.description) && $0.compound != "DMSO" }.prefix(2)
        XCTAssertEqual(rows.count, 2)
        try await TestServer.with(service) { client in
            for row in rows {
                let urls = try manifest.channels.map { try XCTUnwrap(manifest.imageURL(row, channel: $0)) }
                // One file per channel, named as in the manifest.
                let form = MultipartForm(parts: try zip(manifest.channels, urls).map { channel, url in
                    .init(name: channel, filename: "\(row.well)_\(channel).tif", bytes: Array(try Data(contentsOf: url)))
                }).encoded()
                // One TIFF, a page per channel in the recipe's order.
                for (body, type) in [(form.body, form.contentType), (try tiffStack(row, manifest), "image/tiff")] {
                    let r = try await client.send("POST", "/api/search/image?k=3&plate=\(row.plate)", raw: body, headers: ["Content-Type": type])
                    XCTAssertEqual(r.status, 200, r.text)
                    let results = try XCTUnwrap(r.json["results"] as? [[String: Any]])
                    let top = try XCTUnwrap(results.first)
                    let fields = try XCTUnwrap(top["fields"] as? [String: String])
                    XCTAssertEqual(fields["Metadata_Well"], row.well.description, "\(name) \(type)")
                    XCTAssertEqual(fields["Metadata_Plate"], row.plate)
                    XCTAssertGreaterThanOrEqual(top["score"] as? Double ?? 0, 0.99, "\(name) \(type)")
                    XCTAssertGreaterThan(r.json["cells"] as? Int ?? 0, 0)
                    XCTAssertNotNil((r.json["moa"] as? [String: Any])?["novel"] as? Bool)
                    let thumbnail = try XCTUnwrap(top["thumbnail"] as? String)
                    let png = try await client.send("GET", thumbnail)
                    XCTAssertEqual(png.status, 200)
                }
            }
            // A channel left out is named, with what the recipe needs.
            let row = rows[rows.startIndex]
            let partial = MultipartForm(parts: try manifest.channels.dropFirst().map { channel in
                .init(name: channel, filename: "\(channel).tif", bytes: Array(try Data(contentsOf: XCTUnwrap(manifest.imageURL(row, channel: channel)))))
            }).encoded()
            let r = try await client.send("POST", "/api/search/image", raw: partial.body, headers: ["Content-Type": partial.contentType])
            XCTAssertEqual(r.status, 422)
            XCTAssertTrue((r.json["error"] as? String ?? "").contains("missing \(manifest.channels[0])"), r.text)
            let unknownPlate = try await client.send("POST", "/api/search/image?plate=Nope", raw: tiffStack(row, manifest), headers: ["Content-Type": "image/tiff"])
            XCTAssertEqual(unknownPlate.status, 422, unknownPlate.text)
        }
    }

    /// The site's channels as one multi-page TIFF, in manifest order.
    func tiffStack(_ row: ManifestRow, _ manifest: Manifest) throws -> [UInt8] {
        let stack = FileManager.default.temporaryDirectory.appendingPathComponent("stack-\(UUID()).tif")
        defer { try? FileManager.default.removeItem(at: stack) }
        try TIFFWriter.write(try manifest.channels.map { try TIFFReader.readUInt16(XCTUnwrap(manifest.imageURL(row, channel: $0))) }, to: stack)
        return Array(try Data(contentsOf: stack))
    }

    func testClassicalIndexByUpload() async throws { try await check(index: "wells") }

    func testLearnedEmbeddingIndexByUpload() async throws { try await check(index: "wells_embedding") }
}
