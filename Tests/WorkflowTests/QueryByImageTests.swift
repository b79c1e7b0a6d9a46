import Foundation
import Imaging
import Screen
import Search
import XCTest
@testable import Workflow

/// A query by image is computed as the index's items were: one run builds a classical and
/// a learned-embedding index (one site per well, so the well index is a site index); a site
/// of the run's own screen, profiled through the recipe beside each index, comes back as its
/// own top hit with similarity >= 0.99.
final class QueryByImageTests: XCTestCase {
    /// The run both tests use (made once; a few minutes in a debug build).
    static let run: Result<ScreenRun, Error> = Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("querybyimage-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try """
        method: simclr
        arch: cnn4
        batch_size: 16
        epochs: 1
        cells_per_epoch: 32
        eval_every: 0
        seed: 2
        """.write(to: dir.appendingPathComponent("train.yaml"), atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("run.yaml")
        try """
        name: q
        screen:
          synthetic: {plates: 2, plates_per_batch: 1, sites: 1, width: 128, height: 128, seed: 5}
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

    /// Each site of the screen's first plate that the index holds, with its planes.
    func sites(_ run: ScreenRun, index: SearchIndex) throws -> [(row: ManifestRow, planes: [String: Image<Float>])] {
        let manifest = try Manifest.load(run.layout.syntheticManifest)
        let indexed = Set((0..<index.metadata.count).map { "\(index.metadata.value($0, "Metadata_Plate") ?? "")/\(index.metadata.value($0, "Metadata_Well") ?? "")" })
        let plate = manifest.rows[0].plate
        return try manifest.rows.filter { $0.plate == plate && indexed.contains("\($0.plate)/\($0.well)") }.prefix(6).map { row in
            var planes: [String: Image<Float>] = [:]
            for ch in manifest.channels { planes[ch] = try TIFFReader.readFloat(XCTUnwrap(manifest.imageURL(row, channel: ch))) }
            return (row, planes)
        }
    }

    func check(index name: String) throws {
        let run = try Self.run.get()
        let indexURL = run.layout.index(name)
        let recipe = try XCTUnwrap(ProfileRecipe.load(index: indexURL), "\(name) has no recipe")
        let index = try SearchIndex.open(indexURL)
        XCTAssertEqual(recipe.features.count, index.index.dimension)
        let profiler = try SiteProfiler(recipe: recipe)
        let sites = try sites(run, index: index)
        XCTAssertGreaterThan(sites.count, 2)
        for (row, planes) in sites {
            let profile = try profiler.profile(planes, plate: row.plate)
            XCTAssertFalse(profile.cells.isEmpty)
            let hit = try XCTUnwrap(index.search(vectors: [profile.vector], k: 1)[0].first)
            XCTAssertEqual(index.metadata.value(hit.id, "Metadata_Well"), row.well.description, "\(name): \(row.siteKey)")
            XCTAssertEqual(index.metadata.value(hit.id, "Metadata_Plate"), row.plate)
            XCTAssertGreaterThanOrEqual(hit.score, 0.99, "\(name): \(row.siteKey)")
        }
        // Missing channels are named, with the ones the recipe needs.
        var partial = sites[0].planes
        partial[recipe.channels[1]] = nil
        XCTAssertThrowsError(try profiler.profile(partial)) { XCTAssertTrue("\($0)".contains("missing \(recipe.channels[1])"), "\($0)") }
    }

    func testClassicalFeatureIndexFindsTheSiteItself() throws { try check(index: "wells") }

    func testLearnedEmbeddingIndexFindsTheSiteItself() throws { try check(index: "wells_embedding") }
}
