import Foundation
import Workflow

/// Everything `phenoscope serve` was asked for: where the index and its companions are,
/// where to listen, who may write, and how big a request may be.
///
/// Reads are open unless an API key is configured and `openReads` is false; writes always
/// need the key, so a server started without one is read-only.
public struct ServerConfiguration: Sendable {
    public var indexURL: URL
    public var host: String = "127.0.0.1"
    /// 0 asks the system for a free port (tests, `bench serve`).
    public var port: Int = 8080
    public var apiKey: String?
    public var openReads: Bool = false
    /// The screen's SQLite catalog; `POST /api/flags` writes site QC flags there.
    public var catalogURL: URL?
    /// The images manifest, for thumbnails.
    public var manifestURL: URL?
    /// 2-D coordinates per item id (`.npy`, items x 2); default `umap.npy` in the index folder
    /// if present, else computed at start-up.
    public var umapURL: URL?
    /// Above this many live items no UMAP is computed at start-up (a file can still be given).
    public var umapMaxItems = 20_000
    /// Percentile of control nearest-neighbour similarities below which a query is novel.
    public var noveltyPercentile: Double = 5
    /// The reference items for that calibration; falls back to every item if none match.
    public var noveltyReference: [String] = ["Metadata_Compound=DMSO"]
    public var maxJSONBytes = 1 << 20
    public var maxUploadBytes = 8 << 20
    /// Pixels an uploaded site may decode to, all files and planes together
    /// (`max_upload_pixels`): checked from the image headers before anything is decoded.
    public var maxUploadPixels = SiteImages.defaultMaxPixels
    /// Requests one client address may have in flight at once; more are answered 429.
    public var maxRequestsPerClient = 32
    /// How long a connection may sit in each part of a request before it is closed.
    public var timeouts = ConnectionTimeouts()
    /// Largest side of a thumbnail, pixels.
    public var thumbnailSize = 256

    public init(indexURL: URL) { self.indexURL = indexURL }

    /// Reads the key from a file (surrounding whitespace trimmed); an empty file is an error
    /// rather than an empty key everyone would match.
    public static func readAPIKey(_ url: URL) throws -> String {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ServerError("\(url.path): cannot read the API key file")
        }
        let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard key.count >= 8 else { throw ServerError("\(url.path): API key must be at least 8 characters") }
        return key
    }
}

/// A start-up failure of the server (bad index, unreadable catalog or manifest).
public struct ServerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
