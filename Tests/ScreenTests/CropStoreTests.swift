import XCTest
import Foundation
import Tensor
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
}
