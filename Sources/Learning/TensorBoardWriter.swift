import Foundation

/// Writes TensorBoard scalar summaries to an `events.out.tfevents.*` file, with no dependency.
///
/// The file is a TFRecord stream (u64 length, masked CRC32C of the length, the bytes, masked
/// CRC32C of the bytes) of `Event` protocol buffers; the first event carries `file_version`,
/// each later one `wall_time`, `step` and a `Summary` with one `simple_value` per tag. Only the
/// handful of protobuf fields TensorBoard reads for scalars are encoded, by hand. Each event is
/// flushed as it is written, so a crashed run keeps its curves.
public final class TensorBoardWriter {
    public let url: URL
    private let handle: FileHandle

    public init(directory: URL, wallTime: Double = Date().timeIntervalSince1970) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let host = ProcessInfo.processInfo.hostName
        url = directory.appendingPathComponent("events.out.tfevents.\(Int(wallTime)).\(host)")
        FileManager.default.createFile(atPath: url.path, contents: nil)
        handle = try FileHandle(forWritingTo: url)
        var event = Protobuf()
        event.double(field: 1, wallTime)
        event.bytes(field: 3, Array("brain.Event:2".utf8))
        try write(record: event.bytes)
    }

    deinit { try? handle.close() }

    /// Logs `scalars` (tag -> value) at `step`.
    public func add(scalars: [(String, Double)], step: Int, wallTime: Double = Date().timeIntervalSince1970) throws {
        var summary = Protobuf()
        for (tag, value) in scalars {
            var v = Protobuf()
            v.bytes(field: 1, Array(tag.utf8))
            v.float(field: 2, Float(value))
            summary.bytes(field: 1, v.bytes)
        }
        var event = Protobuf()
        event.double(field: 1, wallTime)
        event.varint(field: 2, UInt64(bitPattern: Int64(step)))
        event.bytes(field: 5, summary.bytes)
        try write(record: event.bytes)
    }

    /// TFRecord framing of one record.
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        let length = withUnsafeBytes(of: UInt64(data.count).littleEndian, Array.init)
        out += length
        out += withUnsafeBytes(of: CRC32C.masked(length).littleEndian, Array.init)
        out += data
        out += withUnsafeBytes(of: CRC32C.masked(data).littleEndian, Array.init)
        return out
    }

    private func write(record: [UInt8]) throws {
        try handle.write(contentsOf: Data(Self.frame(record)))
        try handle.synchronize()
    }
}

/// The protobuf wire format, the three field kinds an Event needs.
struct Protobuf {
    private(set) var bytes: [UInt8] = []

    private mutating func rawVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }
    mutating func varint(field: Int, _ value: UInt64) { rawVarint(UInt64(field << 3 | 0)); rawVarint(value) }
    mutating func double(field: Int, _ value: Double) {
        rawVarint(UInt64(field << 3 | 1))
        bytes += withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init)
    }
    mutating func float(field: Int, _ value: Float) {
        rawVarint(UInt64(field << 3 | 5))
        bytes += withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init)
    }
    mutating func bytes(field: Int, _ value: [UInt8]) {
        rawVarint(UInt64(field << 3 | 2)); rawVarint(UInt64(value.count)); bytes += value
    }
}
