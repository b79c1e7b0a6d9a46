import Tensor
import Core
import Foundation
import Imaging
import Profiling
import Screen

extension RunStages {
    /// One plate's stages; each reads only that plate's rows of the manifest. With
    /// illumination correction or intensity normalization on, segmentation, features and crops
    /// read the plate's corrected images (`plates/<plate>/preprocessed/`).
    public func plateStages(plate: String) -> [Stage] {
        let cfg = config, layout = layout, manifestURL = manifestURL, reporter = reporter
        let masksURL = masksURL(plate: plate)
        func plateManifest(_ url: URL) throws -> Manifest {
            var m = try Manifest.load(url)
            m.rows = m.rows.filter { $0.plate == plate }
            m.maxPixels = cfg.screen.maxPixels
            return m
        }
        let workManifestURL = cfg.preprocesses ? layout.preprocessedManifest(plate) : manifestURL
        let illuminationTable = layout.illumination(plate).appendingPathComponent("illumination.csv")
        let locationsURL = cfg.segmentation.method == .locations ? resolve(cfg.segmentation.locations) : nil
        let modelURL = cfg.segmentation.method == .model && !cfg.segmentation.model.isEmpty ? resolve(cfg.segmentation.model) : nil
        var stages: [Stage] = []
        stages.append(Stage(name: "qc@\(plate)", inputs: [manifestURL], outputs: [layout.qc(plate)], parameters: "") {
            let manifest = try plateManifest(manifestURL)
            let results = try reporter.tracking("qc \(plate)", total: manifest.rows.count) { p in
                try QualityControl().run(manifest: manifest) { p.advance() }
            }
            try QualityControl.table(results).write(to: layout.qc(plate))
            let flagged = results.filter { !$0.defect.isEmpty }
            reporter.log("qc \(plate): \(flagged.count) of \(results.count) sites flagged"
                         + (flagged.isEmpty ? "" : " (" + Dictionary(grouping: flagged, by: \.defect).map { "\($0.value.count) \($0.key)" }.sorted().joined(separator: ", ") + ")"))
        })
        if cfg.illumination.enabled {
            stages.append(Stage(name: "illumination@\(plate)", inputs: [manifestURL], outputs: [illuminationTable],
                                parameters: (try? Stage.canonical(cfg.illumination)) ?? "") {
                let manifest = try plateManifest(manifestURL)
                var illum = ScreenIllumination()
                illum.function.smoothing = cfg.illumination.smoothing.smoothing
                illum.function.radius = cfg.illumination.radius
                let plates = try reporter.tracking("illumination \(plate)", total: manifest.rows.count) { p in
                    try illum.estimate(manifest: manifest) { p.advance() }
                }
                try ScreenIllumination.write(plates, channels: manifest.channels, to: layout.illumination(plate))
                let before = plates.flatMap(\.blockCVBefore), after = plates.flatMap(\.blockCVAfter)
                reporter.log(String(format: "illumination %@: %d channels; field CV %.3f -> %.3f", plate, manifest.channels.count,
                                    before.reduce(0, +) / Double(max(before.count, 1)), after.reduce(0, +) / Double(max(after.count, 1))))
            })
        }
        if cfg.preprocesses {
            let inputs = [manifestURL] + (cfg.illumination.enabled ? [illuminationTable] : [])
            stages.append(Stage(name: "preprocess@\(plate)", inputs: inputs, outputs: [layout.preprocessedManifest(plate)],
                                parameters: ((try? Stage.canonical(cfg.illumination)) ?? "") + ((try? Stage.canonical(cfg.normalization)) ?? "")) {
                let manifest = try plateManifest(manifestURL)
                var pre = ScreenPreprocessing()
                if cfg.illumination.enabled { pre.illumination = try ScreenIllumination.load(layout.illumination(plate)) }
                pre.normalization = IntensityNormalization(level: cfg.normalization.level.level,
                                                           lowPercentile: cfg.normalization.lowPercentile,
                                                           highPercentile: cfg.normalization.highPercentile)
                pre.output = cfg.normalization.output.outputType
                _ = try reporter.tracking("preprocess \(plate)", total: manifest.rows.count) { p in
                    try pre.run(manifest: manifest, out: layout.preprocessed(plate)) { p.advance() }
                }
                reporter.log("preprocess \(plate): \(manifest.rows.count) sites corrected (illumination \(cfg.illumination.enabled ? "on" : "off"), normalization \(cfg.normalization.level.rawValue))")
            })
        }
        if cfg.segmentation.method.segmentsImages {
            stages.append(Stage(name: "segment@\(plate)", inputs: [workManifestURL] + (locationsURL.map { [$0] } ?? []), outputs: [masksURL],
                                parameters: (try? cfg.segmentation.stamp()) ?? "") {
                let manifest = try plateManifest(workManifestURL)
                var seg = try Self.screenSegmentation(cfg.segmentation, model: modelURL)
                if let locationsURL { seg.locations = try CellLocations.load(locationsURL) }
                let summary = try reporter.tracking("segment \(plate)", total: manifest.rows.count) { p in
                    try seg.run(manifest: manifest, out: layout.segmentation(plate)) { p.advance() }
                }
                reporter.log("segment \(plate): \(summary.cells) nuclei in \(summary.sites) sites")
            })
        }
        // The run's features, and on a synthetic screen the same measured on the true masks
        // (one of the ceilings the evaluation reads the run against).
        var measurements: [(name: String, masks: URL, out: URL, cells: URL?)] = [("features", masksURL, layout.wellProfiles(plate), layout.cells)]
        if measuresGroundTruthMasks {
            measurements.append(("features-truth", layout.groundTruthMasks, layout.groundTruthMaskWellProfiles(plate), nil))
        }
        for m in measurements {
            stages.append(Stage(name: "\(m.name)@\(plate)", inputs: [workManifestURL, m.masks, layout.qc(plate), layout.catalog],
                                outputs: [m.out],
                                parameters: ((try? Stage.canonical(cfg.features)) ?? "") + "qc_exclude=\(cfg.qc.exclude)") {
                let manifest = try plateManifest(workManifestURL)
                let masks = try MaskIndex.load(m.masks)
                let excluded = cfg.qc.exclude ? try Self.excludedSites(qc: layout.qc(plate), catalog: layout.catalog, manifest: manifest) : []
                var measurement = ScreenMeasurement()
                measurement.options = Self.measurementOptions(cfg.features)
                let result = try reporter.tracking("\(m.name) \(plate)", total: manifest.rows.count) { p in
                    try measurement.run(manifest: manifest, masks: masks, excluded: excluded, cellDirectory: m.cells) { _, _ in p.advance() }
                }
                try result.wells.write(to: m.out)
                reporter.log("\(m.name) \(plate): \(result.cellCount) cells in \(result.siteCount) sites (\(excluded.count) excluded), \(result.wells.featureCount) features per cell")
            })
        }
        if cfg.crops.enabled {
            stages.append(Stage(name: "crops@\(plate)", inputs: [workManifestURL, locationsURL ?? masksURL, layout.qc(plate), layout.catalog],
                                outputs: [layout.crops(plate).appendingPathComponent("crops.json")],
                                parameters: ((try? Stage.canonical(cfg.crops)) ?? "") + "qc_exclude=\(cfg.qc.exclude)") {
                let manifest = try plateManifest(workManifestURL)
                var extraction = CropExtraction()
                extraction.size = cfg.crops.size
                extraction.maskNeighbours = cfg.crops.maskNeighbours
                extraction.dtype = cfg.crops.dtype.dtype
                extraction.shardSize = cfg.crops.shardSize
                if cfg.qc.exclude { extraction.excluded = try Self.excludedSites(qc: layout.qc(plate), catalog: layout.catalog, manifest: manifest) }
                let source: CropExtraction.CellSource = try locationsURL.map { .locations(try CellLocations.load($0)) }
                    ?? .masks(try MaskIndex.load(masksURL))
                let summary = try reporter.tracking("crops \(plate)", total: manifest.rows.count) { p in
                    try extraction.run(manifest: manifest, source: source, out: layout.crops(plate)) { _, _ in p.advance() }
                }
                reporter.log("crops \(plate): \(summary.cells) cells from \(summary.sites) sites, \(summary.store.header.shards.count) shards")
            })
        }
        return stages
    }

    /// The segmentation of the config (the run's and the recipe's).
    /// The site segmentation of a config; method model loads the network from `model` (a
    /// folder, already resolved), or the shipped one when nil.
    static func screenSegmentation(_ c: RunConfig.SegmentationConfig, model: URL?) throws -> ScreenSegmentation {
        var seg = ScreenSegmentation()
        seg.nucleusChannel = c.nucleusChannel
        seg.segmentation.nucleusThreshold = c.nucleusThreshold.method
        if c.method == .model {
            do { seg.nucleusSegmenter = try NucleusSegmenter.load(model?.path) } catch {
                throw PipelineError(message: "segmentation.model: \(error)")
            }
            if let reason = c.precision.unavailableReason() { throw PipelineError(message: "segmentation.precision: \(reason)") }
            seg.nucleusSegmenter?.precision = c.precision
        }
        return seg
    }

    /// The per-cell measurement options of the config (the run's and the recipe's).
    static func measurementOptions(_ f: RunConfig.FeaturesConfig) -> CellMeasurementOptions {
        var options = CellMeasurementOptions()
        options.families = Set(f.families.map(\.family))
        options.textureScales = f.textureScales
        return options
    }
}
