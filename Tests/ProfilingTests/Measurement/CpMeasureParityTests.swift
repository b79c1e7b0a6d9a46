import Foundation
import Imaging
import XCTest
@testable import Profiling

/// Compares every feature that both Profiling and cp-measure 0.3.0 compute on the fixture
/// site written by `scripts/reference/cp_measure_fixtures.py`.
final class CpMeasureParityTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/cp_measure")

    /// Tolerance per family: |ours - theirs| <= atol + rtol * |theirs|.
    struct Tolerance { let rtol: Double; let atol: Double }

    static func family(of column: String) -> String {
        let parts = column.split(separator: "_")
        if parts[1] == "AreaShape" && parts[2] == "Zernike" { return "Zernike" }
        return String(parts[1])
    }

    static let tolerances: [String: Tolerance] = [
        // cp-measure sums float32 pixels in float32, so its integrated intensities carry ~1e-7
        // relative error; MassDisplacement (a difference of two centres ~1e2 px apart from
        // the origin) inherits ~1e-5 px of it, hence the absolute floor.
        "Intensity": Tolerance(rtol: 1e-5, atol: 2e-5),
        "Location": Tolerance(rtol: 1e-6, atol: 1e-6),
        "AreaShape": Tolerance(rtol: 1e-6, atol: 1e-9),
        // Against the rounding-robust reference (see zernike_robust.csv); raw cp-measure is
        // compared separately on the objects where its strict r^2 <= 1 cut drops no pixel.
        "Zernike": Tolerance(rtol: 1e-6, atol: 1e-9),
        "Texture": Tolerance(rtol: 1e-6, atol: 1e-9),
        // Float32 opening/reconstruction in both; the restored means are float64 in both.
        "Granularity": Tolerance(rtol: 1e-5, atol: 1e-6),
        // cp-measure accumulates the ring sums of float32 pixels in float32.
        "RadialDistribution": Tolerance(rtol: 1e-5, atol: 1e-9),
        "Correlation": Tolerance(rtol: 1e-5, atol: 1e-7),
    ]

    static func csv(_ url: URL) throws -> ([String], [[Double]]) {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",").map(String.init)
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map { Double($0)! } }
        return (header, rows)
    }

    func testAgreesWithCpMeasure() throws {
        let dir = Self.fixtures
        func image(_ name: String) throws -> Image<Float> {
            let a = try NumpyFile.read(dir.appendingPathComponent("\(name).npy"), as: Float.self)
            return Image(width: a.cols, height: a.rows, pixels: a.data)
        }
        func labels(_ name: String) throws -> Image<Int32> {
            let a = try NumpyFile.read(dir.appendingPathComponent("\(name).npy"), as: Int32.self)
            return Image(width: a.cols, height: a.rows, pixels: a.data)
        }
        var options = CellMeasurementOptions()
        options.channelOrder = ["DNA", "Tubulin"]
        options.textureScales = [3, 5]
        let table = try CellMeasurements.measure(channels: ["DNA": try image("DNA"), "Tubulin": try image("Tubulin")],
                                                 nuclei: try labels("nuclei"), cells: try labels("cells"), options: options)

        let (header, raw) = try Self.csv(dir.appendingPathComponent("expected.csv"))
        let (zHeader, zRows) = try Self.csv(dir.appendingPathComponent("zernike_robust.csv"))
        XCTAssertEqual(table.labels.map(Int.init), raw.map { Int($0[0]) })
        // Zernike columns come from the robust reference; where it equals raw cp-measure
        // (no pixel lost to rounding) raw cp-measure must agree too, which is checked below.
        var rows = raw
        var rawZernikeAgreeing = 0
        for (zc, name) in zHeader.enumerated() where zc > 0 {
            let c = header.firstIndex(of: name)!
            for r in rows.indices {
                if abs(raw[r][c] - zRows[r][zc]) <= 1e-12 * max(1, abs(zRows[r][zc])) { rawZernikeAgreeing += 1 }
                rows[r][c] = zRows[r][zc]
            }
        }
        XCTAssertGreaterThan(rawZernikeAgreeing, zRows.count * (zHeader.count - 1) / 2,
                             "most objects should have no pixel exactly on their enclosing circle")

        var worst: [String: (err: Double, column: String, count: Int)] = [:]
        var missing: [String] = []
        var failures = 0
        for (c, name) in header.enumerated() where c > 0 {
            guard let ours = table.column(name) else { missing.append(name); continue }
            let fam = Self.family(of: name)
            let tol = Self.tolerances[fam]!
            var colErr = 0.0
            for (r, row) in rows.enumerated() {
                let theirs = row[c], mine = ours[r]
                if theirs.isNaN && mine.isNaN { continue }
                let err = abs(mine - theirs) / max(abs(theirs), tol.atol / tol.rtol)
                colErr = max(colErr, err.isNaN ? .infinity : err)
                if !(abs(mine - theirs) <= tol.atol + tol.rtol * abs(theirs)) {
                    failures += 1
                    if failures <= 40 { XCTFail("\(name) object \(r + 1): ours \(mine), cp-measure \(theirs)") }
                }
            }
            let prev = worst[fam] ?? (0, "", 0)
            worst[fam] = (max(prev.err, colErr), colErr >= prev.err ? name : prev.column, prev.count + 1)
        }
        var report = "family              compared  max rel err  (worst column)  tolerance\n"
        for (fam, w) in worst.sorted(by: { $0.key < $1.key }) {
            let t = Self.tolerances[fam]!
            report += "\(fam.padding(toLength: 20, withPad: " ", startingAt: 0))\(w.count)  \(String(format: "%.2e", w.err))  (\(w.column))  rtol \(t.rtol) atol \(t.atol)\n"
        }
        let missingFamilies = Dictionary(grouping: missing) { name -> String in
            String(name.split(separator: "_").dropFirst().first ?? "")
        }.mapValues(\.count)
        report += "cp-measure columns not computed: \(missing.count) \(missingFamilies)\n"
        print(report)
        // The comparison must cover every family, not pass vacuously.
        for fam in ["Intensity", "Location", "AreaShape", "Zernike", "Texture", "Granularity", "RadialDistribution", "Correlation"] {
            XCTAssertGreaterThan(worst[fam]?.count ?? 0, 0, "no \(fam) column compared")
        }
        XCTAssertGreaterThan(worst.values.reduce(0) { $0 + $1.count }, 900)
    }
}
