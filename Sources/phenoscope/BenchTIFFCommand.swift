import ArgumentParser
import Core
import Foundation
import Imaging
import Tensor

/// `phenoscope bench tiff`: TIFF decode throughput of Phenoscope's reader against python
/// tifffile on the same files in the same run.
///
/// Without `--files`, it writes a seeded set of 16-bit microscopy-like planes (blobs on a
/// background, with shot noise) twice, uncompressed and deflate, into a temporary folder.
/// Both sides read each file from disk inside the timed region, single-threaded, best of
/// `--repeats` passes; throughput is decoded megabytes (10^6 bytes) per second.
struct BenchTIFFCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiff",
        abstract: "TIFF decode throughput (MB/s), Phenoscope vs python tifffile on the same files."
    )

    @Option(help: "Benchmark the TIFF files in this folder instead of generated ones.")
    var files: String?
    @Option(help: "Generated files per compression.")
    var count = 20
    @Option(help: "Width of generated planes.")
    var width = 1280
    @Option(help: "Height of generated planes.")
    var height = 1024
    @Option(help: "Timed passes over the files; the best one counts.")
    var repeats = 3
    @Option(parsing: .unconditional, help: "Seed for the generated planes.")
    var seed: UInt64 = 1
    @Flag(help: "Print one JSON object on stdout.")
    var json = false
    @Flag(help: "No progress on stderr.")
    var quiet = false

    func validate() throws {
        guard count > 0, width > 0, height > 0, repeats > 0 else {
            throw ValidationError("--count, --width, --height and --repeats must be positive")
        }
    }

    struct Group {
        let name: String
        let dir: URL
        let files: [URL]
    }

    func run() throws {
        let fm = FileManager.default
        var scratch: URL?
        defer { if let scratch { try? fm.removeItem(at: scratch) } }
        let groups: [Group]
        if let files {
            let dir = URL(fileURLWithPath: files)
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
                throw ValidationError("--files \(files): not a folder")
            }
            let tiffs = try Self.tiffFiles(in: dir)
            guard !tiffs.isEmpty else { throw ValidationError("--files \(files): no .tif or .tiff files") }
            groups = [Group(name: "files", dir: dir, files: tiffs)]
        } else {
            let root = fm.temporaryDirectory.appendingPathComponent("phenoscope-bench-tiff-\(UUID().uuidString)")
            scratch = root
            groups = try [TIFFWriteOptions.Compression.none, .deflate].map { compression in
                let dir = root.appendingPathComponent(compression.rawValue)
                var urls = [URL]()
                for i in 0..<count {
                    progress("generating \(compression.rawValue) \(i + 1)/\(count)")
                    let url = dir.appendingPathComponent(String(format: "plane_%03d.tif", i))
                    try TIFFWriter.write(Self.syntheticPlane(width: width, height: height, seed: seed &+ UInt64(i)), to: url,
                                         options: TIFFWriteOptions(compression: compression))
                    urls.append(url)
                }
                return Group(name: compression.rawValue, dir: dir, files: urls)
            }
        }

        var ours = [(bytes: Int, seconds: Double)]()
        for group in groups {
            let (bytes, best) = try fastestRun(repeats: repeats) { pass in
                progress("phenoscope \(group.name) pass \(pass + 1)/\(repeats)")
                var total = 0
                for url in group.files {
                    for page in try TIFFReader.readRawPages(url) { total += page.bytes.count }
                }
                return total
            }
            ours.append((bytes, best))
        }

        progress("tifffile")
        let reference = runTifffile(groups.map(\.dir))
        if !quiet, isatty(2) != 0 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }

        var rows = [[String: Any]]()
        for (i, group) in groups.enumerated() {
            let mbps = Double(ours[i].bytes) / 1e6 / ours[i].seconds
            var row: [String: Any] = ["name": group.name, "files": group.files.count,
                                      "decoded_mb": Double(ours[i].bytes) / 1e6, "phenoscope_mb_per_s": mbps]
            if case .success(let ref) = reference, i < ref.count {
                row["tifffile_mb_per_s"] = ref[i]
                row["ratio"] = ref[i] > 0 ? mbps / ref[i] : 0
            }
            rows.append(row)
        }
        var summary: [String: Any] = ["groups": rows, "repeats": repeats,
                                      "generated": files == nil, "width": width, "height": height]
        switch reference {
        case .success: summary["tifffile"] = "ran"
        case .failure(let why): summary["tifffile"] = "skipped: \(why.message)"
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for row in rows {
                let name = (row["name"] as! String).padding(toLength: 8, withPad: " ", startingAt: 0)
                var line = name + String(format: " %3d files  phenoscope %8.1f MB/s",
                                         row["files"] as! Int, row["phenoscope_mb_per_s"] as! Double)
                if let ref = row["tifffile_mb_per_s"] as? Double, let ratio = row["ratio"] as? Double {
                    line += String(format: "  tifffile %8.1f MB/s  ratio %.2fx", ref, ratio)
                }
                print(line)
            }
            if case .failure(let why) = reference { print("tifffile comparison skipped: \(why.message)") }
        }
    }

    struct Skipped: Error { let message: String }

    /// tifffile's MB/s per folder, or why it could not be measured.
    func runTifffile(_ dirs: [URL]) -> Result<[Double], Skipped> {
        guard ReferenceScript.available("bench_tifffile.py", modules: ["tifffile"]) else {
            return .failure(Skipped(message: "python3 with tifffile is not available"))
        }
        do {
            let obj = try ReferenceScript.runJSON("bench_tifffile.py", dirs.map(\.path) + ["--repeats", "\(repeats)"])
            guard let results = obj["results"] as? [[String: Any]] else {
                return .failure(Skipped(message: "bench_tifffile.py printed no results"))
            }
            return .success(results.map { $0["mb_per_s"] as? Double ?? 0 })
        } catch {
            return .failure(Skipped(message: "\(error)"))
        }
    }

    static func tiffFiles(in dir: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
            .filter { ["tif", "tiff"].contains($0.pathExtension.lowercased()) }
            .sorted { $0.path < $1.path }
    }

    /// A seeded 16-bit plane that compresses like a fluorescence image: smooth background,
    /// a few hundred bright Gaussian nuclei, and pixel noise.
    static func syntheticPlane(width: Int, height: Int, seed: UInt64) -> Image<UInt16> {
        var rng = SeededRandom(seed: seed)
        func uniform() -> Float { rng.uniform() }
        var px = [Float](repeating: 0, count: width * height)
        let blobs = max(1, width * height / 6000)
        for _ in 0..<blobs {
            let cx = Int(uniform() * Float(width)), cy = Int(uniform() * Float(height))
            let r = 4 + uniform() * 8, amp = 2000 + uniform() * 20000
            let reach = Int(3 * r)
            for y in max(0, cy - reach)..<min(height, cy + reach) {
                for x in max(0, cx - reach)..<min(width, cx + reach) {
                    let d2 = Float((x - cx) * (x - cx) + (y - cy) * (y - cy))
                    px[y * width + x] += amp * expf(-d2 / (2 * r * r))
                }
            }
        }
        return Image(width: width, height: height, pixels: (0..<(width * height)).map { i in
            let y = i / width
            let v = 300 + Float(y) * 0.1 + px[i] + uniform() * 60
            return UInt16(min(65535, max(0, v)))
        })
    }

    func progress(_ message: String) {
        guard !quiet, isatty(2) != 0 else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(message)".utf8))
    }
}
