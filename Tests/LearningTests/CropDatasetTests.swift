import Core
import Foundation
import Screen
import Tensor
import XCTest
@testable import Learning

/// `CropDataset` streams crops from the mapped shards through its code table; what comes out
/// must equal standardizing the whole store at once, for u16 and f16 shards and across shard
/// boundaries, and damaged shards must be named.
final class CropDatasetTests: XCTestCase {
    var root: URL!
    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("cropdataset-\(UUID())")
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    /// The store standardized directly: every shard read whole, per-channel mean and
    /// population std over all cells of intensity / 65535.
    static func standardized(_ store: CropStore) throws -> (crops: [Float], mean: [Double], std: [Double]) {
        let c = store.header.channels.count, plane = store.header.size * store.header.size
        var values: [Double] = []
        for name in store.header.shards {
            let shard = try NPYArray.read(store.directory.appendingPathComponent(name))
            values += store.header.dtype == .f16 ? shard.doubles() : shard.doubles().map { $0 / 65535 }
        }
        let n = values.count / (c * plane)
        var mean = [Double](repeating: 0, count: c), std = [Double](repeating: 0, count: c)
        for ch in 0..<c {
            var x: [Double] = []
            for i in 0..<n { x += values[((i * c + ch) * plane)..<((i * c + ch + 1) * plane)] }
            let m = x.reduce(0, +) / Double(x.count)
            var sq = 0.0
            for v in x { sq += (v - m) * (v - m) }
            mean[ch] = m
            std[ch] = (sq / Double(x.count)).squareRoot()
        }
        var crops = [Float](repeating: 0, count: values.count)
        for (k, v) in values.enumerated() {
            let ch = k / plane % c
            crops[k] = Float((v - mean[ch]) / std[ch])
        }
        return (crops, mean, std)
    }

    func testStreamedCropsEqualTheWholeStoreStandardized() throws {
        for dtype in CropStore.DType.allCases {
            let dir = root.appendingPathComponent("crops-\(dtype)")
            try TrainerTests.makeStore(dir, dtype: dtype)
            let data = try CropDataset.open(dir, labelColumn: "Metadata_MoA")
            XCTAssertEqual(data.store.header.shards.count, 3, "48 cells in shards of 20: the boundaries are crossed")
            let direct = try Self.standardized(data.store)
            XCTAssertEqual(data.count, 48)
            for ch in 0..<2 {
                XCTAssertEqual(data.mean[ch], direct.mean[ch], accuracy: 1e-9, "\(dtype)")
                XCTAssertEqual(data.std[ch], direct.std[ch], accuracy: 1e-9, "\(dtype)")
            }
            let n = data.channels * data.size * data.size
            for i in 0..<data.count {
                let crop = data.crop(i), expected = direct.crops[(i * n)..<((i + 1) * n)]
                for (a, b) in zip(crop, expected) where abs(a - b) > 1e-5 {
                    XCTFail("\(dtype) cell \(i): \(a) vs \(b)"); break
                }
            }
            XCTAssertEqual(data.labels[4], "moa1")
            XCTAssertEqual(data.compounds[4], "cmp1-1")
        }
    }

    func testDamagedShardsAreNamed() throws {
        let dir = root.appendingPathComponent("crops")
        try TrainerTests.makeStore(dir)
        let shard = dir.appendingPathComponent("shard-00001.npy")
        let bytes = try Data(contentsOf: shard)
        try bytes.prefix(bytes.count - 10).write(to: shard)
        XCTAssertThrowsError(try CropDataset.open(dir, labelColumn: "Metadata_MoA")) { e in
            XCTAssertTrue("\(e)".hasPrefix(shard.path + ": truncated"), "\(e)")
        }
        try FileManager.default.removeItem(at: shard)
        XCTAssertThrowsError(try CropDataset.open(dir, labelColumn: "Metadata_MoA")) { e in
            XCTAssertTrue("\(e)".hasPrefix(shard.path + ": "), "\(e)")
        }
    }
}
