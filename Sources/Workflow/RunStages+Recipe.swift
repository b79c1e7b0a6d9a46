import Core
import Foundation
import Imaging
import Learning
import Profiling
import Screen

extension RunStages {
    /// The config as a recipe records it: a nucleus model named by its absolute folder (the
    /// shipped one's when the config names none), so a query by image loads the same network
    /// from wherever the server runs.
    var recipeConfig: RunConfig {
        var cfg = config
        if cfg.segmentation.method == .model {
            let folder = cfg.segmentation.model.isEmpty ? NucleusSegmenter.shippedModelFolder() : resolve(cfg.segmentation.model)
            cfg.segmentation.model = folder?.path ?? ""
        }
        return cfg
    }

    /// The recipe of the classical index (`index/wells/recipe.json`): channels, segmentation,
    /// measurements, each plate's DMSO scaling of the kept features.
    func recipeStage() throws -> Stage {
        let cfg = recipeConfig, layout = layout, manifestURL = manifestURL
        let out = ProfileRecipe.url(index: layout.index("wells"))
        return Stage(name: "recipe", inputs: [manifestURL, layout.wellProfiles, layout.normalizedProfiles], outputs: [out],
                     parameters: "version=\(ProfileRecipe.currentVersion)\n" + (try Self.recipeParameters(cfg))) {
            let pipeline = Self.profilePipeline(cfg.profiles)
            let wells = try ProfileTable(contentsOf: layout.wellProfiles, allowMissing: pipeline.acceptsMissingValues)
            let kept = try ProfileTable(contentsOf: layout.normalizedProfiles).featureNames
            try Self.recipe(cfg, channels: Manifest.load(manifestURL).channels, vectors: .measurements(cfg.features),
                            wells: wells, kept: kept).write(index: layout.index("wells"))
        }
    }

    /// The recipe of the learned-embedding index (`index/wells_embedding/recipe.json`): as the
    /// classical one, with the model (path and SHA-256 of its weights) and the crop store's
    /// per-channel mean and standard deviation instead of measurements.
    func embeddingRecipeStage(npy: URL, csv: URL, profiles: URL, index: URL) throws -> Stage {
        let cfg = recipeConfig, layout = layout, manifestURL = manifestURL, modelURL = modelURL
        return Stage(name: "recipe-embedding", inputs: [manifestURL, npy, csv, profiles], outputs: [ProfileRecipe.url(index: index)],
                     parameters: "version=\(ProfileRecipe.currentVersion)\n" + (try Self.recipeParameters(cfg)) + "model=\(modelURL.path)\n") {
            let cells = try ProfileTable(cells: CSVTable(contentsOf: csv), embeddings: NPYArray.read(npy), embeddingsSource: npy.path)
            let wells = try Aggregation(keys: Aggregation.wellKeys).apply(to: cells)
            let store = try CropStore.open(layout.screenCrops)
            // The standardization the embeddings were made with: the model's training
            // statistics when its model.json records them (in the store's channel order),
            // else the store's own.
            let given = try BackboneInfo.read(folder: BackboneInfo.folder(of: modelURL))
                .standardization(forChannels: store.header.channels, source: layout.screenCrops.path)
            let data = try CropDataset.open(layout.screenCrops, labelColumn: store.cells.header.first ?? "", standardization: given)
            let model = ProfileRecipe.LearnedModel(
                model: modelURL.path, weightsSHA256: try SHA256.hex(contentsOf: SiteProfiler.weightsFile(modelURL)),
                cropSize: cfg.crops.size, maskNeighbours: cfg.crops.maskNeighbours, dtype: cfg.crops.dtype,
                channelMean: data.mean, channelStd: data.std, batchSize: cfg.embedding.batchSize)
            guard store.header.channels == (try Manifest.load(manifestURL).channels) else {
                throw PipelineError(message: "\(layout.screenCrops.path): crop channels \(store.header.channels) differ from the manifest's")
            }
            try Self.recipe(cfg, channels: store.header.channels, vectors: .embedding(model), wells: wells,
                            kept: ProfileTable(contentsOf: profiles).featureNames).write(index: index)
        }
    }

    static func recipeParameters(_ cfg: RunConfig) throws -> String {
        try [Stage.canonical(cfg.illumination), Stage.canonical(cfg.normalization), cfg.segmentation.stamp(),
             Stage.canonical(cfg.features), Stage.canonical(cfg.crops), cfg.profiles.stamp()].joined(separator: "\n") + "\n"
    }

    /// A recipe whose plates' scalings come from the raw well profiles `wells`, cut to the
    /// `kept` features (the index's dimensions).
    static func recipe(_ cfg: RunConfig, channels: [String], vectors: ProfileRecipe.Vectors, wells: ProfileTable, kept: [String]) throws -> ProfileRecipe {
        let columns = try kept.map { name in
            guard let j = wells.featureNames.firstIndex(of: name) else {
                throw PipelineError(message: "\(wells.sourceDescription): no column \(name), which the index has")
            }
            return j
        }
        var plates: [ProfileRecipe.PlateScaling] = []
        if let method = cfg.profiles.normalize.method {
            plates = try PlateNormalization(method: method).scalings(of: wells).map { p in
                .init(plate: p.plate, center: columns.map { p.scaling.center[$0] }, scale: columns.map { p.scaling.scale[$0] })
            }
        }
        return ProfileRecipe(channels: channels, illumination: cfg.illumination, normalization: cfg.normalization,
                             segmentation: cfg.segmentation, vectors: vectors, aggregation: "well",
                             profileNormalization: cfg.profiles.normalize, plates: plates,
                             referencePlate: plates.first?.plate ?? "", spherize: cfg.profiles.spherize, features: kept)
    }
}
