import Foundation
import Search
import XCTest
@testable import Workflow

/// A query by image on real Cell Painting data (Fixtures/jump: four crops of one JUMP field,
/// six channels named only ch1...ch6, LZW TIFF): a run over the four crops as four wells
/// builds an index with its recipe; one crop's six files, as they come from the microscope,
/// come back with neighbours, itself first; a file left out is named as missing.
final class RealFieldTests: XCTestCase {
    func testQueryByImageOnARealField() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/jump")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("realfield-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let channels = (1...6).map { "ch\($0)" }
        func file(_ tile: Int, _ channel: String) -> URL {
            fixtures.appendingPathComponent("tile\(tile)/r01c02f01p01-\(channel)sk1fk1fl1.tiff")
        }
        let treatments = [("A01", "DMSO", ""), ("A02", "DMSO", ""), ("A03", "cpd-1", "moa-1"), ("A04", "cpd-2", "moa-2")]
        var manifest = "Metadata_Plate,Metadata_Well,Metadata_Site,Metadata_Batch,Metadata_Compound,Metadata_Concentration,Metadata_MoA,"
            + channels.map { "Image_\($0)" }.joined(separator: ",") + "\n"
        for (tile, t) in treatments.enumerated() {
            manifest += "P1,\(t.0),1,B1,\(t.1),1,\(t.2)," + channels.map { file(tile, $0).path }.joined(separator: ",") + "\n"
        }
        try manifest.write(to: dir.appendingPathComponent("manifest.csv"), atomically: true, encoding: .utf8)
        try """
        name: jump
        screen: {manifest: manifest.csv}
        qc: {exclude: false}
        segmentation: {method: classic, nucleus_channel: ch5}
        features: {families: [intensity, shape], texture_scales: [3]}
        evaluation: {null_size: 20, classifiers: false}
        """.write(to: dir.appendingPathComponent("run.yaml"), atomically: true, encoding: .utf8)
        let run = try ScreenRun(configURL: dir.appendingPathComponent("run.yaml"))
        try run.run(.prepare)
        try run.run(.plates)
        // Four wells are too few to evaluate MoA retrieval; the profiles, index and recipe are what a query needs.
        let pipeline = Pipeline(runDirectory: run.layout.root)
        try pipeline.run(run.stages.screenStages(plates: ["P1"]).filter { $0.name != "evaluate" })

        let indexURL = run.layout.index("wells")
        let recipe = try XCTUnwrap(ProfileRecipe.load(index: indexURL))
        XCTAssertEqual(recipe.channels, channels)
        let index = try SearchIndex.open(indexURL)
        let files = try channels.map { SiteImages.File(name: file(2, $0).lastPathComponent, bytes: Array(try Data(contentsOf: file(2, $0)))) }
        let planes = try SiteImages.assign(files, channels: recipe.channels)
        let answer = try SiteQuery(k: 4).run(planes, profiler: SiteProfiler(recipe: recipe), index: index)
        XCTAssertGreaterThan(answer.profile.cells.count, 0)
        XCTAssertEqual(answer.hits.count, 4)
        XCTAssertEqual(index.metadata.value(answer.hits[0].id, "Metadata_Well"), "A03")
        XCTAssertGreaterThanOrEqual(answer.hits[0].score, 0.99)
        XCTAssertThrowsError(try SiteImages.assign(Array(files.dropLast()), channels: recipe.channels)) {
            XCTAssertTrue("\($0)".contains("missing ch6") && "\($0)".contains("needs ch1, ch2, ch3, ch4, ch5, ch6"), "\($0)")
        }
    }
}
