import Core
import Foundation

/// Writes a CSV file row by row through a small buffer, so a table far larger than memory
/// (a single-cell table streamed out of a tens-of-GB CellProfiler database) never has to
/// exist whole. Fields are quoted as `CSVTable.encoded()` quotes them; used inside
/// `AtomicFile.write(to:)` so a failure leaves no half-written file under the final name.
public struct CSVRowWriter {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private let flushBytes = 1 << 20

    /// Creates (or truncates) the file at `url`.
    public init(url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CSVError(source: url.path, line: 0, message: "cannot create file")
        }
        handle = try FileHandle(forWritingTo: url)
        buffer.reserveCapacity(flushBytes + 65_536)
    }

    /// Appends one record; fields are quoted only where needed.
    public mutating func append(_ fields: [String]) throws {
        for (i, f) in fields.enumerated() {
            if i > 0 { buffer.append(UInt8(ascii: ",")) }
            buffer.append(contentsOf: CSVTable.quoted(f).utf8)
        }
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= flushBytes { try flush() }
    }

    /// Writes what is buffered.
    public mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes the file.
    public mutating func close() throws {
        try flush()
        try handle.close()
    }
}
