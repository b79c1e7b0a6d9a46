import Core
import Foundation
import Profiling

/// How an image becomes a vector comparable with an index's items: the typed, versioned
/// `recipe.json` a run writes beside each index it builds (`index/wells/recipe.json`).
///
/// It names the channels a site must have (in the screen's order), the segmentation, then
/// either the CellProfiler-style measurements or the learned model (path, SHA-256 of the
/// weights, crop size and the crop store's per-channel mean and standard deviation), and the
/// per-plate normalization: each plate's DMSO centre and scale of every kept feature, so a
/// query is normalized against a chosen reference plate exactly as that plate's wells were.
/// `features` lists the index's dimensions in order. `SiteProfiler` executes it. An index
/// without this file (built from bare vectors) cannot be queried by image.
public struct ProfileRecipe: Codable, Equatable, Sendable {
    public static let fileName = "recipe.json"
    public static let currentVersion = 1

    public var version = ProfileRecipe.currentVersion
    /// The channels of the screen, in manifest order; an uploaded site needs every one.
    public var channels: [String]
    /// Illumination correction and intensity normalization of the run (a query needs both off).
    public var illumination: RunConfig.IlluminationConfig
    public var normalization: RunConfig.NormalizationConfig
    public var segmentation: RunConfig.SegmentationConfig
    /// Cells to vectors: measurements or a learned model.
    public var vectors: Vectors
    /// How cells become the index's items: `well` (mean of the well's cells).
    public var aggregation: String
    public var profileNormalization: ProfileNormalization
    /// Each plate's centre and scale per feature of `features`, in the index's plate order.
    public var plates: [PlateScaling]
    /// The plate a query is normalized against unless it names another.
    public var referencePlate: String
    public var spherize: SpherizeChoice
    /// The index's dimensions, in order (the feature columns kept by feature selection).
    public var features: [String]

    /// Where per-cell vectors come from.
    public enum Vectors: Codable, Equatable, Sendable {
        case measurements(RunConfig.FeaturesConfig)
        case embedding(LearnedModel)

        /// `classical` or `learned`, for people.
        public var kind: String {
            switch self {
            case .measurements: return "classical"
            case .embedding: return "learned"
            }
        }
    }

    /// The learned model of an embedding index and what its crops need.
    public struct LearnedModel: Codable, Equatable, Sendable {
        /// A run folder or .safetensors file, as `Embedder` takes it (absolute path).
        public var model: String
        /// SHA-256 of the weights file the embeddings were made with.
        public var weightsSHA256: String
        public var cropSize: Int
        public var maskNeighbours: Bool
        public var dtype: CropDType
        /// Per-channel mean and standard deviation of intensity / 65535 over the run's crop store.
        public var channelMean: [Double]
        public var channelStd: [Double]
        public var batchSize: Int
        enum CodingKeys: String, CodingKey {
            case model, weightsSHA256 = "weights_sha256", cropSize = "crop_size", maskNeighbours = "mask_neighbours", dtype,
                 channelMean = "channel_mean", channelStd = "channel_std", batchSize = "batch_size"
        }
    }

    /// One plate's normalization of the index's features.
    public struct PlateScaling: Codable, Equatable, Sendable {
        public var plate: String
        public var center: [Double]
        public var scale: [Double]
        public var scaling: PlateNormalization.Scaling { .init(center: center, scale: scale) }
    }

    enum CodingKeys: String, CodingKey {
        case version, channels, illumination, normalization, segmentation, vectors, aggregation,
             profileNormalization = "profile_normalization", plates, referencePlate = "reference_plate", spherize, features
    }

    /// The recipe file of an index folder.
    public static func url(index: URL) -> URL { index.appendingPathComponent(fileName) }

    /// Reads an index's recipe; nil when the index has none (built from bare vectors).
    public static func load(index: URL) throws -> ProfileRecipe? {
        let url = url(index: index)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let recipe: ProfileRecipe
        do { recipe = try JSONDecoder().decode(ProfileRecipe.self, from: Data(contentsOf: url)) } catch {
            throw PipelineError(message: "\(url.path): not a recipe (\("\(error)".prefix(300)))")
        }
        guard recipe.version == currentVersion else {
            throw PipelineError(message: "\(url.path): recipe version \(recipe.version); this build reads version \(currentVersion)")
        }
        return recipe
    }

    public func write(index: URL) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(enc.encode(self), to: Self.url(index: index))
    }

    /// The normalization of `plate` (nil: the reference plate); an unknown plate is an error
    /// listing the plates there are.
    public func scaling(plate: String?) throws -> PlateScaling {
        let name = plate ?? referencePlate
        guard let s = plates.first(where: { $0.plate == name }) else {
            throw PipelineError(message: "plate '\(name)': not a plate of this index's recipe (plates: \(plates.map(\.plate).joined(separator: ", ")))")
        }
        return s
    }
}
