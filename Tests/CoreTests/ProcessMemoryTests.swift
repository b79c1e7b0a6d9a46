import Core
import XCTest

final class ProcessMemoryTests: XCTestCase {
    func testParsesProcStatusKilobytes() throws {
        let status = "Name:\tphenoscope\nVmPeak:\t  900000 kB\nVmHWM:\t  654321 kB\nVmRSS:\t  123456 kB\nThreads:\t3\n"
        XCTAssertEqual(ProcessMemory.parse(status: status), ProcessMemory(residentBytes: 123_456 * 1024, peakBytes: 654_321 * 1024))
        XCTAssertNil(ProcessMemory.parse(status: "Name:\tx\nVmRSS:\t12 kB\n"), "no high-water mark, no reading")
        XCTAssertEqual(ProcessMemory.parse(status: "VmHWM:\t7 kB\n"), ProcessMemory(residentBytes: nil, peakBytes: 7 * 1024))
        // A hostile size is skipped rather than overflowing.
        XCTAssertNil(ProcessMemory.parse(status: "VmHWM:\t\(Int.max) kB\n"))
    }

    func testPeakRisesWithTouchedMemoryAndNeverFalls() throws {
        #if os(Linux)
        let before = ProcessMemory.current()
        let resident = try XCTUnwrap(before.residentBytes)
        XCTAssertGreaterThan(resident, 0)
        XCTAssertGreaterThanOrEqual(before.peakBytes, resident)
        let size = 256 << 20
        var block = [UInt8](repeating: 1, count: size)   // written, so resident
        block[size - 1] = 2
        let during = ProcessMemory.current()
        XCTAssertGreaterThanOrEqual(during.peakBytes, resident + 200 << 20, "a written 256 MiB block shows in the peak")
        XCTAssertEqual(block[size - 1], 2)
        block = []
        // The kernel's RSS counters are cached per thread and synced lazily, so a later
        // reading can lag an earlier one by a few pages; it never falls back by the block.
        XCTAssertGreaterThanOrEqual(ProcessMemory.current().peakBytes, during.peakBytes - (8 << 20), "the high-water mark keeps the block")
        #endif
    }

    func testTextUnits() {
        XCTAssertEqual(ProcessMemory.text(660_000_000), "660 MB")
        XCTAssertEqual(ProcessMemory.text(1_840_000_000), "1.84 GB")
    }
}
