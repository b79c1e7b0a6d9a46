import XCTest
@testable import Screen

/// NSCB needs every MoA in several batches but every compound in one.
final class StandardLayoutBatchTests: XCTestCase {
    func testCompoundsStayInOneBatchAndMoAsSpanBatches() {
        let layout = ScreenLayout.standard(plates: 4, platesPerBatch: 2, seed: 3)
        var batchesOfCompound: [String: Set<String>] = [:]
        var batchesOfMoA: [String: Set<String>] = [:]
        for w in layout.wells where !w.treatment.isControl {
            batchesOfCompound[w.treatment.compound, default: []].insert(w.batch)
            batchesOfMoA[w.treatment.moa, default: []].insert(w.batch)
        }
        XCTAssertEqual(batchesOfMoA.count, MoAPhenotype.standardNames.count)
        XCTAssertTrue(batchesOfCompound.values.allSatisfy { $0.count == 1 })
        XCTAssertTrue(batchesOfMoA.values.allSatisfy { $0 == ["Batch1", "Batch2"] })
        // DMSO on every plate.
        XCTAssertEqual(Set(layout.wells.filter { $0.treatment.isControl }.map(\.plate)).count, 4)
        // One batch: every compound on every plate, as before.
        let single = ScreenLayout.standard(plates: 2, platesPerBatch: 3, seed: 3)
        let perPlate = Dictionary(grouping: single.wells.filter { !$0.treatment.isControl }, by: \.plate)
            .mapValues { Set($0.map(\.treatment.compound)) }
        XCTAssertEqual(perPlate.count, 2)
        XCTAssertEqual(perPlate.values.first, perPlate.values.dropFirst().first)
    }
}
