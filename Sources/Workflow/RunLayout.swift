import Foundation

/// Where each stage of a run puts its files, relative to `runs/<name>/`: the one map of a
/// run folder, shared by the stages, the recipe and the front ends that read a run.
public struct RunLayout: Sendable {
    public var root: URL
    public init(root: URL) { self.root = root }

    public var syntheticScreen: URL { root.appendingPathComponent("screen") }
    public var syntheticManifest: URL { syntheticScreen.appendingPathComponent("manifest.csv") }
    public var groundTruthMasks: URL { syntheticScreen.appendingPathComponent("ground_truth/masks.csv") }
    /// The synthetic screen's true per-well phenotype parameters (`SyntheticScreen`).
    public var groundTruthPhenotypes: URL { syntheticScreen.appendingPathComponent("ground_truth/phenotypes.csv") }
    public var catalog: URL { root.appendingPathComponent("catalog.sqlite") }
    public var qc: URL { root.appendingPathComponent("qc/qc.csv") }
    public var plateList: URL { root.appendingPathComponent("plates.txt") }
    public func plateDirectory(_ plate: String) -> URL { root.appendingPathComponent("plates/\(plate)") }
    public func qc(_ plate: String) -> URL { plateDirectory(plate).appendingPathComponent("qc.csv") }
    public func segmentation(_ plate: String) -> URL { plateDirectory(plate).appendingPathComponent("segmentation") }
    public func wellProfiles(_ plate: String) -> URL { plateDirectory(plate).appendingPathComponent("wells.csv") }
    /// A plate's well profiles measured on the ground-truth masks (the evaluation ceilings).
    public func groundTruthMaskWellProfiles(_ plate: String) -> URL { plateDirectory(plate).appendingPathComponent("wells_ground_truth_masks.csv") }
    public func illumination(_ plate: String) -> URL { plateDirectory(plate).appendingPathComponent("illumination") }
    public func preprocessed(_ plate: String) -> URL { plateDirectory(plate).appendingPathComponent("preprocessed") }
    public func preprocessedManifest(_ plate: String) -> URL { preprocessed(plate).appendingPathComponent("manifest.csv") }
    public func crops(_ plate: String) -> URL { plateDirectory(plate).appendingPathComponent("crops") }
    public var cells: URL { root.appendingPathComponent("cells") }
    public var wellProfiles: URL { root.appendingPathComponent("profiles/wells.csv") }
    public var normalizedProfiles: URL { root.appendingPathComponent("profiles/wells_normalized.csv") }
    public var normalizedParquet: URL { root.appendingPathComponent("profiles/wells_normalized.parquet") }
    public var evaluation: URL { root.appendingPathComponent("evaluation") }
    public var evaluationRaw: URL { root.appendingPathComponent("evaluation/raw") }
    /// The normalized profiles evaluated without feature selection.
    public var evaluationUnselected: URL { root.appendingPathComponent("evaluation/without_feature_selection") }
    /// Ceilings: profiles from the true parameters, and from features on the ground-truth masks.
    public var evaluationOracle: URL { root.appendingPathComponent("evaluation/oracle") }
    public var evaluationGroundTruthMasks: URL { root.appendingPathComponent("evaluation/ground_truth_masks") }
    public var groundTruthMaskProfiles: URL { root.appendingPathComponent("profiles/wells_ground_truth_masks_normalized.csv") }
    public func index(_ name: String) -> URL { root.appendingPathComponent("index/\(name)") }
    /// The screen's crops: every plate's store joined (shards hard-linked).
    public var screenCrops: URL { root.appendingPathComponent("crops") }
    /// The model trained on the screen's crops (a `phenoscope train` run folder).
    public var model: URL { root.appendingPathComponent("model") }
    public func embeddings(_ name: String) -> URL { root.appendingPathComponent("embeddings/\(name).npy") }
    public func embeddingProfiles(_ name: String) -> URL { root.appendingPathComponent("profiles/wells_\(name)_normalized.csv") }
}
