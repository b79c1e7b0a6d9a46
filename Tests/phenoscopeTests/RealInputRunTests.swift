import Foundation
import Profiling
import Screen
import XCTest
@testable import phenoscope

/// The per-plate part of `phenoscope run` (QC, segmentation, features on every channel, the
/// plate's well profile) on the real samples cut into Tests/ScreenTests/Fixtures/real: the
/// JUMP field imported from its Opera Phenix names, and CellProfiler's ExampleHuman read
/// straight from its LoadData CSV.
final class RealInputRunTests: XCTestCase {
    let real = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ScreenTests/Fixtures/real")

    /// Runs prepare + plates on `manifest`; returns the plate's well profile.
    private func runPlates(manifest: URL, nucleusChannel: String, plate: String, in dir: URL) throws -> ProfileTable {
        let config = dir.appendingPathComponent("run.yaml")
        try """
        name: real
        runs_dir: \(dir.path)
        screen: {manifest: \(manifest.path), plate_wells: 384}
        qc: {exclude: false}
        segmentation: {nucleus_channel: \(nucleusChannel)}
        features: {families: [intensity, shape]}
        profiles: {normalize: none, feature_select: false}
        """.write(to: config, atomically: true, encoding: .utf8)
        try RunCommand.parse([config.path, "--only", "prepare", "--quiet"]).run()
        try RunCommand.parse([config.path, "--only", "plates", "--plate", plate, "--quiet"]).run()
        return try ProfileTable(contentsOf: dir.appendingPathComponent("real/plates/\(plate)/wells.csv"), allowMissing: true)
    }

    private func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("realrun-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func testJUMPFieldImportedByPatternRunsToAWellProfile() throws {
        let dir = try tempDir()
        let manifest = dir.appendingPathComponent("manifest.csv")
        try FolderImport(naming: .operaPhenix, channels: try FolderImport.channelList("ch1=ER,ch2=RNA,ch3=AGP,ch4=DNA,ch5=Mito"))
            .manifest(directory: real.appendingPathComponent("jump_r01c02f01"), manifestDirectory: dir).write(to: manifest)
        let wells = try runPlates(manifest: manifest, nucleusChannel: "DNA", plate: "jump_r01c02f01", in: dir)
        XCTAssertEqual(try wells.metadataValues("Metadata_Well"), ["A02"])
        XCTAssertGreaterThan(Int(try wells.metadataValues("Metadata_Count")[0]) ?? 0, 5)
        for ch in ["ER", "RNA", "AGP", "DNA", "Mito"] {
            XCTAssertTrue(wells.featureNames.contains("Cells_Intensity_MeanIntensity_\(ch)"), ch)
        }
        // The single-cell Parquet beside the plate's .npy and cells CSV, with CellProfiler names.
        let parquet = try Data(contentsOf: dir.appendingPathComponent("real/cells/jump_r01c02f01_cells.parquet"))
        XCTAssertEqual(parquet.prefix(4), Data("PAR1".utf8))
        for name in ["Metadata_ObjectNumber", "Nuclei_Location_Center_X", "Cells_Intensity_MeanIntensity_Mito"] {
            XCTAssertNotNil(parquet.range(of: Data(name.utf8)), name)
        }
    }

    func testExampleHumanFromItsLoadDataCSVRunsToAWellProfile() throws {
        let dir = try tempDir()
        let wells = try runPlates(manifest: real.appendingPathComponent("cp_examplehuman/load_data.csv"),
                                  nucleusChannel: "OrigDNA", plate: "AS_09125_050116030001", in: dir)
        XCTAssertEqual(try wells.metadataValues("Metadata_Well"), ["D03"])
        XCTAssertGreaterThan(Int(try wells.metadataValues("Metadata_Count")[0]) ?? 0, 5)
        for ch in ["OrigDNA", "OrigPH3", "OrigCells"] {
            XCTAssertTrue(wells.featureNames.contains("Cells_Intensity_MeanIntensity_\(ch)"), ch)
        }
    }
}
