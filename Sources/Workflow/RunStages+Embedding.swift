import Core
import Foundation
import Learning
import Profiling
import Screen

extension RunStages {
    /// The learned-embedding stages (config `embedding:`), after the classical evaluation: the
    /// plates' crop stores joined into one (`crops/`, shards hard-linked), a model trained on
    /// them (`model/`, a `phenoscope train` run folder) unless an existing one is given, every
    /// cell embedded (`embeddings/<name>.npy` + `.csv`), then well profiles normalized as the
    /// classical ones (`profiles/wells_embedding_normalized.csv`), evaluated
    /// (`evaluation/embedding/`) and indexed (`index/wells_embedding/`). With `random_baseline`
    /// the same is done with the untrained weights (`evaluation/embedding_random/`), so the gain
    /// from training is visible.
    public func embeddingStages(plates: [String]) throws -> [Stage] {
        let cfg = config, layout = layout, reporter = reporter
        let e = cfg.embedding
        var stages: [Stage] = []
        let plateStores = plates.map { layout.crops($0).appendingPathComponent("crops.json") }
        stages.append(Stage(name: "crops", inputs: plateStores, outputs: [layout.screenCrops.appendingPathComponent("crops.json")],
                            parameters: plates.joined(separator: "\n")) {
            let stores = try plates.map { try CropStore.open(layout.crops($0)) }
            try? FileManager.default.removeItem(at: layout.screenCrops)
            let store = try CropStore.combine(stores, into: layout.screenCrops)
            reporter.log("crops: \(store.header.count) cells from \(plates.count) plates")
        })
        let modelURL = modelURL
        if e.model.isEmpty {
            let trainURL = resolve(e.train)
            var train = try TrainConfig.load(trainURL)
            train.name = layout.model.lastPathComponent
            train.runsDir = layout.model.deletingLastPathComponent().path
            train.crops = layout.screenCrops.path
            if e.trainSeed >= 0 { train.seed = e.trainSeed }
            stages.append(Stage(name: "train", inputs: [layout.screenCrops.appendingPathComponent("crops.json"), trainURL],
                                outputs: [layout.model.appendingPathComponent("backbone.safetensors")],
                                parameters: try train.yaml()) {
                // A changed config or new crops means a new model, never a resumed old one.
                try? FileManager.default.removeItem(at: layout.model)
                let data = try CropDataset.open(layout.screenCrops, labelColumn: train.labelColumn)
                let trainer = try Trainer(config: train, data: data, runDirectory: layout.model)
                var progress: (any ProgressTracker)?
                trainer.progress = { _, _, steps, _, _ in
                    if progress == nil { progress = reporter.progress("train \(train.method.rawValue) \(train.arch)", total: steps * train.epochs) }
                    progress?.advance()
                }
                try trainer.run()
                progress?.finish()
                let metrics = (try? String(contentsOf: layout.model.appendingPathComponent("metrics.jsonl"), encoding: .utf8)) ?? ""
                let lastLoss = metrics.split(separator: "\n").last { $0.contains("\"epoch_loss\"") }.map(String.init) ?? ""
                reporter.log("train: \(train.method.rawValue) \(train.arch), \(train.epochs) epochs on \(data.count) cells, "
                             + String(format: "%.0f CPU s", trainer.cpuSeconds)
                             + (trainer.stoppedForBudget ? " (stopped at its budget)" : "") + " -> \(layout.model.path)"
                             + (lastLoss.isEmpty ? "" : " (last epoch: \(lastLoss))"))
            })
        }
        let weightInputs = e.model.isEmpty ? [layout.model.appendingPathComponent("backbone.safetensors")] : []
        var variants: [(name: String, untrained: Bool)] = [("embedding", false)]
        if e.randomBaseline { variants.append(("embedding_random", true)) }
        for v in variants {
            let npy = layout.embeddings(v.name), csv = npy.deletingPathExtension().appendingPathExtension("csv")
            stages.append(Stage(name: "embed-\(v.name)", inputs: [layout.screenCrops.appendingPathComponent("crops.json")] + weightInputs,
                                outputs: [npy, csv], parameters: "model=\(modelURL.path)\nbatch_size=\(e.batchSize)\nuntrained=\(v.untrained)\n") {
                let embedder = try Embedder(model: modelURL, untrained: v.untrained)
                let store = try CropStore.open(layout.screenCrops)
                let values = try reporter.tracking("embed \(v.untrained ? "(untrained) " : "")", total: store.header.count) { p in
                    try embedder.embed(store: store, batchSize: e.batchSize) { p.advance(by: $0) }
                }
                try NPYArray(float32: values, shape: [store.header.count, embedder.dim]).write(to: npy)
                try store.cells.write(to: csv)
            })
            let profiles = layout.embeddingProfiles(v.name), evaluation = layout.evaluation.appendingPathComponent(v.name)
            stages.append(Stage(name: "evaluate-\(v.name)", inputs: [npy, csv], outputs: [profiles, evaluation.appendingPathComponent("evaluation.json")],
                                parameters: try cfg.profiles.stamp() + cfg.evaluation.stamp()) {
                let cells = try ProfileTable(cells: CSVTable(contentsOf: csv), embeddings: NPYArray.read(npy), embeddingsSource: npy.path)
                let wells = try Self.embeddingPipeline(cfg.profiles).apply(to: cells)
                try wells.write(to: profiles)
                var report = EvaluationReport.Options()
                report.seed = UInt64(cfg.evaluation.seed)
                report.title = "Phenoscope run \(cfg.name): learned embeddings\(v.untrained ? " (untrained weights)" : "")"
                try ProfileEvaluation(wells, options: Self.evaluationOptions(cfg.evaluation)).write(to: evaluation, report: report)
                reporter.log("\(v.name): \(cells.rowCount) cells -> \(wells.rowCount) wells x \(wells.featureCount) of \(cells.featureCount) dims")
            })
            if !v.untrained {
                stages.append(indexStage(name: "index-\(v.name)", profiles: profiles, out: layout.index("wells_\(v.name)")))
                stages.append(try embeddingRecipeStage(npy: npy, csv: csv, profiles: profiles, index: layout.index("wells_\(v.name)")))
            }
        }
        return stages
    }

    /// The model that embeds the cells: the one trained in the run folder, or the configured one.
    public var modelURL: URL { config.embedding.model.isEmpty ? layout.model : resolve(config.embedding.model) }

    /// Cells' embeddings to normalized well profiles: mean per well, then the profile steps.
    static func embeddingPipeline(_ p: RunConfig.ProfilesConfig) -> ProfilePipeline {
        var pipeline = profilePipeline(p)
        pipeline.aggregation = Aggregation(keys: Aggregation.wellKeys)
        return pipeline
    }
}
