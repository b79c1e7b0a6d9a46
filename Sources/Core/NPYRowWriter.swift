import Foundation

/// Writes a float32 `.npy` of rows x `columns` one batch of rows at a time, so an array too
/// large to hold (a plate's or a screen's cells) goes to disk as it is made.
///
/// The header is written first with room for any row count and rewritten with the real count
/// at `finish` (numpy reads the space-padded header as usual). Rows go to a temporary name in
/// the target's folder, renamed into place by `finish`, so a reader never sees a half-written
/// file (as `AtomicFile`); `cancel`, or dropping the writer unfinished, removes them.
public final class NPYRowWriter {
    public let url: URL
    public let columns: Int
    public private(set) var rows = 0
    private let temporary: URL
    private var handle: FileHandle?
    private let headerLength: Int

    public init(url: URL, columns: Int) throws {
        guard columns >= 1 else { throw NPYError("\(url.path): a row writer needs at least one column, got \(columns)") }
        self.url = url
        self.columns = columns
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        temporary = dir.appendingPathComponent(".tmp-\(UUID().uuidString)-\(url.lastPathComponent)")
        headerLength = Self.header(rows: Int.max, columns: columns, length: nil).count
        guard FileManager.default.createFile(atPath: temporary.path, contents: Self.header(rows: 0, columns: columns, length: headerLength)),
              let h = FileHandle(forWritingAtPath: temporary.path) else {
            throw NPYError("\(temporary.path): cannot create")
        }
        try h.seekToEnd()
        handle = h
    }

    deinit { cancel() }

    /// The magic, version 1.0 and the dictionary for `rows` x `columns` float32, padded with
    /// spaces to `length` bytes (default: the next multiple of 64).
    static func header(rows: Int, columns: Int, length: Int?) -> Data {
        let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
        let total = length ?? (10 + dict.utf8.count + 1 + 63) / 64 * 64
        let text = dict + String(repeating: " ", count: max(0, total - 10 - dict.utf8.count - 1)) + "\n"
        let len = text.utf8.count
        return Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(len & 0xFF), UInt8(len >> 8)]) + Data(text.utf8)
    }

    /// Appends whole rows (`values.count` a multiple of `columns`).
    public func append(_ values: UnsafeBufferPointer<Float>) throws {
        guard let handle else { throw NPYError("\(url.path): written to after finish or cancel") }
        guard values.count % columns == 0 else {
            throw NPYError("\(url.path): \(values.count) values are not whole rows of \(columns)")
        }
        try handle.write(contentsOf: Data(buffer: values))
        rows += values.count / columns
    }

    /// Writes the real row count into the header and puts the file in place.
    public func finish() throws {
        guard let h = handle else { throw NPYError("\(url.path): finished twice or after cancel") }
        try h.seek(toOffset: 0)
        try h.write(contentsOf: Self.header(rows: rows, columns: columns, length: headerLength))
        try h.close()
        handle = nil
        if rename(temporary.path, url.path) != 0 {
            try? FileManager.default.removeItem(at: temporary)
            throw NPYError("cannot rename \(temporary.path) to \(url.path): \(String(cString: strerror(errno)))")
        }
    }

    /// Drops what was written (nothing is left at `url` or the temporary name).
    public func cancel() {
        guard let h = handle else { return }
        try? h.close()
        handle = nil
        try? FileManager.default.removeItem(at: temporary)
    }
}
