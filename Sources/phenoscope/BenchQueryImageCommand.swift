import ArgumentParser
import Core
import Foundation
import Hummingbird
import Profiling
import Server
import Workflow

/// `phenoscope bench query-image`: latency of a query by image end to end.
///
/// Serves `--index` in this process on a free loopback port and sends one site's files
/// (`--image`, as `phenoscope search --image` takes them) to `POST /api/search/image` as a
/// multipart form, `--queries` times one after another: upload, decode, segmentation,
/// features or embedding, normalization, search and vote, answer. Reports the median (p50)
/// and the extremes, and, measured in the same run as the baseline, the median of the
/// recipe alone in-process (`SiteProfiler` on already decoded planes), so the share of
/// HTTP and decoding is visible.
struct BenchQueryImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query-image",
        abstract: "Latency of POST /api/search/image (one site, end to end): p50 over N sequential queries."
    )

    @Option(help: "Index folder with its recipe.json (from phenoscope run).") var index: String
    @Option(help: "The site's files (repeatable): one multi-page TIFF, or one file per channel named after it.") var image: [String]
    @Option(help: "Sequential queries to time.") var queries = 20
    @Option(help: "Neighbours per query.") var k = 10
    @Flag(help: "Print one JSON object on standard output.") var json = false
    @Flag(help: "No progress output.") var quiet = false

    func validate() throws {
        guard !image.isEmpty else { throw ValidationError("give the site's files with --image") }
        guard queries >= 1, k >= 1 else { throw ValidationError("--queries and --k must be at least 1") }
    }

    func run() throws {
        let files = try image.map { path in
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("--image \(path): cannot read the file") }
            return SiteImages.File(name: URL(fileURLWithPath: path).lastPathComponent, bytes: Array(data))
        }
        var config = ServerConfiguration(indexURL: URL(fileURLWithPath: index))
        config.port = 0
        config.umapMaxItems = 0 // the map is not what is measured
        config.maxUploadBytes = max(config.maxUploadBytes, files.map(\.bytes.count).reduce(0, +) * 2)
        let quiet = self.quiet
        let service = try SearchService(configuration: config) { Log.info($0, quiet: quiet) }
        let profiler = try service.profiler.get()
        let (port, server) = try BlockingTask.run { () -> (Int, Task<Void, Error>) in
            let bound = BoundPort()
            let app = SearchServer.application(service: service, quiet: true) { bound.set($0) }
            let task = Task { try await app.run() }
            return (try await bound.wait(), task)
        }
        defer { server.cancel() }
        let form = MultipartForm(parts: files.map { .init(name: $0.name, filename: $0.name, bytes: $0.bytes) }).encoded()
        var endToEnd: [Double] = [], cells = 0
        for i in 0..<queries {
            let start = Date()
            let r = try LoopbackHTTPClient(port: port).send(method: "POST", path: "/api/search/image?k=\(k)",
                                                            headers: ["Content-Type": form.contentType], body: form.body)
            endToEnd.append(Date().timeIntervalSince(start))
            guard r.status == 200 else { throw ValidationError("query \(i): HTTP \(r.status): \(r.text.prefix(300))") }
            cells = r.json["cells"] as? Int ?? 0
        }
        let planes = try SiteImages.assign(files, channels: profiler.recipe.channels)
        var recipeOnly: [Double] = []
        for _ in 0..<queries {
            let start = Date()
            _ = try profiler.profile(planes)
            recipeOnly.append(Date().timeIntervalSince(start))
        }
        let size = planes.values.first.map { "\($0.width)x\($0.height)" } ?? "?"
        let report: [String: Double] = [
            "queries": Double(queries), "cells": Double(cells), "channels": Double(planes.count),
            "end_to_end_p50_ms": Statistics.median(endToEnd) * 1000, "end_to_end_min_ms": (endToEnd.min() ?? 0) * 1000,
            "end_to_end_max_ms": (endToEnd.max() ?? 0) * 1000, "recipe_only_p50_ms": Statistics.median(recipeOnly) * 1000,
            "upload_bytes": Double(form.body.count),
        ]
        if json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print(String(format: "query by image (%@, %d channels, %d cells, %@ recipe): p50 %.0f ms end to end (min %.0f, max %.0f) over %d queries; recipe alone p50 %.0f ms",
                         size, planes.count, cells, profiler.recipe.vectors.kind, report["end_to_end_p50_ms"]!, report["end_to_end_min_ms"]!,
                         report["end_to_end_max_ms"]!, queries, report["recipe_only_p50_ms"]!))
        }
    }
}
