import Foundation
import Imaging
import Profiling
import Screen
import XCTest
@testable import phenoscope

/// The per-plate part of `phenoscope run` (QC, segmentation, features on every channel, the
/// plate's well profile) on the real samples cut into Tests/ScreenTests/Fixtures/real: the
/// JUMP field imported from its Opera Phenix names, and CellProfiler's ExampleHuman read
/// straight from its LoadData CSV, and the same site stored as an OME-Zarr plate.
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

    /// ExampleHuman's three 8-bit channels written as an NGFF 0.4 HCS plate (`PLATE.zarr/D/3/0`,
    /// uncompressed 100 x 100 chunks, so the 256 x 256 plane has partial edge chunks),
    /// imported with `import zarr` and run: the well profile equals the TIFF run's exactly.
    func testExampleHumanAsOMEZarrPlateRunsToTheSameWellProfile() throws {
        let dir = try tempDir()
        let source = real.appendingPathComponent("cp_examplehuman")
        let channels = ["OrigDNA", "OrigPH3", "OrigCells"]
        let planes = try (0..<3).map { try TIFFReader.readFloat(source.appendingPathComponent("AS_09125_050116030001_D03f00d\($0).tif")) }
        let plate = dir.appendingPathComponent("AS_09125_050116030001.zarr")
        func write(_ text: String, _ path: String) throws {
            let url = plate.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        try write(#"{"plate": {"version": "0.4", "rows": [{"name": "D"}], "columns": [{"name": "3"}], "wells": [{"path": "D/3", "rowIndex": 0, "columnIndex": 0}]}}"#, ".zattrs")
        try write(#"{"well": {"version": "0.4", "images": [{"path": "0"}]}}"#, "D/3/.zattrs")
        let labels = channels.map { #"{"label": "\#($0)"}"# }.joined(separator: ", ")
        try write(#"{"multiscales": [{"version": "0.4", "axes": [{"name": "c", "type": "channel"}, {"name": "y", "type": "space"}, {"name": "x", "type": "space"}], "datasets": [{"path": "0"}]}], "omero": {"channels": [\#(labels)]}}"#, "D/3/0/.zattrs")
        try write(#"{"zarr_format": 2, "shape": [3, 256, 256], "chunks": [1, 100, 100], "dtype": "|u1", "compressor": null, "fill_value": 0, "order": "C", "filters": null}"#, "D/3/0/0/.zarray")
        for c in 0..<3 {
            for cy in 0..<3 {
                for cx in 0..<3 {
                    var chunk = [UInt8](repeating: 0, count: 100 * 100)
                    for y in 0..<100 where cy * 100 + y < 256 {
                        for x in 0..<100 where cx * 100 + x < 256 { chunk[y * 100 + x] = UInt8(planes[c][cx * 100 + x, cy * 100 + y]) }
                    }
                    try Data(chunk).write(to: plate.appendingPathComponent("D/3/0/0/\(c).\(cy).\(cx)"))
                }
            }
        }
        for run in ["zarr-run", "tiff-run"] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(run), withIntermediateDirectories: true)
        }
        let manifest = dir.appendingPathComponent("manifest.csv")
        try ImportZarrCommand.parse([plate.path, "--out", manifest.path, "--quiet"]).run()
        XCTAssertTrue(try String(contentsOf: manifest, encoding: .utf8).contains("AS_09125_050116030001.zarr/D/3/0#OrigPH3"))
        let fromZarr = try runPlates(manifest: manifest, nucleusChannel: "OrigDNA", plate: "AS_09125_050116030001",
                                     in: dir.appendingPathComponent("zarr-run"))
        let fromTIFF = try runPlates(manifest: source.appendingPathComponent("load_data.csv"), nucleusChannel: "OrigDNA",
                                     plate: "AS_09125_050116030001", in: dir.appendingPathComponent("tiff-run"))
        XCTAssertEqual(fromZarr.featureNames, fromTIFF.featureNames)
        XCTAssertGreaterThan(fromZarr.featureNames.count, 20)
        XCTAssertEqual(try fromZarr.metadataValues("Metadata_Count"), try fromTIFF.metadataValues("Metadata_Count"))
        XCTAssertEqual(fromZarr.features.map(\.bitPattern), fromTIFF.features.map(\.bitPattern))
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
