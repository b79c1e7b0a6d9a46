import ArgumentParser
import Foundation
import Hummingbird
import Server
import Workflow

/// `phenoscope serve`: the similarity-search HTTP API and web page over an index folder.
///
/// Reads (search, MoA vote, items, thumbnails, map) are open unless `--api-key-file` is given
/// without `--open-reads`; writes (add, delete, tag, flag) always need the key, sent as
/// `X-API-Key` or `Authorization: Bearer`. Every write is saved to the index folder (and a
/// flag to the catalog) before it is answered. The API is described at `/openapi.json`.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the search API and web page for an index."
    )

    @Option(help: "Index folder (from `phenoscope index build`).") var index: String
    @Option(help: "Port to listen on (0: any free port, printed on stderr).") var port = 8080
    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "File holding the API key for writes (and keyed reads).") var apiKeyFile: String?
    @Flag(help: "Reads need no key even when an API key is set.") var openReads = false
    @Option(help: "The screen's SQLite catalog; marking a site bad writes its QC flag there.") var catalog: String?
    @Option(help: "Images manifest CSV, for thumbnails.") var imagesManifest: String?
    @Option(help: "2-D map coordinates (.npy, items x 2); default: umap.npy in the index, else UMAP at start-up.") var umap: String?
    @Option(help: "No UMAP at start-up above this many items.") var umapMaxItems = 20_000
    @Option(help: "Percentile of DMSO nearest-neighbour similarities below which a query is novel.") var noveltyPercentile = 5.0
    @Option(help: "Largest JSON request body, bytes.") var maxJsonBytes = 1 << 20
    @Option(help: "Largest image upload, bytes.") var maxUploadBytes = 8 << 20
    @Option(help: "Most pixels an uploaded site may decode to, all files and channels together (checked from headers).")
    var maxUploadPixels = SiteImages.defaultMaxPixels
    @Option(help: "Requests one client address may have in flight; more get 429.") var maxRequestsPerClient = 32
    @Option(help: "Seconds a connection may wait for a request's first byte (new or keep-alive).") var idleTimeout = 30.0
    @Option(help: "Seconds from a request's first byte to the end of its headers.") var headerTimeout = 10.0
    @Option(help: "Seconds from the headers to the end of the body.") var bodyTimeout = 60.0
    @Option(help: "Seconds from a response's headers until the client has taken all of it (a client that does not read is closed).")
    var responseTimeout = 60.0
    @Flag(help: "No start-up messages.") var quiet = false

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be in 0...65535, got \(port)") }
        guard (0...100).contains(noveltyPercentile) else { throw ValidationError("--novelty-percentile must be in 0...100") }
        guard maxJsonBytes > 0, maxUploadBytes > 0, maxUploadPixels > 0 else { throw ValidationError("body and pixel limits must be positive") }
        guard maxRequestsPerClient >= 1 else { throw ValidationError("--max-requests-per-client must be at least 1, got \(maxRequestsPerClient)") }
        for (name, value) in [("--idle-timeout", idleTimeout), ("--header-timeout", headerTimeout), ("--body-timeout", bodyTimeout), ("--response-timeout", responseTimeout)] {
            guard value.isFinite, value > 0, value <= 86_400 else { throw ValidationError("\(name) must be in (0, 86400] seconds, got \(value)") }
        }
    }

    func serverConfiguration() throws -> ServerConfiguration {
        var c = ServerConfiguration(indexURL: URL(fileURLWithPath: index))
        c.host = host; c.port = port; c.openReads = openReads
        c.apiKey = try apiKeyFile.map { try ServerConfiguration.readAPIKey(URL(fileURLWithPath: $0)) }
        c.catalogURL = catalog.map { URL(fileURLWithPath: $0) }
        c.manifestURL = imagesManifest.map { URL(fileURLWithPath: $0) }
        c.umapURL = umap.map { URL(fileURLWithPath: $0) }
        c.umapMaxItems = umapMaxItems
        c.noveltyPercentile = noveltyPercentile
        c.maxJSONBytes = maxJsonBytes; c.maxUploadBytes = maxUploadBytes; c.maxUploadPixels = maxUploadPixels
        c.maxRequestsPerClient = maxRequestsPerClient
        c.timeouts = ConnectionTimeouts(idle: idleTimeout, header: headerTimeout, body: bodyTimeout, response: responseTimeout)
        return c
    }

    func run() throws {
        let config = try serverConfiguration()
        let quiet = self.quiet
        let service = try SearchService(configuration: config) { Log.info($0, quiet: quiet) }
        let access = config.apiKey == nil ? "read-only (no API key)" : (config.openReads ? "open reads, keyed writes" : "keyed reads and writes")
        let app = SearchServer.application(service: service) { port in
            Log.info("serving \(config.indexURL.path) on http://\(config.host):\(port)/ (\(access))", quiet: quiet)
        }
        try BlockingTask.run { try await app.runService() }
    }
}
