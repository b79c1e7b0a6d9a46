import Foundation

/// Relative paths between directories, for manifests that stay valid when a screen folder
/// is moved as a whole.
public enum RelativePath {
    /// The path prefix (ending in `/`, or empty) that leads from directory `base` to
    /// directory `target`.
    public static func from(_ base: URL, to target: URL) -> String {
        let b = base.standardizedFileURL.resolvingSymlinksInPath().pathComponents
        let t = target.standardizedFileURL.resolvingSymlinksInPath().pathComponents
        var common = 0
        while common < min(b.count, t.count) && b[common] == t[common] { common += 1 }
        let ups = Array(repeating: "..", count: b.count - common)
        let downs = Array(t[common...])
        let parts = ups + downs
        return parts.isEmpty ? "" : parts.joined(separator: "/") + "/"
    }
}
