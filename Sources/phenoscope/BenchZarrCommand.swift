import ArgumentParser
import Foundation
import Imaging

/// `phenoscope bench zarr`: OME-Zarr plane read throughput of Phenoscope's reader against
/// zarr-python 2 (numcodecs) on the same stores in the same run.
///
/// It writes seeded 16-bit microscopy-like planes (`bench tiff`'s) as one NGFF 0.4 image per
/// compressor (none, zlib, zstd, blosc-lz4 and blosc-zstd with byte shuffle), c/y/x with
/// 256 x 256 chunks, into a temporary folder. Phenoscope reads every channel by reference
/// (`store#c`, metadata parsed per plane, pixels converted to Float as every verb gets them);
/// zarr-python reads `array[c]` as uint16 with blosc single-threaded. Best of `--repeats`
/// passes; throughput is decoded megabytes (10^6 bytes of 16-bit samples) per second.
struct BenchZarrCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zarr",
        abstract: "OME-Zarr plane read throughput (MB/s), Phenoscope vs zarr-python 2 on the same stores."
    )

    @Option(help: "Channels (planes) per generated image.")
    var count = 10
    @Option(help: "Width of generated planes.")
    var width = 1280
    @Option(help: "Height of generated planes.")
    var height = 1024
    @Option(help: "Chunk edge (chunks are 1 x N x N).")
    var chunk = 256
    @Option(help: "Timed passes over the planes; the best one counts.")
    var repeats = 3
    @Option(parsing: .unconditional, help: "Seed for the generated planes.")
    var seed: UInt64 = 1
    @Option(help: "Python with zarr<3 and numcodecs (the comparison is skipped if it cannot import them).")
    var python = "python3"
    @Flag(help: "Print one JSON object on stdout.")
    var json = false
    @Flag(help: "No progress on stderr.")
    var quiet = false

    func validate() throws {
        guard count > 0, width > 0, height > 0, chunk > 0, repeats > 0 else {
            throw ValidationError("--count, --width, --height, --chunk and --repeats must be positive")
        }
        guard width <= 8192, height <= 8192, count <= 1000 else { throw ValidationError("--width/--height at most 8192, --count at most 1000") }
    }

    static let codecs: [(name: String, compressor: ZarrCompressor?)] = [
        ("none", nil), ("zlib", ZarrCompressor(id: "zlib")), ("zstd", ZarrCompressor(id: "zstd")),
        ("blosc_lz4", ZarrCompressor(id: "blosc", cname: "lz4")), ("blosc_zstd", ZarrCompressor(id: "blosc", cname: "zstd")),
    ]

    func run() throws {
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("phenoscope-bench-zarr-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: root) }
        let planes = (0..<count).map { i -> Image<UInt16> in
            progress("generating plane \(i + 1)/\(count)")
            return BenchTIFFCommand.syntheticPlane(width: width, height: height, seed: seed &+ UInt64(i))
        }
        var stores: [URL] = []
        for codec in Self.codecs {
            progress("writing \(codec.name)")
            let store = root.appendingPathComponent("\(codec.name).zarr")
            try writeStore(planes, compressor: codec.compressor, to: store)
            stores.append(store)
        }
        var ours: [(seconds: Double, storedMB: Double)] = []
        let bytes = count * width * height * 2
        for (i, store) in stores.enumerated() {
            let (_, best) = try fastestRun(repeats: repeats) { pass in
                progress("phenoscope \(Self.codecs[i].name) pass \(pass + 1)/\(repeats)")
                var sum: Float = 0
                for c in 0..<count {
                    let plane = try PlaneReader.readFloat(TIFFPage.url(store, selector: String(c)))
                    sum += plane.pixels[c % plane.pixels.count]
                }
                return sum
            }
            ours.append((best, Double(try Self.size(of: store)) / 1e6))
        }
        progress("zarr-python")
        let reference = runZarrPython(stores)
        if !quiet, isatty(2) != 0 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }

        var rows = [[String: Any]]()
        for (i, codec) in Self.codecs.enumerated() {
            let mbps = Double(bytes) / 1e6 / ours[i].seconds
            var row: [String: Any] = ["name": codec.name, "planes": count, "decoded_mb": Double(bytes) / 1e6,
                                      "stored_mb": ours[i].storedMB, "phenoscope_mb_per_s": mbps]
            if case .success(let ref) = reference, i < ref.count {
                row["zarr_python_mb_per_s"] = ref[i]
                row["ratio"] = ref[i] > 0 ? mbps / ref[i] : 0
            }
            rows.append(row)
        }
        var summary: [String: Any] = ["groups": rows, "repeats": repeats, "width": width, "height": height, "chunk": chunk]
        switch reference {
        case .success: summary["zarr_python"] = "ran"
        case .failure(let why): summary["zarr_python"] = "skipped: \(why.message)"
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for row in rows {
                let name = (row["name"] as! String).padding(toLength: 10, withPad: " ", startingAt: 0)
                var line = name + String(format: " %3d planes %6.1f MB stored  phenoscope %8.1f MB/s",
                                         row["planes"] as! Int, row["stored_mb"] as! Double, row["phenoscope_mb_per_s"] as! Double)
                if let ref = row["zarr_python_mb_per_s"] as? Double, let ratio = row["ratio"] as? Double {
                    line += String(format: "  zarr-python %8.1f MB/s  ratio %.2fx", ref, ratio)
                }
                print(line)
            }
            if case .failure(let why) = reference { print("zarr-python comparison skipped: \(why.message)") }
        }
    }

    /// One NGFF 0.4 image (axes c, y, x; array "0"; flat chunk keys) holding `planes`.
    func writeStore(_ planes: [Image<UInt16>], compressor: ZarrCompressor?, to store: URL) throws {
        let array = store.appendingPathComponent("0")
        try FileManager.default.createDirectory(at: array, withIntermediateDirectories: true)
        try Data(#"{"multiscales": [{"version": "0.4", "axes": [{"name": "c", "type": "channel"}, {"name": "y", "type": "space"}, {"name": "x", "type": "space"}], "datasets": [{"path": "0"}]}]}"#.utf8)
            .write(to: store.appendingPathComponent(".zattrs"))
        let codec = compressor.map { c in c.id == "blosc" ? #"{"id": "blosc", "cname": "\#(c.cname ?? "lz4")", "clevel": 5, "shuffle": 1, "blocksize": 0}"# : #"{"id": "\#(c.id)", "level": 5}"# } ?? "null"
        try Data(#"{"zarr_format": 2, "shape": [\#(planes.count), \#(height), \#(width)], "chunks": [1, \#(chunk), \#(chunk)], "dtype": "<u2", "compressor": \#(codec), "fill_value": 0, "order": "C", "filters": null}"#.utf8)
            .write(to: array.appendingPathComponent(".zarray"))
        for (c, plane) in planes.enumerated() {
            for cy in 0..<((height + chunk - 1) / chunk) {
                for cx in 0..<((width + chunk - 1) / chunk) {
                    var raw = [UInt8](repeating: 0, count: chunk * chunk * 2)
                    for y in 0..<chunk where cy * chunk + y < height {
                        for x in 0..<chunk where cx * chunk + x < width {
                            let v = plane[cx * chunk + x, cy * chunk + y]
                            raw[(y * chunk + x) * 2] = UInt8(v & 0xFF)
                            raw[(y * chunk + x) * 2 + 1] = UInt8(v >> 8)
                        }
                    }
                    let bytes = try compressor.map { try $0.encode(raw, typeSize: 2) } ?? raw
                    try Data(bytes).write(to: array.appendingPathComponent("\(c).\(cy).\(cx)"))
                }
            }
        }
    }

    static func size(of directory: URL) throws -> Int {
        var total = 0
        for case let url as URL in FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.fileSizeKey]) ?? .init() {
            total += (try url.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0
        }
        return total
    }

    struct Skipped: Error { let message: String }

    /// zarr-python's MB/s per store, or why it could not be measured.
    func runZarrPython(_ stores: [URL]) -> Result<[Double], Skipped> {
        guard ReferenceScript.available("bench_zarr.py", modules: ["zarr", "numcodecs"], python: python) else {
            return .failure(Skipped(message: "\(python) with zarr and numcodecs is not available (--python)"))
        }
        do {
            let obj = try ReferenceScript.runJSON("bench_zarr.py", stores.map(\.path) + ["--repeats", "\(repeats)"], python: python)
            guard let results = obj["results"] as? [[String: Any]] else {
                return .failure(Skipped(message: "bench_zarr.py printed no results"))
            }
            return .success(results.map { $0["mb_per_s"] as? Double ?? 0 })
        } catch {
            return .failure(Skipped(message: "\(error)"))
        }
    }

    func progress(_ message: String) {
        guard !quiet, isatty(2) != 0 else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(message)".utf8))
    }
}
