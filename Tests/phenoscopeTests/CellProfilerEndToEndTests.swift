import Core
import Foundation
import Profiling
import Search
import XCTest
@testable import phenoscope

/// A user's CellProfiler measurements taken through the verbs they would run, as the command
/// line runs them: `import cellprofiler` (CSV and SQLite), `profile`, `evaluate` (figures and
/// report), `index build` and `search`.
///
/// The repository's CellProfiler fixture (Tests/ProfilingTests/Fixtures/cellprofiler, with
/// pycytominer's well profiles) checks the numbers; it has one compound per MoA, too few for
/// NSC, so a seeded CellProfiler-format screen written here (four plates in two batches, four
/// MoAs of two compounds each, NaN in single cells and one feature undefined in a whole well)
/// checks that evaluation, report and search agree with the MoAs it was drawn from.
final class CellProfilerEndToEndTests: XCTestCase {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ProfilingTests/Fixtures/cellprofiler")

    private func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cp-e2e-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    // MARK: the fixture, against pycytominer

    func testFixtureImportedAndProfiledByTheCommandsEqualsPycytominer() throws {
        let dir = try tempDir()
        let f = Self.fixture
        let csvCells = dir.appendingPathComponent("cells_csv.csv"), sqliteCells = dir.appendingPathComponent("cells_sqlite.csv")
        try ImportCellProfilerCommand.parse(["--image", f.appendingPathComponent("Image.csv").path,
                                             "--object", "Cells=\(f.appendingPathComponent("Cells.csv").path)",
                                             "--object", "Cytoplasm=\(f.appendingPathComponent("Cytoplasm.csv").path)",
                                             "--object", "Nuclei=\(f.appendingPathComponent("Nuclei.csv").path)",
                                             "--out", csvCells.path, "--quiet"]).run()
        try ImportCellProfilerCommand.parse(["--sqlite", f.appendingPathComponent("cellprofiler.sqlite").path,
                                             "--out", sqliteCells.path, "--quiet"]).run()
        let expected = try ProfileTable(contentsOf: f.appendingPathComponent("pycytominer_well_profiles.csv"), allowMissing: true)
        for cells in [csvCells, sqliteCells] {
            let wells = dir.appendingPathComponent("wells_\(cells.lastPathComponent)")
            try ProfileCommand.parse([cells.path, "--out", wells.path, "--method", "median", "--normalize", "mad_robustize", "--quiet"]).run()
            let got = try ProfileTable(contentsOf: wells, allowMissing: true)
            XCTAssertEqual(got.rowCount, expected.rowCount)
            XCTAssertEqual(Set(got.featureNames), Set(expected.featureNames), "bookkeeping columns are not features")
            let key = { (t: ProfileTable, r: Int) throws -> String in
                try t.metadataValues("Metadata_Plate")[r] + "/" + t.metadataValues("Metadata_Well")[r]
            }
            var rowOf: [String: Int] = [:]
            for r in 0..<got.rowCount { rowOf[try key(got, r)] = r }
            var nans = 0
            for r in 0..<expected.rowCount {
                let well = try key(expected, r)
                guard let g = rowOf[well] else { XCTFail("no profile for \(well)"); continue }
                for (j, name) in expected.featureNames.enumerated() {
                    let e = expected[r, j], v = got[g, try XCTUnwrap(got.featureNames.firstIndex(of: name))]
                    if e.isNaN { XCTAssertTrue(v.isNaN, "\(name): \(v), pycytominer NaN"); nans += 1; continue }
                    XCTAssertEqual(v, e, accuracy: 1e-6, "\(cells.lastPathComponent) \(well) \(name)")
                }
            }
            XCTAssertEqual(nans, 1, "the well whose FormFactor is NaN in every cell stays NaN")
        }
    }

    // MARK: a screen big enough to evaluate

    /// Features per compartment; the MoA signal of MoA m sits on features j with j % 4 == m.
    static let features: [(compartment: String, names: [String])] = [
        ("Cells", ["AreaShape_Area", "Intensity_MeanIntensity_DNA", "Texture_Contrast_RNA_3_00_256", "Correlation_Correlation_DNA_Mito"]),
        ("Cytoplasm", ["AreaShape_Area", "Intensity_MeanIntensity_Mito", "Intensity_StdIntensity_ER", "Granularity_1_ER"]),
        ("Nuclei", ["AreaShape_Area", "AreaShape_FormFactor", "Intensity_MeanIntensity_DNA", "Texture_Entropy_DNA_3_00_256"]),
    ]
    static let plates = [("P1", "b1"), ("P2", "b1"), ("P3", "b2"), ("P4", "b2")]
    static let wells = ["B02", "B03", "B04", "B05", "C02", "C03", "C04", "C05"]
    static let allNaNWell = ("P2", "C03")

    /// Writes Image.csv, Cells.csv, Cytoplasm.csv and Nuclei.csv as ExportToSpreadsheet would:
    /// per plate four DMSO wells and one well of each MoA's compound (compound 0 on the first
    /// batch's plates, compound 1 on the second's), two sites a well, four cells a site, nuclei
    /// numbered in reverse of the cells, a plate offset (removed by normalization), about 4 % NaN
    /// in Cells_Correlation_Correlation_DNA_Mito, and Nuclei_AreaShape_FormFactor NaN in every
    /// cell of one well.
    static func writeScreen(to dir: URL, seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        func normal() -> Double {
            let u = max(rng.uniformDouble(), 1e-12), v = rng.uniformDouble()
            return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
        }
        var image = ["ImageNumber,Metadata_Plate,Metadata_Well,Metadata_Site,Metadata_Batch,Metadata_Compound,Metadata_Concentration,Metadata_MoA,Count_Cells,FileName_OrigDNA"]
        var objects: [String: [String]] = [
            "Cells": ["ImageNumber,ObjectNumber,Parent_Nuclei,Location_Center_X,Location_Center_Y," + features[0].names.joined(separator: ",")],
            "Cytoplasm": ["ImageNumber,ObjectNumber,Parent_Cells,Parent_Nuclei," + features[1].names.joined(separator: ",")],
            "Nuclei": ["ImageNumber,ObjectNumber,Location_Center_X,Location_Center_Y," + features[2].names.joined(separator: ",")],
        ]
        var imageNumber = 0
        let cellsPerSite = 4
        for (p, (plate, batch)) in plates.enumerated() {
            let plateOffset = 0.5 * Double(p)
            for (w, well) in wells.enumerated() {
                let moa = w < 4 ? nil : w - 4
                let compound = moa.map { "cpd\($0)_\(batch == "b1" ? 0 : 1)" } ?? "DMSO"
                for site in 1...2 {
                    imageNumber += 1
                    image.append("\(imageNumber),\(plate),\(well),\(site),\(batch),\(compound),\(moa == nil ? "0" : "1"),\(moa.map { "moa\($0)" } ?? "DMSO"),\(cellsPerSite),\(plate)_\(well)_s\(site).tif")
                    for k in 1...cellsPerSite {
                        let nucleus = cellsPerSite + 1 - k
                        let x = 10 + 100 * rng.uniformDouble(), y = 10 + 100 * rng.uniformDouble()
                        var values: [[String]] = []
                        for (c, compartment) in features.enumerated() {
                            values.append(compartment.names.indices.map { j in
                                let signal = moa.map { j % 4 == $0 ? 3.0 : 0 } ?? 0
                                var v = 1 + Double(c) + plateOffset + signal + 0.3 * normal()
                                if compartment.compartment == "Cells", j == 3, rng.uniformDouble() < 0.04 { v = .nan }
                                if compartment.compartment == "Nuclei", j == 1, (plate, well) == allNaNWell { v = .nan }
                                return v.isNaN ? "nan" : "\(v)"
                            })
                        }
                        objects["Cells"]!.append("\(imageNumber),\(k),\(nucleus),\(x),\(y)," + values[0].joined(separator: ","))
                        objects["Cytoplasm"]!.append("\(imageNumber),\(k),\(k),\(nucleus)," + values[1].joined(separator: ","))
                        objects["Nuclei"]!.append("\(imageNumber),\(nucleus),\(x + 0.5),\(y - 0.5)," + values[2].joined(separator: ","))
                    }
                }
            }
        }
        try (image.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("Image.csv"), atomically: true, encoding: .utf8)
        for (name, lines) in objects {
            try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("\(name).csv"), atomically: true, encoding: .utf8)
        }
    }

    func testImportedScreenProfilesEvaluatesReportsAndSearchesByItsMoAs() throws {
        let dir = try tempDir()
        try Self.writeScreen(to: dir, seed: 19)
        let cells = dir.appendingPathComponent("cells.csv"), wells = dir.appendingPathComponent("wells.csv")
        try ImportCellProfilerCommand.parse(["--image", dir.appendingPathComponent("Image.csv").path]
            + Self.features.flatMap { ["--object", "\($0.compartment)=\(dir.appendingPathComponent("\($0.compartment).csv").path)"] }
            + ["--out", cells.path, "--quiet"]).run()
        let single = try ProfileTable(contentsOf: cells, allowMissing: true)
        XCTAssertEqual(single.rowCount, Self.plates.count * Self.wells.count * 2 * 4)
        XCTAssertEqual(single.featureCount, 12)

        try ProfileCommand.parse([cells.path, "--out", wells.path, "--method", "median", "--normalize", "mad_robustize", "--quiet"]).run()
        let profiles = try ProfileTable(contentsOf: wells, allowMissing: true)
        XCTAssertEqual(profiles.rowCount, Self.plates.count * Self.wells.count)
        XCTAssertEqual(try profiles.metadataValues("Metadata_Count"), Array(repeating: "8", count: profiles.rowCount))
        let plate = try profiles.metadataValues("Metadata_Plate"), well = try profiles.metadataValues("Metadata_Well")
        let compound = try profiles.metadataValues("Metadata_Compound"), moa = try profiles.metadataValues("Metadata_MoA")
        let formFactor = try XCTUnwrap(profiles.featureNames.firstIndex(of: "Nuclei_AreaShape_FormFactor"))
        for r in 0..<profiles.rowCount {
            // Only the well whose FormFactor is NaN in every cell has a NaN profile value.
            for j in 0..<profiles.featureCount {
                XCTAssertEqual(profiles[r, j].isNaN, (plate[r], well[r]) == Self.allNaNWell && j == formFactor, "\(plate[r]) \(well[r]) \(profiles.featureNames[j])")
            }
            // MoA m's compound stands out on its own features: their mean robust z is the
            // largest of the four groups (with four DMSO wells a plate, single noise features
            // can reach |z| 10 or more, so no per-feature bound).
            if moa[r] != "DMSO", let m = Int(moa[r].dropFirst(3)) {
                let means = (0..<4).map { g -> Double in
                    let v = (0..<profiles.featureCount).filter { $0 % 4 == g && !profiles[r, $0].isNaN }.map { profiles[r, $0] }
                    return v.reduce(0, +) / Double(v.count)
                }
                XCTAssertEqual(means.indices.max { means[$0] < means[$1] }, m, "\(plate[r]) \(well[r]): \(means)")
            }
        }

        // evaluate on the well profiles as written, NaN included.
        let evaluation = dir.appendingPathComponent("evaluation")
        try EvaluateCommand.parse([wells.path, "--out", evaluation.path, "--no-umap", "--null-size", "200", "--bootstrap", "100",
                                   "--forest-trees", "10", "--quiet"]).run()
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: evaluation.appendingPathComponent("evaluation.json"))) as? [String: Any])
        func numbers(_ value: Any, _ path: String) -> [(String, Double)] {
            switch value {
            case let d as [String: Any]: return d.flatMap { numbers($1, path + "." + $0) }
            case let a as [Any]: return a.enumerated().flatMap { numbers($1, path + "[\($0)]") }
            case let n as NSNumber: return [(path, n.doubleValue)]
            default: return []
            }
        }
        for (path, v) in numbers(json, "") { XCTAssertTrue(v.isFinite, "evaluation.json\(path) = \(v)") }
        XCTAssertEqual(json["features_left_out_nan"] as? [String], ["Nuclei_AreaShape_FormFactor"])
        XCTAssertEqual(json["n_treatments"] as? Int, 8)
        XCTAssertEqual(json["n_moas"] as? Int, 4)
        XCTAssertEqual(json["nsc"] as? Double, 1, "every compound's nearest other compound shares its MoA")
        XCTAssertEqual(json["nscb"] as? Double, 1)
        XCTAssertEqual(try XCTUnwrap(json["map_moa"] as? Double), 1, accuracy: 1e-9)
        let html = try String(contentsOf: evaluation.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("wells.csv"), "the report names the profiles it evaluated")

        // index the same profiles and ask for each compound's nearest other compound.
        let index = dir.appendingPathComponent("index")
        try IndexCommand.Build.parse(["--profiles", wells.path, "--kind", "exact", "--out", index.path, "--quiet"]).run()
        let opened = try SearchIndex.open(index)
        XCTAssertEqual(opened.index.count, profiles.rowCount)
        XCTAssertEqual(opened.index.dimension, profiles.featureCount - 1, "the feature NaN in one well is left out")
        for r in 0..<profiles.rowCount where compound[r] != "DMSO" {
            let ids = dir.appendingPathComponent("ids.npy")
            try SearchCommand.parse(["--index", index.path, "--id", String(r), "--k", "1",
                                     "--filter", "Metadata_Compound!=$query", "--filter", "Metadata_Compound!=DMSO", "--out", ids.path]).run()
            let hit = try XCTUnwrap(NPYArray.read(ids).int64s()?.first)
            XCTAssertEqual(opened.metadata.value(Int(hit), "Metadata_MoA"), moa[r], "\(plate[r]) \(well[r]) \(compound[r])")
        }
    }
}
