import Core
import Foundation
import Profiling
import Screen
import Search

extension RunStages {
    /// The screen-wide stages, over every plate's outputs.
    public func screenStages(plates: [String]) throws -> [Stage] {
        let cfg = config, layout = layout, reporter = reporter
        for p in plates {
            for url in [layout.qc(p), layout.wellProfiles(p)] where !FileManager.default.fileExists(atPath: url.path) {
                throw PipelineError(message: "\(url.path): missing; run plate \(p) first (phenoscope run CONFIG --only plates --plate \(p))")
            }
        }
        var stages: [Stage] = []
        stages.append(Stage(name: "collect", inputs: plates.flatMap { [layout.qc($0), layout.wellProfiles($0)] } + [layout.plateList],
                            outputs: [layout.wellProfiles, layout.qc], parameters: plates.joined(separator: "\n")) {
            // A plate's table at a time: the screen's wells are never all in memory here.
            try ProfileTable.concatenateFiles(plates.map { layout.wellProfiles($0) }, to: layout.wellProfiles, allowMissing: true)
            var qc: CSVTable?
            for p in plates {
                let t = try CSVTable(contentsOf: layout.qc(p))
                guard var all = qc else { qc = t; continue }
                guard t.header == all.header else { throw PipelineError(message: "\(layout.qc(p).path): columns differ from the first plate's qc.csv") }
                all.rows += t.rows
                qc = all
            }
            if var qc {
                qc.lineNumbers = qc.rows.indices.map { $0 + 2 }
                try qc.write(to: layout.qc)
            }
        })
        stages.append(Stage(name: "profiles", inputs: [layout.wellProfiles], outputs: [layout.normalizedProfiles, layout.normalizedParquet],
                            parameters: try cfg.profiles.stamp()) {
            let pipeline = Self.profilePipeline(cfg.profiles)
            let wells = try ProfileTable(contentsOf: layout.wellProfiles, allowMissing: pipeline.acceptsMissingValues)
            let normalized = try pipeline.apply(to: wells)
            try normalized.write(to: layout.normalizedProfiles)
            try ParquetWriter.write(normalized, to: layout.normalizedParquet)
            reporter.log("profiles: \(normalized.rowCount) wells, \(normalized.featureCount) of \(wells.featureCount) features kept")
        })
        stages.append(indexStage(name: "index", profiles: layout.normalizedProfiles, out: layout.index("wells")))
        stages.append(try recipeStage())
        let ceilings = evaluatesCeilings
        if ceilings { stages.append(try ceilingsStage(plates: plates)) }
        let ceilingFiles = ceilings ? [layout.evaluationOracle] + (measuresGroundTruthMasks ? [layout.evaluationGroundTruthMasks] : []) : []
        stages.append(Stage(name: "evaluate", inputs: [layout.wellProfiles, layout.normalizedProfiles, layout.qc]
                                + ceilingFiles.map { $0.appendingPathComponent("evaluation.json") },
                            outputs: [layout.evaluation.appendingPathComponent("evaluation.json"),
                                      layout.evaluationRaw.appendingPathComponent("evaluation.json"),
                                      layout.evaluation.appendingPathComponent("report.html")],
                            parameters: try cfg.evaluation.stamp()) {
            let options = Self.evaluationOptions(cfg.evaluation)
            var quick = options
            (quick.linearProbe, quick.forestTrees) = (false, 0)
            // The raw well means too, so the effect of normalization on NSCB is visible.
            // Features undefined in some well (NaN) are dropped there, as nothing else is done to them.
            let wells = try ProfileTable(contentsOf: layout.wellProfiles, allowMissing: true)
            let definedOnly = ProfilePipeline(featureSelection: FeatureSelection(operations: [.dropNaColumns], naCutoff: 0))
            let defined = try definedOnly.apply(to: wells)
            // Reports with UMAP maps of treatments and wells, and the QC summary.
            var report = EvaluationReport.Options()
            report.qc = try QCSummary(contentsOf: layout.qc)
            report.seed = UInt64(cfg.evaluation.seed)
            let raw = try ProfileEvaluation(defined, options: options)
            report.title = "Phenoscope run \(cfg.name): raw well means"
            try raw.write(to: layout.evaluationRaw, report: report)
            // The normalized profiles without feature selection, so a selection that costs
            // accuracy shows (figures only).
            var rows: [EvaluationReport.ComparisonRow] = []
            if cfg.profiles.featureSelect {
                var plain = Self.profilePipeline(cfg.profiles)
                plain.featureSelection = definedOnly.featureSelection
                let unselected = try ProfileEvaluation(plain.apply(to: wells), options: quick)
                try unselected.writeTables(to: layout.evaluationUnselected)
                rows.append(try EvaluationHeadline.load(layout.evaluationUnselected).comparisonRow("normalized, without feature selection"))
            }
            rows.append(try EvaluationHeadline.load(layout.evaluationRaw).comparisonRow("raw well means"))
            if ceilings {
                rows.append(try EvaluationHeadline.load(layout.evaluationOracle).comparisonRow(Self.oracleLabel))
                if self.measuresGroundTruthMasks {
                    rows.append(try EvaluationHeadline.load(layout.evaluationGroundTruthMasks).comparisonRow(Self.groundTruthMasksLabel))
                }
            }
            let normalized = try ProfileEvaluation(ProfileTable(contentsOf: layout.normalizedProfiles), options: options)
            report.title = "Phenoscope run \(cfg.name): normalized profiles"
            report.comparison = rows
            try normalized.write(to: layout.evaluation, report: report)
        })
        return stages
    }

    /// An exact cosine index over a profiles table, for `phenoscope search` and `phenoscope serve`
    /// (`--index runs/<name>/index/wells`): which wells look like this one.
    func indexStage(name: String, profiles: URL, out: URL) -> Stage {
        let reporter = reporter
        return Stage(name: name, inputs: [profiles], outputs: [out.appendingPathComponent("index.json")], parameters: "kind=exact\nmetric=cosine\n") {
            let table = try ProfileTable(contentsOf: profiles)
            try IndexBuilder.index(profiles: table, kind: .exact, metric: .cosine).save(to: out)
            reporter.log("\(name): \(table.rowCount) items x \(table.featureCount) -> \(out.path)")
        }
    }
}
