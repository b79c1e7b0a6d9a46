import XCTest
import Foundation
@testable import Screen

final class CropStoreTests: XCTestCase {
    func testShardedWriteAndStreamingRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("crops-\(UUID())")
        var w = try CropStoreWriter(directory: dir, channels: ["DNA", "Actin"], size: 2,
                                    metadataColumns: ["Metadata_Cell"], shardSize: 3)
        for cell in 0..<7 {
            try w.append((0..<8).map { UInt16(cell * 100 + $0) }, metadata: ["\(cell)"])
        }
        XCTAssertThrowsError(try CropStore.open(dir), "unfinished store must not open")
        let written = try w.finish()
        XCTAssertEqual(written.header.shards, ["shard-00000.npy", "shard-00001.npy", "shard-00002.npy"])
        let store = try CropStore.open(dir)
        XCTAssertEqual(store.header.count, 7)
        XCTAssertEqual(store.cells.rows[4], ["4", "1", "1"])
        var seen: [Int] = []
        try store.forEachShard { first, shard in
            let values = shard.int64s()!
            for i in 0..<shard.shape[0] {
                XCTAssertEqual(values[i * 8], Int64((first + i) * 100))
                seen.append(first + i)
            }
        }
        XCTAssertEqual(seen, Array(0..<7))
    }
    func testCombineLinksShardsAndRenumbers() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("combine-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        func store(_ name: String, cells: Range<Int>, channels: [String] = ["DNA"]) throws -> CropStore {
            var w = try CropStoreWriter(directory: root.appendingPathComponent(name), channels: channels, size: 2,
                                        metadataColumns: ["Metadata_Cell"], shardSize: 2)
            for cell in cells { try w.append((0..<(4 * channels.count)).map { UInt16(cell * 10 + $0) }, metadata: ["\(cell)"]) }
            return try w.finish()
        }
        let a = try store("a", cells: 0..<3), b = try store("b", cells: 3..<5)
        let combined = try CropStore.combine([a, b], into: root.appendingPathComponent("all"))
        XCTAssertEqual(combined.header.count, 5)
        XCTAssertEqual(combined.header.shards.count, 3)
        let reopened = try CropStore.open(root.appendingPathComponent("all"))
        XCTAssertEqual(reopened.cells.rows.map { $0[1] }, ["0", "0", "1", "2", "2"], "Crop_Shard renumbered after the first store's shards")
        var firstValues: [Int64] = []
        try reopened.forEachShard { _, shard in
            let v = shard.int64s()!
            for i in 0..<shard.shape[0] { firstValues.append(v[i * 4]) }
        }
        XCTAssertEqual(firstValues, [0, 10, 20, 30, 40])
        let other = try store("c", cells: 0..<1, channels: ["DNA", "Actin"])
        XCTAssertThrowsError(try CropStore.combine([a, other], into: root.appendingPathComponent("bad"))) { error in
            XCTAssertTrue("\(error)".contains("channels"), "\(error)")
        }
    }
}
