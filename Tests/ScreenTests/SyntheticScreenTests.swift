import Foundation
import Imaging
import XCTest
@testable import Screen

final class SyntheticScreenTests: XCTestCase {
    /// A small standard screen: a handful of wells (DMSO and treated) of one plate.
    private func tinyScreen(seed: UInt64, defectRate: Float = 0.04) -> SyntheticScreen {
        var layout = ScreenLayout.standard(plates: 2, sitesPerWell: 2, seed: seed)
        let dmso = layout.wells.filter { $0.treatment.moa == "DMSO" }.prefix(2)
        let treated = layout.wells.filter { $0.treatment.moa != "DMSO" && $0.treatment.concentration == 3 }.prefix(3)
        layout.wells = Array(dmso) + Array(treated)
        return SyntheticScreen(layout: layout, width: 72, height: 56, cellsPerSite: 8, defectRate: defectRate, seed: seed)
    }

    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("synth-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Relative path -> bytes of every file under `root`.
    private func files(under root: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])!
        for case let url as URL in e where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            out[String(url.path.dropFirst(root.path.count + 1))] = try Data(contentsOf: url)
        }
        return out
    }

    /// A synthetic screen read as annotated nuclei (training data for the nucleus model):
    /// every site without a defect, its DNA plane and its ground-truth labels as written;
    /// defective sites are left out, and a folder that is no screen is not taken for one.
    func testSyntheticScreenReadsAsAnnotatedNucleiWithoutDefectiveSites() throws {
        let dir = try temporaryDirectory()
        let summary = try tinyScreen(seed: 7, defectRate: 0.3).write(to: dir)
        XCTAssertTrue(AnnotatedNuclei.isSyntheticScreen(dir))
        XCTAssertFalse(AnnotatedNuclei.isSyntheticScreen(dir.appendingPathComponent("images")))
        let flagged = try QualityControl.flaggedSites(dir.appendingPathComponent("ground_truth/sites.csv"))
        XCTAssertGreaterThan(flagged.count, 0, "the test needs a defective site")
        let annotated = try AnnotatedNuclei.loadAny(dir)
        XCTAssertEqual(annotated.items.count, summary.sites - flagged.count)
        let manifest = try Manifest.load(dir.appendingPathComponent("manifest.csv"))
        let masks = try MaskIndex.load(dir.appendingPathComponent("ground_truth/masks.csv"))
        let row = try XCTUnwrap(manifest.rows.first { !flagged.contains($0.siteKey) })
        let item = try XCTUnwrap(annotated.items.first { $0.id == "\(row.plate)_\(row.well)_s\(row.site)" })
        XCTAssertEqual(item.kind, .fluorescence)
        XCTAssertEqual(item.image.pixels, try TIFFReader.readFloat(try XCTUnwrap(manifest.imageURL(row, channel: "DNA"))).pixels)
        XCTAssertEqual(item.labels.pixels, try TIFFReader.readLabels(try XCTUnwrap(masks.entries[row.siteKey]).nuclei).pixels)
        XCTAssertGreaterThan(item.labels.pixels.max() ?? 0, 0)
        XCTAssertFalse(annotated.items.contains { id in flagged.contains { "\($0.plate)_\($0.well)_s\($0.site)" == id.id } })
    }

    func testSameSeedWritesIdenticalFilesAndOtherSeedDiffers() throws {
        let a = try temporaryDirectory(), b = try temporaryDirectory(), c = try temporaryDirectory()
        _ = try tinyScreen(seed: 5).write(to: a)
        _ = try tinyScreen(seed: 5).write(to: b)
        _ = try tinyScreen(seed: 6).write(to: c)
        let fa = try files(under: a), fb = try files(under: b), fc = try files(under: c)
        XCTAssertEqual(fa.count, tinyScreen(seed: 5).layout.siteCount * 5 + 7, "per site 3 channels + 2 masks; 7 CSVs")
        XCTAssertEqual(Set(fa.keys), Set(fb.keys))
        for (k, v) in fa { XCTAssertEqual(v, fb[k], "\(k) differs between two runs with the same seed") }
        let images = fa.keys.filter { $0.hasSuffix("_DNA.tif") }
        XCTAssertFalse(images.isEmpty)
        XCTAssertTrue(images.contains { fa[$0] != fc[$0] }, "another seed must give other images")
        XCTAssertFalse(fa.keys.contains { $0.contains(".tmp-") }, "no temporary files left")
    }

    func testSiteRenderedAloneEqualsWrittenFile() throws {
        // Sites are independent of scheduling: rendering one on its own gives the bytes
        // that the parallel writer stored.
        let dir = try temporaryDirectory()
        let screen = tinyScreen(seed: 9)
        _ = try screen.write(to: dir)
        let well = screen.layout.wells[3]
        let plate = screen.layout.plates.first { $0.name == well.plate }!
        let site = screen.render(well: well, site: 2, optics: screen.optics(for: plate))
        let stem = "\(well.position)_s2"
        let written = try TIFFReader.readUInt16(dir.appendingPathComponent("images/\(well.plate)/\(stem)_Tubulin.tif"))
        XCTAssertEqual(written, site.channels[1])
        let mask = try TIFFReader.readLabels(dir.appendingPathComponent("ground_truth/masks/\(well.plate)/\(stem)_nuclei.tif"))
        XCTAssertEqual(mask.pixels, site.nuclei.pixels.map { Int32($0) })
    }

    func testContractColumnsAndPaths() throws {
        let dir = try temporaryDirectory()
        let screen = tinyScreen(seed: 3)
        let summary = try screen.write(to: dir)
        let manifest = try CSVTable(contentsOf: dir.appendingPathComponent("manifest.csv"))
        XCTAssertEqual(manifest.header, ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "Metadata_Batch",
                                         "Metadata_Compound", "Metadata_Concentration", "Metadata_MoA",
                                         "Image_DNA", "Image_Tubulin", "Image_Actin"])
        XCTAssertEqual(manifest.rows.count, summary.sites)
        for row in manifest.rows {
            for path in row[7...] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(path).path), path)
            }
        }
        let truth = dir.appendingPathComponent("ground_truth")
        let masks = try CSVTable(contentsOf: truth.appendingPathComponent("masks.csv"))
        XCTAssertEqual(masks.header, ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "Mask_Nuclei", "Mask_Cells"])
        for row in masks.rows {
            for path in row[3...] {
                // Paths are relative to masks.csv.
                let url = truth.appendingPathComponent(path)
                let bytes = try Data(contentsOf: url)
                XCTAssertGreaterThan(bytes.count, 72 * 56 * 2, "16-bit TIFF of 72x56: \(path)")
                XCTAssertEqual(bytes.prefix(4), Data([0x49, 0x49, 42, 0]), path)
            }
        }
        let sites = try CSVTable(contentsOf: truth.appendingPathComponent("sites.csv"))
        XCTAssertEqual(sites.header, ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "Defect"])
        XCTAssertEqual(sites.rows.count, summary.sites)
        let treatments = try CSVTable(contentsOf: truth.appendingPathComponent("treatments.csv"))
        XCTAssertEqual(treatments.header, ["Metadata_Compound", "Metadata_Concentration", "Metadata_MoA"])
        XCTAssertTrue(treatments.rows.contains(["DMSO", "0", "DMSO"]))
        let cells = try CSVTable(contentsOf: truth.appendingPathComponent("cells.csv"))
        XCTAssertEqual(Array(cells.header.prefix(6)), ["Metadata_Plate", "Metadata_Well", "Metadata_Site", "Metadata_Cell",
                                                       "Location_X", "Location_Y"])
        XCTAssertEqual(cells.rows.count, summary.cells)
        XCTAssertGreaterThan(summary.cells, 0)
        let wells = try CSVTable(contentsOf: truth.appendingPathComponent("wells.csv"))
        XCTAssertEqual(wells.rows.count, screen.layout.wells.count)
        // The true per-well parameters: one row per well, in wells.csv order, each the
        // Morphology the well's cells were drawn from.
        let phenotypes = try CSVTable(contentsOf: truth.appendingPathComponent("phenotypes.csv"))
        XCTAssertEqual(Array(phenotypes.header.prefix(6)), wells.header)
        XCTAssertEqual(phenotypes.header.count, 6 + Morphology.fields.count)
        XCTAssertEqual(phenotypes.rows.map { Array($0.prefix(6)) }, wells.rows)
        for (row, well) in zip(phenotypes.rows, screen.layout.wells) {
            let m = screen.morphology(of: well)
            XCTAssertEqual(row[6...].map { Float($0)! }, Morphology.fields.map { m[keyPath: $0] }, "\(well.plate) \(well.position)")
        }
        XCTAssertEqual(phenotypes.header[6 + Morphology.fieldNames.firstIndex(of: "granularity")!], "Truth_granularity")
        // The names are the key paths' own (Swift prints a key path as its source text).
        XCTAssertEqual(Morphology.fields.map { String(describing: $0) }, Morphology.fieldNames.map { "\\Morphology.\($0)" })
        // Every manifest row's treatment has its true MoA in treatments.csv.
        let known = Set(treatments.rows.map { $0.joined(separator: "|") })
        for row in manifest.rows { XCTAssertTrue(known.contains([row[4], row[5], row[6]].joined(separator: "|"))) }
    }

    func testMasksMatchWhatWasDrawn() throws {
        let screen = SyntheticScreen(layout: .standard(plates: 1, seed: 2), width: 128, height: 96,
                                     cellsPerSite: 30, defectRate: 0, seed: 2)
        let well = screen.layout.wells.first { $0.treatment.moa == "DMSO" }!
        let site = screen.render(well: well, site: 1, optics: screen.optics(for: screen.layout.plates[0]))
        let n = site.centres.count
        XCTAssertGreaterThan(n, 5)
        var nucleusPixels = [Int](repeating: 0, count: n + 1)
        var inside = 0.0, outside = 0.0, insideCount = 0.0, outsideCount = 0.0
        for p in 0..<(128 * 96) {
            let l = Int(site.nuclei.pixels[p])
            XCTAssertLessThanOrEqual(l, n)
            if l > 0 {
                XCTAssertEqual(site.cells.pixels[p], site.nuclei.pixels[p], "nucleus pixel outside its own cell")
                nucleusPixels[l] += 1
                inside += Double(site.channels[0].pixels[p]); insideCount += 1
            } else if site.cells.pixels[p] == 0 {
                outside += Double(site.channels[0].pixels[p]); outsideCount += 1
            }
        }
        XCTAssertTrue(nucleusPixels.dropFirst().allSatisfy { $0 > 0 }, "every label 1...n has nucleus pixels")
        XCTAssertGreaterThan(inside / insideCount, 3 * (outside / outsideCount), "DNA is bright where nuclei are labelled")
        // Centres lie on or next to their nucleus (a multinucleated cell's centroid may fall between nuclei).
        for (k, c) in site.centres.enumerated() {
            XCTAssertTrue((0..<128).contains(Int(c.x)) && (0..<96).contains(Int(c.y)))
            _ = k
        }
    }

    func testDefectsAreRecordedAndVisible() throws {
        let screen = tinyScreen(seed: 4, defectRate: 1)
        var seen = Set<SiteDefect>()
        for well in screen.layout.wells {
            let plate = screen.layout.plates.first { $0.name == well.plate }!
            for s in well.sites {
                let defect = try XCTUnwrap(screen.defect(plate: well.plate, well: well.position, site: s))
                seen.insert(defect)
                if defect == .saturated {
                    let site = screen.render(well: well, site: s, optics: screen.optics(for: plate))
                    XCTAssertTrue(site.channels.contains { $0.pixels.contains(65535) }, "saturated site has clipped pixels")
                }
            }
        }
        XCTAssertGreaterThanOrEqual(seen.count, 2)
        let clean = tinyScreen(seed: 4, defectRate: 0)
        XCTAssertNil(clean.defect(plate: clean.layout.plates[0].name, well: WellPosition(row: 0, column: 1), site: 1))
    }

    func testDoseResponseIsGraded() {
        let compound = SyntheticCompound(name: "SYN-DD1", moa: "DNA damage", concentrations: [0.1, 0.3, 1, 3], seed: 1)
        let effects = [0.0, 0.1, 0.3, 1, 3].map { compound.effect(at: $0) }
        XCTAssertEqual(effects[0], 0)
        for i in 1..<effects.count { XCTAssertGreaterThan(effects[i], effects[i - 1]) }
        XCTAssertGreaterThan(effects.last!, 0.5)
        XCTAssertLessThan(effects[1], effects.last! * 0.8)
        let sizes = [0.1, 3].map { compound.morphology(at: $0).nucleusSize }
        XCTAssertGreaterThan(sizes[1], sizes[0])
        // Two compounds of one MoA move the same fields, by different amounts.
        let other = SyntheticCompound(name: "SYN-DD2", moa: "DNA damage", concentrations: [0.1, 0.3, 1, 3], seed: 1)
        XCTAssertNotEqual(compound.saturated, other.saturated)
        XCTAssertGreaterThan(other.saturated.nucleusSize, 1.1)
        XCTAssertEqual(SyntheticCompound(name: "DMSO", moa: "DMSO", concentrations: [0], seed: 1).morphology(at: 0), .control)
    }

    func testStandardLayoutHasDMSOOnEveryPlateAndAllTreatments() {
        for format in PlateFormat.allCases {
            let layout = ScreenLayout.standard(plates: 4, format: format, compoundsPerMoA: format == .wells96 ? 2 : 3, seed: 1)
            XCTAssertEqual(layout.plates.map(\.batch), ["Batch1", "Batch1", "Batch1", "Batch2"])
            for plate in layout.plates {
                let wells = layout.wells.filter { $0.plate == plate.name }
                XCTAssertEqual(wells.count, format.rawValue)
                XCTAssertEqual(Set(wells.map(\.position)).count, format.rawValue)
                XCTAssertGreaterThanOrEqual(wells.filter { $0.treatment.moa == "DMSO" }.count, format.rawValue / 8)
            }
            let moas = Set(layout.treatments.map(\.moa))
            XCTAssertEqual(moas.count, 10, "9 MoAs + DMSO")
            for moa in moas where moa != "DMSO" {
                let compounds = Set(layout.treatments.filter { $0.moa == moa }.map(\.compound))
                XCTAssertGreaterThanOrEqual(compounds.count, 2)
                for c in compounds { XCTAssertEqual(layout.treatments.filter { $0.compound == c }.count, 4) }
            }
        }
        // Placement is shuffled per plate.
        let layout = ScreenLayout.standard(plates: 2, seed: 1)
        let first = layout.wells.filter { $0.plate == layout.plates[0].name }.map(\.treatment)
        let second = layout.wells.filter { $0.plate == layout.plates[1].name }.map(\.treatment)
        XCTAssertNotEqual(first, second)
    }

    /// Simple per-well features from the ground truth (masks and images) separate MoAs
    /// (top dose) from DMSO: a feature separates when both wells of the MoA lie outside
    /// the range of the DMSO wells, on the same side, at least 3 DMSO standard deviations
    /// from their mean. Mean nuclear area alone must separate at least three MoAs; some
    /// feature must separate at least six of the nine.
    func testMoAsDifferFromDMSOInSimpleWellFeatures() {
        let seed: UInt64 = 11
        let full = ScreenLayout.standard(plates: 1, seed: seed)
        let screen = SyntheticScreen(layout: full, width: 160, height: 128, cellsPerSite: 40, defectRate: 0, seed: seed)
        let optics = screen.optics(for: full.plates[0])
        let names = ["nuclear area", "cell area", "cell elongation", "tubulin per cell pixel", "nuclei per site"]
        func features(_ well: ScreenLayout.Well) -> [Double] {
            var nucleusPixels = 0.0, cellPixels = 0.0, cells = 0.0, tubulin = 0.0, elongation = 0.0
            for s in 1...2 {
                let site = screen.render(well: well, site: s, optics: optics)
                let n = site.centres.count
                // Per-cell second moments of the cell mask give the elongation (axis ratio).
                var m = [SIMD8<Double>](repeating: .zero, count: n + 1)
                for p in site.cells.pixels.indices {
                    let l = Int(site.cells.pixels[p])
                    if site.nuclei.pixels[p] > 0 { nucleusPixels += 1 }
                    guard l > 0 else { continue }
                    let x = Double(p % 160), y = Double(p / 160)
                    m[l] += SIMD8(1, x, y, x * x, y * y, x * y, 0, 0)
                    cellPixels += 1
                    tubulin += Double(site.channels[1].pixels[p]) - Double(optics.offsets[1])
                }
                for k in 1..<max(1, m.count) where m[k][0] > 4 {
                    let a = m[k][0], mx = m[k][1] / a, my = m[k][2] / a
                    let sxx = m[k][3] / a - mx * mx, syy = m[k][4] / a - my * my, sxy = m[k][5] / a - mx * my
                    let d = ((sxx - syy) * (sxx - syy) / 4 + sxy * sxy).squareRoot(), t = (sxx + syy) / 2
                    elongation += ((t + d) / max(t - d, 1e-6)).squareRoot()
                }
                cells += Double(n)
            }
            return [nucleusPixels / max(1, cells), cellPixels / max(1, cells), elongation / max(1, cells),
                    tubulin / max(1, cellPixels), cells / 2]
        }
        let dmso = full.wells.filter { $0.treatment.isControl }.prefix(10).map(features)
        var separatedBy: [String: [String]] = [:]
        for moa in MoAPhenotype.standardNames {
            let treated = full.wells.filter { $0.treatment.moa == moa && $0.treatment.concentration == 3 }.map(features)
            XCTAssertEqual(treated.count, 2)
            for (f, name) in names.enumerated() {
                let control = dmso.map { $0[f] }
                let mean = control.reduce(0, +) / Double(control.count)
                let sd = (control.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(control.count - 1)).squareRoot()
                let values = treated.map { $0[f] }
                let outside = values.allSatisfy { $0 > control.max()! || $0 < control.min()! }
                let sameSide = values.allSatisfy { $0 > mean } || values.allSatisfy { $0 < mean }
                let far = values.allSatisfy { abs($0 - mean) > 3 * sd }
                if outside && sameSide && far { separatedBy[moa, default: []].append(name) }
            }
        }
        let byArea = separatedBy.filter { $0.value.contains("nuclear area") }.keys
        XCTAssertGreaterThanOrEqual(byArea.count, 3, "separated: \(separatedBy)")
        XCTAssertTrue(byArea.contains("DNA damage") && byArea.contains("Protein synthesis"), "\(separatedBy)")
        XCTAssertGreaterThanOrEqual(separatedBy.count, 6, "separated: \(separatedBy)")
        print("MoAs separated from DMSO:", separatedBy.sorted { $0.key < $1.key })
    }
}
