import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The temporary files an uploaded TIFF passes through (libtiff reads files, not memory):
/// `phenoscope-upload-<pid>-<uuid>.tif` in the temporary folder. Each is removed when its
/// decode ends, whatever happens; the process id in the name lets a server that starts
/// later remove those a killed process left behind without touching a running one's.
public enum UploadScratch {
    static let prefix = "phenoscope-upload-"

    /// A fresh scratch file name for this process.
    static func fileURL(in folder: URL = FileManager.default.temporaryDirectory) -> URL {
        folder.appendingPathComponent("\(prefix)\(getpid())-\(UUID().uuidString).tif")
    }

    /// Removes the scratch files of processes that no longer run, and those of the older
    /// naming without a process id that are over an hour old; returns how many it removed.
    @discardableResult
    public static func removeStale(in folder: URL = FileManager.default.temporaryDirectory, now: Date = Date()) -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return 0 }
        var removed = 0
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tif") {
            let url = folder.appendingPathComponent(name)
            let digits = name.dropFirst(prefix.count).prefix { $0.isASCII && $0.isNumber }
            let stale: Bool
            if !digits.isEmpty, name.dropFirst(prefix.count + digits.count).first == "-", let pid = Int32(digits) {
                // kill(pid, 0) probes without signalling; ESRCH: no such process.
                stale = pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH
            } else {
                let modified = (try? FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date) ?? now
                stale = now.timeIntervalSince(modified) > 3600
            }
            if stale, (try? FileManager.default.removeItem(at: url)) != nil { removed += 1 }
        }
        return removed
    }
}
