import Core
import Foundation
import Profiling
import Screen

extension RunStages {
    /// The evaluation ceilings of a synthetic screen (config `evaluation.ceilings`), so the
    /// run's figures read against what the screen allows:
    /// - oracle (`evaluation/oracle/`): profiles from the generator's true per-well phenotype
    ///   parameters (`ground_truth/phenotypes.csv`, see `oracleProfiles`), what a perfect
    ///   feature extractor with unlimited cells would give;
    /// - ground-truth masks (`evaluation/ground_truth_masks/`): the run's own features and
    ///   profile steps, measured on the true masks instead of the segmentation, so the loss
    ///   from segmentation shows (absent when the run segments with the true masks).
    /// Both are evaluated like the run's profiles (same options, no classifiers: NSC, NSCB,
    /// mAP and their intervals are what they are read for).
    func ceilingsStage(plates: [String]) throws -> Stage {
        let cfg = config, layout = layout, reporter = reporter
        let withMasks = measuresGroundTruthMasks
        var options = Self.evaluationOptions(cfg.evaluation)
        (options.linearProbe, options.forestTrees) = (false, 0)
        let inputs = [layout.groundTruthPhenotypes] + (withMasks ? plates.map { layout.groundTruthMaskWellProfiles($0) } : [])
        let outputs = [layout.evaluationOracle.appendingPathComponent("evaluation.json")]
            + (withMasks ? [layout.evaluationGroundTruthMasks.appendingPathComponent("evaluation.json")] : [])
        return Stage(name: "ceilings", inputs: inputs, outputs: outputs,
                     parameters: try cfg.profiles.stamp() + cfg.evaluation.stamp()) {
            guard FileManager.default.fileExists(atPath: layout.groundTruthPhenotypes.path) else {
                throw PipelineError(message: "\(layout.groundTruthPhenotypes.path): missing; the synthetic screen was written before true parameters were recorded (run with --force, or set evaluation.ceilings: false)")
            }
            let oracle = try ProfileEvaluation(Self.oracleProfiles(ProfileTable(contentsOf: layout.groundTruthPhenotypes)), options: options)
            try oracle.writeTables(to: layout.evaluationOracle)
            reporter.log("ceilings: oracle (true parameters) NSC \(String(format: "%.3f", oracle.nsc.accuracy))")
            if withMasks {
                let pipeline = Self.profilePipeline(cfg.profiles)
                let wells = try ProfileTable.concatenating(plates.map {
                    try ProfileTable(contentsOf: layout.groundTruthMaskWellProfiles($0), allowMissing: true)
                })
                let normalized = try pipeline.apply(to: wells)
                try normalized.write(to: layout.groundTruthMaskProfiles)
                let e = try ProfileEvaluation(normalized, options: options)
                try e.writeTables(to: layout.evaluationGroundTruthMasks)
                reporter.log("ceilings: ground-truth masks NSC \(String(format: "%.3f", e.nsc.accuracy)), \(normalized.featureCount) features")
            }
        }
    }

    static let oracleLabel = "oracle (true parameters)"
    static let groundTruthMasksLabel = "ground-truth masks"

    /// Profiles of the true per-well parameters (`Truth_*` columns of phenotypes.csv): each
    /// parameter centred on its plate's DMSO mean, as the run centres features on DMSO, and
    /// divided by its standard deviation over all wells; parameters constant over the screen
    /// are dropped. Not against DMSO's spread as the run's robust z: most parameters do not
    /// vary between DMSO wells at all, and dividing by a zero spread would leave them in
    /// their own units (a granule count beside a fraction).
    public static func oracleProfiles(_ truth: ProfileTable) throws -> ProfileTable {
        var out = truth
        for (_, rows, scaling) in try PlateNormalization(method: .standardize).scalings(of: truth) {
            for j in 0..<truth.featureCount {
                for r in rows { out[r, j] = truth[r, j] - scaling.center[j] }
            }
        }
        var kept: [Int] = []
        for j in 0..<truth.featureCount {
            let sd = Statistics.std((0..<truth.rowCount).map { truth[$0, j] })
            guard sd > 0 else { continue }
            kept.append(j)
            for r in 0..<truth.rowCount { out[r, j] /= sd }
        }
        return out.selectingFeatures(kept)
    }
}
