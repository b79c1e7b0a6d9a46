import Foundation

/// A file written front to back in pieces that appears at its name only when complete, as
/// `AtomicFile` does for a file made at once: the bytes go to a temporary name in the same
/// folder and `finish` renames it into place; `cancel`, or dropping the stream unfinished,
/// removes it. For outputs too large to hold (a plate's cells as CSV or Parquet).
public final class AtomicFileStream {
    public let url: URL
    /// Bytes written so far (the offset of the next write).
    public private(set) var offset: Int64 = 0
    private let temporary: URL
    private var handle: FileHandle?

    public init(url: URL) throws {
        self.url = url
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        temporary = dir.appendingPathComponent(".tmp-\(UUID().uuidString)-\(url.lastPathComponent)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
              let h = FileHandle(forWritingAtPath: temporary.path) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary.path,
                                                            NSLocalizedDescriptionKey: "\(temporary.path): cannot create"])
        }
        handle = h
    }

    deinit { cancel() }

    /// Appends `data`.
    public func write(_ data: Data) throws {
        guard let handle else { throw Self.error(url, "written to after finish or cancel") }
        try handle.write(contentsOf: data)
        offset += Int64(data.count)
    }

    /// Appends `text` as UTF-8.
    public func write(_ text: String) throws { try write(Data(text.utf8)) }

    /// Closes the file and puts it in place.
    public func finish() throws {
        guard let h = handle else { throw Self.error(url, "finished twice or after cancel") }
        try h.close()
        handle = nil
        if rename(temporary.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw Self.error(url, "cannot rename \(temporary.path) into place: \(reason)")
        }
    }

    /// Drops what was written (nothing is left at `url` or the temporary name).
    public func cancel() {
        guard let h = handle else { return }
        try? h.close()
        handle = nil
        try? FileManager.default.removeItem(at: temporary)
    }

    private static func error(_ url: URL, _ message: String) -> Error {
        CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path, NSLocalizedDescriptionKey: "\(url.path): \(message)"])
    }
}
