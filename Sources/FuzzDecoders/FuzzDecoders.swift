import Foundation
import Imaging
import Screen
import Core

// `FuzzDecoders`: the decoders that read untrusted bytes, behind one libFuzzer entry point.
//
// Built normally (`swift build`), it replays inputs: every argument is a file or a folder of
// files, each run through `decodeOne` once, so the committed corpus and crash reproducers
// (`scripts/fuzz-corpus/`) are checked by an ordinary build; `scripts/test.sh` does that. Built by `scripts/fuzz.sh` with `-sanitize=fuzzer` and
// `-DFUZZING`, libFuzzer drives `decodeOne` instead. A decoder may throw on any input; the
// harness fails only on a trap, a signal or an allocation over libFuzzer's `-rss_limit_mb`.

/// Which decoder an input goes to: its first byte modulo the case count; the rest is the file.
enum FuzzedDecoder: UInt8, CaseIterable {
    case npy, png, tiff, csv, manifest, zarrChunk, zarray

    /// Pixel budget for TIFF under fuzzing: small, so that a header libFuzzer makes up
    /// cannot pass the budget check and then cost the run its memory limit.
    static let tiffMaxPixels = 1 << 22

    /// Where a TIFF input is written, since libtiff reads from a file; one per process.
    static let scratchTIFF = FileManager.default.temporaryDirectory
        .appendingPathComponent("phenoscope-fuzz-\(ProcessInfo.processInfo.processIdentifier).tif")
}

func decodeOne(_ input: Data) {
    guard let first = input.first else { return }
    let body = Data(input.dropFirst())
    switch FuzzedDecoder(rawValue: first % UInt8(FuzzedDecoder.allCases.count))! {
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
        print("replayed \(replayed) inputs without a crash")
    }
}
#endif
