import Foundation
import XCTest
import Imaging
import Screen
import Workflow
@testable import phenoscope

/// Numeric options that a person may give a negative or out-of-range value (issue 21):
/// the value reaches the option's own check and the error names the option and its range,
/// instead of ArgumentParser taking `-1` for a flag ("Missing value for '--id <id>'").
final class NumericOptionTests: XCTestCase {
    /// The message ArgumentParser would print for `args` (validation included), or "parsed".
    func search(_ args: [String]) -> String {
        do { _ = try SearchCommand.parse(args); return "parsed" } catch { return SearchCommand.message(for: error) }
    }
    func synth(_ args: [String]) -> String {
        do { _ = try SynthCommand.parse(args); return "parsed" } catch { return SynthCommand.message(for: error) }
    }
    func indexBuild(_ args: [String]) -> String {
        do { _ = try IndexCommand.Build.parse(args); return "parsed" } catch { return IndexCommand.Build.message(for: error) }
    }
    func manifestCheck(_ args: [String]) -> String {
        do { _ = try ManifestCommand.Check.parse(args); return "parsed" } catch { return ManifestCommand.Check.message(for: error) }
    }

    func testNegativeValuesReachTheValidator() {
        XCTAssertEqual(search(["--index", "idx", "--id", "-1"]),
                       "--id: -1; expected an item id, 0 to the index's item count - 1")
        XCTAssertEqual(search(["--index", "idx", "--id", "3", "--k", "-5"]), "--k: -5; expected at least 1")
        XCTAssertEqual(search(["--index", "idx", "--id", "3", "--ef", "-2"]), "--ef: -2; expected at least 1")
        // `run --seeds -1` reaches SeedRepeat's check ("--seeds: expected at least 1").
        XCTAssertEqual(try RunCommand.parse(["run.yaml", "--seeds", "-1"]).seeds, -1)
        // Seeds are unsigned: a negative one is named as an invalid value, not a missing one.
        for text in [synth(["--out", "x", "--seed", "-1"]), indexBuild(["--vectors", "e.npy", "--out", "x", "--seed", "-1"])] {
            XCTAssertTrue(text.contains("'-1'") && text.contains("--seed"), text)
            XCTAssertFalse(text.contains("Missing value"), text)
        }
    }

    /// `--max-pixels` bounds every image a manifest verb reads; 0, negative and over-2^32
    /// budgets are refused with the option's name and range.
    func testMaxPixelsIsValidatedAndApplied() throws {
        for bad in ["0", "-1", "4294967297"] {
            XCTAssertEqual(manifestCheck(["m.csv", "--max-pixels", bad]),
                           "--max-pixels: \(bad) pixels; expected 1 to 4294967296 (default 268435456, a 16,384^2 plane)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("max-pixels-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try TIFFWriter.write(Image<UInt16>(width: 4, height: 4, repeating: 1), to: dir.appendingPathComponent("a.tif"))
        let csv = dir.appendingPathComponent("m.csv")
        try ("Metadata_Plate,Metadata_Well,Metadata_Site,Metadata_Batch,Metadata_Compound,Metadata_Concentration,Metadata_MoA,Image_DNA\n"
             + "P1,B3,1,W1,x,1,,a.tif\n").write(to: csv, atomically: true, encoding: .utf8)
        let fits = try ImageBudgetOptions.parse(["--max-pixels", "16"]).manifest(csv.path)
        XCTAssertEqual(fits.validate(plateWells: 96), [])
        XCTAssertEqual(try fits.siteImages(fits.rows[0]).count, 1)
        let over = try ImageBudgetOptions.parse(["--max-pixels", "15"]).manifest(csv.path)
        XCTAssertEqual(over.validate(plateWells: 96).map(\.description),
                       ["line 2: Image_DNA: \(dir.appendingPathComponent("a.tif").path): 4x4 pixels exceeds the pixel budget of 15 (maxPixels)"])
        XCTAssertThrowsError(try over.siteImages(over.rows[0]))
    }

    func testRunConfigMaxPixelsIsValidated() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("max-pixels-config-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("run.yaml")
        try "screen:\n  max_pixels: 1000\n".write(to: url, atomically: true, encoding: .utf8)
        XCTAssertEqual(try RunConfig.load(url).screen.maxPixels, 1000)
        try "screen:\n  max_pixels: 0\n".write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try RunConfig.load(url)) {
            XCTAssertEqual("\($0)", "\(url.path): screen.max_pixels: 0 pixels; expected 1 to 4294967296 (default 268435456, a 16,384^2 plane)")
        }
    }
}
