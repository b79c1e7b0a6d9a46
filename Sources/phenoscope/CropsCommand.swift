import ArgumentParser
import Foundation
import Screen

/// `phenoscope crops MANIFEST (--masks MASKS.csv | --locations CSV) --out DIR`: single-cell
/// crops of every channel, a fixed box centred on each nucleus, written as a crop store
/// (sharded `.npy` of uint16 or float16, `cells.csv`, `crops.json` last). Streams plate by
/// plate; with `--qc qc.csv` the sites it flags are left out.
struct CropsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crops",
        abstract: "Cut single-cell crops (all channels) into a sharded .npy crop store with cells.csv."
    )

    @Argument(help: "The manifest CSV.") var manifest: String
    @OptionGroup var budget: ImageBudgetOptions
    @Option(help: "masks.csv (DESIGN.md Masks): crops centred on nucleus centroids.") var masks: String?
    @Option(help: "Cell locations CSV (Metadata_Plate, Metadata_Well, Metadata_Site, Location_X, Location_Y; or DeepProfiler's Nuclei_Location_Center_X, Nuclei_Location_Center_Y).") var locations: String?
    @Option(help: "Output folder (the crop store).") var out: String
    @Option(help: "Crop side in pixels.") var size = 96
    @Flag(help: "Zero the pixels of neighbouring cells (needs --masks).") var maskNeighbours = false
    @Option(help: "Element type: u16 (raw intensities) or f16 (intensity / 65535).") var dtype = "u16"
    @Option(help: "Cells per shard file.") var shardSize = 4096
    @Option(help: "qc.csv from `phenoscope qc`: flagged sites are left out.") var qc: String?
    @Option(help: "Worker threads.") var threads = 2
    @Flag(help: "Print one JSON object with the counts on standard output.") var json = false
    @Flag(help: "No progress output.") var quiet = false

    func validate() throws {
        guard (masks == nil) != (locations == nil) else { throw ValidationError("give exactly one of --masks and --locations") }
        guard (1...CropExtraction.maxSize).contains(size) else {
            throw ValidationError("--size: expected 1 to \(CropExtraction.maxSize) pixels, got \(size)")
        }
        guard shardSize >= 1 else { throw ValidationError("--shard-size: expected at least 1") }
        guard CropStore.DType(rawValue: dtype) != nil else { throw ValidationError("--dtype: '\(dtype)': expected u16 or f16") }
    }

    func run() throws {
        let m = try budget.manifest(manifest)
        var extraction = CropExtraction()
        extraction.size = size
        extraction.maskNeighbours = maskNeighbours
        extraction.dtype = CropStore.DType(rawValue: dtype)!
        extraction.shardSize = shardSize
        extraction.threads = threads
        if let qc { extraction.excluded = try QualityControl.flaggedSites(URL(fileURLWithPath: qc)) }
        let source: CropExtraction.CellSource = try masks.map { .masks(try MaskIndex.load(URL(fileURLWithPath: $0))) }
            ?? .locations(try CellLocations.load(URL(fileURLWithPath: locations!)))
        let progress = ProgressLine("crops", total: m.rows.count - extraction.excluded.count, quiet: quiet || json)
        let start = Date()
        let summary = try extraction.run(manifest: m, source: source, out: URL(fileURLWithPath: out)) { _, _ in progress.advance() }
        progress.finish()
        let seconds = Date().timeIntervalSince(start)
        let result: [String: Any] = ["sites": summary.sites, "cells": summary.cells, "shards": summary.store.header.shards.count,
                                     "seconds": seconds, "cells_per_s": Double(summary.cells) / max(seconds, 1e-9)]
        if json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
        } else {
            for k in result.keys.sorted() { Log.info("\(k): \(result[k]!)") }
        }
    }
}
