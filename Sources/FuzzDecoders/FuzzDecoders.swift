import Foundation
import Imaging
import Screen
import Core
import Learning
import Search
import Server
import Workflow

// `FuzzDecoders`: the decoders and parsers that read untrusted bytes (images, arrays, CSV,
// run and train YAML, index folders, API request bodies), behind one libFuzzer entry point.
//
// Built normally (`swift build`), it replays inputs: every argument is a file or a folder of
// files, each run through `decodeOne` once, so the committed corpus and crash reproducers
// (`scripts/fuzz-corpus/`) are checked by an ordinary build; `scripts/test.sh` does that. Built by `scripts/fuzz.sh` with `-sanitize=fuzzer` and
// `-DFUZZING`, libFuzzer drives `decodeOne` instead. A decoder may throw on any input; the
// harness fails only on a trap, a signal or an allocation over libFuzzer's `-rss_limit_mb`.

/// Which decoder an input goes to: its first byte modulo the case count; the rest is the file.
/// New cases go at the end, so committed inputs keep their decoder.
enum FuzzedDecoder: UInt8, CaseIterable {
    case npy, png, tiff, csv, manifest, runYAML, trainYAML, index, apiJSON, zarrChunk, zarray

    /// Pixel budget for TIFF under fuzzing: small, so that a header libFuzzer makes up
    /// cannot pass the budget check and then cost the run its memory limit.
    static let tiffMaxPixels = 1 << 22

    /// Where a TIFF input is written, since libtiff reads from a file; one per process.
    static let scratchTIFF = FileManager.default.temporaryDirectory
        .appendingPathComponent("phenoscope-fuzz-\(ProcessInfo.processInfo.processIdentifier).tif")

    /// Where an index input is unpacked, since `SearchIndex.open` reads a folder; one per
    /// process, inside a folder of its own (opening scans the index's parent for stale copies).
    static let scratchIndexParent = FileManager.default.temporaryDirectory
        .appendingPathComponent("phenoscope-fuzz-index-\(ProcessInfo.processInfo.processIdentifier)")
    static let scratchIndex = scratchIndexParent.appendingPathComponent("index")
}

/// An index folder packed into one fuzz input: its files in `names` order, separated by
/// `separator` (a missing tail part is an empty file).
enum PackedIndex {
    static let names = ["index.json", "deleted.u8", "vectors.f32", "hnsw_levels.i32", "hnsw_links0.i32", "hnsw_upper.i32", "items.tsv"]
    static let separator = Array("\n=====\n".utf8)

    static func pack(_ folder: URL) -> Data {
        var out: [UInt8] = []
        for (i, name) in names.enumerated() {
            if i > 0 { out += separator }
            out += (try? Data(contentsOf: folder.appendingPathComponent(name))).map(Array.init) ?? []
        }
        return Data(out)
    }

    static func unpack(_ body: Data, into folder: URL) -> Bool {
        try? FileManager.default.removeItem(at: folder)
        guard (try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)) != nil else { return false }
        var parts: [[UInt8]] = [], current: [UInt8] = []
        let bytes = Array(body)
        var i = 0
        while i < bytes.count {
            if parts.count < names.count - 1, bytes[i] == separator[0], i + separator.count <= bytes.count,
               Array(bytes[i..<(i + separator.count)]) == separator {
                parts.append(current); current = []; i += separator.count
            } else {
                current.append(bytes[i]); i += 1
            }
        }
        parts.append(current)
        for (n, name) in names.enumerated() {
            let data = n < parts.count ? Data(parts[n]) : Data()
            guard (try? data.write(to: folder.appendingPathComponent(name))) != nil else { return false }
        }
        return true
    }
}

/// Opens an index input and runs the searches a server would: by id, by vector, filtered.
func fuzzIndex(_ body: Data) {
    guard PackedIndex.unpack(body, into: FuzzedDecoder.scratchIndex),
          let index = try? SearchIndex.open(FuzzedDecoder.scratchIndex) else { return }
    let live = (0..<min(index.metadata.count, 4)).filter { index.index.vector($0) != nil }
    for id in live { _ = try? index.search(id: id, k: 5) }
    if index.index.dimension > 0, index.index.dimension <= 4096 {
        _ = try? index.search(vectors: [[Float](repeating: 1, count: index.index.dimension)], k: 3)
    }
    if let filter = try? ItemFilter(["!tag:bad"]) { _ = try? index.search(id: live.first ?? 0, k: 3, filter: filter) }
}

/// `PHENOSCOPE_FUZZ_TARGET=<case name>` pins every input to one decoder (the first byte is
/// still dropped, so corpus files keep one format), so that `scripts/fuzz.sh` can give each
/// decoder its own stated number of executions.
let pinnedDecoder: FuzzedDecoder? = ProcessInfo.processInfo.environment["PHENOSCOPE_FUZZ_TARGET"].flatMap { name in
    FuzzedDecoder.allCases.first { "\($0)" == name }
}

func decodeOne(_ input: Data) {
    guard let first = input.first else { return }
    let body = Data(input.dropFirst())
    let decoder = pinnedDecoder ?? FuzzedDecoder(rawValue: first % UInt8(FuzzedDecoder.allCases.count)) ?? .npy
    switch decoder {
    case .npy:
        _ = try? NPYArray.parse(body, source: "fuzz.npy").floats()
    case .png:
        _ = try? PNGCodec.decode(body, source: "fuzz.png")
    case .tiff:
        guard (try? body.write(to: FuzzedDecoder.scratchTIFF)) != nil else { return }
        _ = try? TIFFReader.readPages(FuzzedDecoder.scratchTIFF, maxPixels: FuzzedDecoder.tiffMaxPixels)
    case .csv:
        _ = try? CSVTable(parsing: String(decoding: body, as: UTF8.self), source: "fuzz.csv")
    case .zarrChunk:
        // The next byte picks the codec; the chunk must decode to exactly 512 bytes (a 16 x 16 uint16 chunk, as the seeds).
        guard let codec = body.first else { return }
        let ids = ZarrCompressor.supported
        _ = try? ZarrCompressor(id: ids[Int(codec) % ids.count]).decode([UInt8](body.dropFirst()), byteCount: 512, file: "fuzz")
    case .zarray:
        guard let metadata = try? JSONDecoder().decode(ZarrArrayMetadata.self, from: body) else { return }
        _ = try? ZarrArray(directory: FileManager.default.temporaryDirectory, metadata: metadata, maxPixels: FuzzedDecoder.tiffMaxPixels)
    case .manifest:
        guard let table = try? CSVTable(parsing: String(decoding: body, as: UTF8.self), source: "fuzz.csv"),
              let manifest = try? Manifest(table: table, baseDirectory: FileManager.default.temporaryDirectory) else { return }
        _ = manifest.validate(plateWells: 96, checkFiles: false)
    case .runYAML:
        _ = try? RunConfig.parse(String(decoding: body, as: UTF8.self), file: "fuzz-run.yaml")
    case .trainYAML:
        _ = try? TrainConfig.parse(String(decoding: body, as: UTF8.self), file: "fuzz-train.yaml")
    case .index:
        fuzzIndex(body)
    case .apiJSON:
        // The next byte picks the body type; the rest is the request body.
        guard let kind = body.first else { return }
        _ = try? APIRequestFuzzing.decode(kind: kind, body: Array(body.dropFirst()))
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    decodeOne(Data(bytes: bytes, count: count))
    return 0
}
#else
/// The replay entry point of an ordinary build: every argument a file or a folder of inputs.
@main
enum Replay {
    static func main() {
        if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "--write-index-seeds" {
            writeIndexSeeds(to: URL(fileURLWithPath: CommandLine.arguments[2]))
            return
        }
        var replayed = 0
        for path in CommandLine.arguments.dropFirst() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("\(path): not found\n".utf8))
                exit(1)
            }
            let files = isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { "\(path)/\($0)" }
                : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                decodeOne(data)
                replayed += 1
            }
        }
        try? FileManager.default.removeItem(at: FuzzedDecoder.scratchTIFF)
        try? FileManager.default.removeItem(at: FuzzedDecoder.scratchIndexParent)
        print("replayed \(replayed) inputs without a crash")
    }

    /// Packs small exact and HNSW indexes (with a deletion and tags) as seed inputs.
    static func writeIndexSeeds(to folder: URL) {
        var rng = SeededRandom(seed: 7)
        for kind in [SearchIndex.Kind.exact, .hnsw] {
            var index = SearchIndex(kind: kind, dimension: 4, metadataColumns: ["Metadata_Compound"])
            for i in 0..<12 {
                let v = (0..<4).map { _ in Float(rng.uniformDouble() - 0.5) }
                _ = try? index.add(v, fields: ["Metadata_Compound": "c\(i % 3)"], tags: i == 2 ? ["bad"] : [])
            }
            _ = index.delete(5)
            let saved = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-seed-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: saved) }
            do { try index.save(to: saved) } catch { print("cannot save a seed index: \(error)"); exit(1) }
            let name = "\(FuzzedDecoder.index.rawValue)-index-\(kind.rawValue)"
            try? (Data([FuzzedDecoder.index.rawValue]) + PackedIndex.pack(saved)).write(to: folder.appendingPathComponent(name))
        }
    }
}
#endif
