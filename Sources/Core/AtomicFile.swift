import Foundation

/// Writes files so that a reader never sees a half-written one: the bytes go to a
/// temporary name in the same directory, then a rename puts them in place.
///
/// Every stage of the pipeline skips work whose outputs exist, so a file that exists
/// must be complete; a crash or a thrown error leaves only a `.tmp-*` file behind,
/// which no stage reads.
public enum AtomicFile {
    /// Writes `data` to `url` atomically, creating parent directories as needed.
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { tmp in try data.write(to: tmp) }
    }

    /// Writes `text` as UTF-8 to `url` atomically.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// Lets `body` produce the file at a temporary URL, then renames it to `url`.
    /// If `body` throws, the temporary file is removed and `url` is untouched.
    public static func write(to url: URL, _ body: (URL) throws -> Void) throws {
        let fm = FileManager.default
        let dir = url.deletingLastPathComponent()
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        let tmp = dir.appendingPathComponent(".tmp-\(UUID().uuidString)-\(url.lastPathComponent)")
        do {
            try body(tmp)
            if rename(tmp.path, url.path) != 0 {
                throw CocoaError(.fileWriteUnknown, userInfo: [
                    NSFilePathErrorKey: url.path,
                    NSLocalizedDescriptionKey: "cannot rename \(tmp.path) to \(url.path): \(String(cString: strerror(errno)))",
                ])
            }
        } catch {
            try? fm.removeItem(at: tmp)
            throw error
        }
    }
}
