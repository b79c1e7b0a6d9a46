import Foundation
import XCTest
@testable import Profiling

/// Normalization and feature selection against pycytominer on the fixture screen.
final class PreprocessingParityTests: XCTestCase {
    func maxAbsDiff(_ a: ProfileTable, _ b: ProfileTable) -> Double {
        XCTAssertEqual(a.featureNames, b.featureNames)
        XCTAssertEqual(a.rowCount, b.rowCount)
        return zip(a.features, b.features).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    func testPlateNormalizationMatchesPycytominer() throws {
        let wells = try Fixtures.table("wells.csv")
        let std = try PlateNormalization(method: .standardize).apply(to: wells)
        let mad = try PlateNormalization(method: .robustZ).apply(to: wells)
        let dStd = maxAbsDiff(std, try Fixtures.table("wells_standardize.csv"))
        let dMad = maxAbsDiff(mad, try Fixtures.table("wells_mad_robustize.csv"))
        XCTAssertLessThan(dStd, 1e-9)
        XCTAssertLessThan(dMad, 1e-9)
        XCTAssertEqual(std.metadata, wells.metadata)
        print("parity normalize: max|standardize-pycytominer|=\(dStd) max|robust_z-pycytominer|=\(dMad)")
    }

    func testSpherizeMatchesPycytominer() throws {
        let wells = try Fixtures.table("wells.csv")
        for (method, file) in [(Spherize.Method.zca, "wells_zca.csv"), (.zcaCor, "wells_zca_cor.csv")] {
            let ours = try Spherize(method: method, epsilon: 1e-6).apply(to: wells)
            let theirs = try Fixtures.table(file)
            // Relative to the largest magnitude: the n <= d padding makes W's scale large.
            let scale = theirs.features.reduce(0) { max($0, abs($1)) }
            let d = maxAbsDiff(ours, theirs)
            XCTAssertLessThan(d / scale, 1e-9, "\(method)")
            print("parity spherize \(method.rawValue): max|ours-pycytominer|=\(d) (max |value| \(scale))")
        }
    }

    func testFeatureSelectionMatchesPycytominer() throws {
        let expected = try Fixtures.expected()
        let table = try Fixtures.table("featsel.csv", allowMissing: true)
        let kept = FeatureSelection().apply(to: table).featureNames
        XCTAssertEqual(kept, expected["feature_select_kept"] as! [String])
    }

    func testPlateWithoutDMSOIsAnError() throws {
        let csv = """
        Metadata_Plate,Metadata_Compound,f1
        P1,DMSO,1
        P1,a,2
        P2,b,3
        """
        let table = try ProfileTable(csv: .init(parsing: csv, source: "p.csv"))
        XCTAssertThrowsError(try PlateNormalization(method: .robustZ).apply(to: table)) { error in
            XCTAssertTrue("\(error)".contains("plate 'P2' has no DMSO rows"), "\(error)")
            XCTAssertTrue("\(error)".contains("p.csv:4"), "\(error)")
        }
    }

    func testZeroSpreadOnlyCentres() throws {
        let csv = """
        Metadata_Plate,Metadata_Compound,f1,f2
        P1,DMSO,1,5
        P1,dmso,1,7
        P1,a,4,9
        """
        let table = try ProfileTable(csv: .init(parsing: csv))
        let out = try PlateNormalization(method: .robustZ).apply(to: table)
        // f1: median 1, MAD 0 -> only centred; f2: median 6, MAD 1 -> (9-6)/(1.4826+1e-18).
        XCTAssertEqual(out[2, 0], 3)
        XCTAssertEqual(out[2, 1], 3 / 1.4826, accuracy: 1e-12)
        let std = try PlateNormalization(method: .standardize).apply(to: table)
        XCTAssertEqual(std[2, 0], 3)
        XCTAssertEqual(std[2, 1], 3, accuracy: 1e-12)
    }
}

final class PCATests: XCTestCase {
    func testMatchesScikitLearn() throws {
        let ref = (try Fixtures.expected())["pca"] as! [String: Any]
        let table = try Fixtures.table("treatments.csv")
        let pca = try PCA(fitting: table, components: 5)
        let scores = try pca.transform(table)
        var maxDiff = 0.0
        for (r, row) in (ref["scores"] as! [[Double]]).enumerated() {
            for (c, v) in row.enumerated() { maxDiff = max(maxDiff, abs(scores[r * 5 + c] - v)) }
        }
        XCTAssertLessThan(maxDiff, 1e-9)
        for (a, b) in zip(pca.explainedVariance, ref["explained_variance"] as! [Double]) { XCTAssertEqual(a, b, accuracy: 1e-9 * b) }
        for (a, b) in zip(pca.explainedVarianceRatio, ref["explained_variance_ratio"] as! [Double]) {
            XCTAssertEqual(a, b, accuracy: 1e-12)
        }
        print("parity pca: max|scores-sklearn|=\(maxDiff)")
        XCTAssertThrowsError(try PCA(fitting: table, components: 100))
    }
}
