import Core
import Foundation
import Imaging
import Learning
import Profiling
import Screen

/// Executes a `ProfileRecipe` on one site: its channel planes in, the vector an index item
/// of that site would have out, computed by the same code as the run (segmentation
/// `ScreenSegmentation.segment`, measurements `ScreenMeasurement.measureSite` and
/// `FeatureMeans`, or crops `CellCrop` embedded by `Embedder`), then normalized with a
/// plate's DMSO scaling from the recipe and cut to the index's features.
///
/// Made once per index (it loads the model and checks its weights' SHA-256), then used for
/// any number of sites, from any thread.
public struct SiteProfiler: @unchecked Sendable {
    public let recipe: ProfileRecipe
    // The backbone is only read (eval mode, no gradients), so sharing it across requests is safe.
    let embedder: Embedder?
    let featureColumns: [Int]?
    /// Which of the recipe's channels is the model's first, second, ... (`Embedder.channelOrder`).
    let channelOrder: [Int]?

    /// What a query by image found and computed.
    public struct SiteProfile: Sendable {
        /// Nucleus centres (x, y) of the cells found, in label order.
        public var cells: [SIMD2<Double>]
        /// The plate whose normalization was applied (nil when the recipe normalizes nothing).
        public var plate: String?
        /// The vector in the index's space (`recipe.features`).
        public var vector: [Float]
    }

    public init(recipe: ProfileRecipe) throws {
        self.recipe = recipe
        guard !recipe.illumination.enabled, recipe.normalization.level == .none else {
            throw PipelineError(message: "recipe: the index was built from illumination-corrected or intensity-normalized images; a query by image does not reproduce that yet")
        }
        guard recipe.segmentation.method == .classic || recipe.segmentation.method == .model else {
            throw PipelineError(message: "recipe: segmentation.method is \(recipe.segmentation.method.rawValue); only an index segmented by method classic or model can segment an uploaded site the same way")
        }
        guard recipe.spherize == .none else {
            throw PipelineError(message: "recipe: profiles.spherize is \(recipe.spherize.rawValue); a query by image supports spherize none only")
        }
        guard recipe.profileNormalization == .none || recipe.plates.allSatisfy({ $0.center.count == recipe.features.count && $0.scale.count == recipe.features.count }) else {
            throw PipelineError(message: "recipe: a plate's scaling does not have one value per feature (\(recipe.features.count))")
        }
        switch recipe.vectors {
        case .measurements:
            embedder = nil
            featureColumns = nil
            channelOrder = nil
        case .embedding(let m):
            guard m.dtype == .u16 else { throw PipelineError(message: "recipe: crops.dtype \(m.dtype.rawValue); a query by image supports u16 crops only") }
            let model = URL(fileURLWithPath: m.model)
            let weights = try Self.weightsFile(model)
            let digest = try SHA256.hex(contentsOf: weights)
            guard digest == m.weightsSHA256 else {
                throw PipelineError(message: "\(weights.path): SHA-256 \(digest) differs from the recipe's \(m.weightsSHA256); the model changed since the index was built")
            }
            let embedder = try Embedder(model: model)
            guard embedder.channels == recipe.channels.count, m.channelMean.count == recipe.channels.count, m.channelStd.count == recipe.channels.count else {
                throw PipelineError(message: "recipe: the model takes \(embedder.channels) channels, the recipe names \(recipe.channels.count)")
            }
            // Crops are cut in the recipe's channel order; the model may list them in another.
            do { channelOrder = try embedder.channelOrder(of: recipe.channels, source: "recipe") } catch let e as Embedder.EmbedError {
                throw PipelineError(message: e.description)
            }
            self.embedder = embedder
            featureColumns = try recipe.features.map { name in
                guard name.hasPrefix("Embedding_"), let i = Int(name.dropFirst("Embedding_".count)), i >= 0, i < embedder.dim else {
                    throw PipelineError(message: "recipe: feature '\(name)' is not a dimension of the model's \(embedder.dim)-d embedding")
                }
                return i
            }
        }
    }

    /// The weights file a model path names (a run folder's backbone, or the file itself).
    static func weightsFile(_ model: URL) throws -> URL {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: model.path, isDirectory: &isDir) else {
            throw PipelineError(message: "\(model.path): the recipe's model is missing")
        }
        return isDir.boolValue ? try Trainer.weightsURL(model.path) : model
    }

    /// The site's vector. `planes`: raw intensities by channel name, every channel of the
    /// recipe present and all the same size; `plate`: whose DMSO scaling to use (nil: the
    /// recipe's reference plate).
    public func profile(_ planes: [String: Image<Float>], plate: String? = nil) throws -> SiteProfile {
        let missing = recipe.channels.filter { planes[$0] == nil }
        guard missing.isEmpty else {
            throw PipelineError(message: "channels: missing \(missing.joined(separator: ", ")); the recipe needs \(recipe.channels.joined(separator: ", "))")
        }
        let ordered = recipe.channels.compactMap { planes[$0] }
        guard let first = ordered.first else { throw PipelineError(message: "channels: the recipe names none") }
        if let odd = ordered.firstIndex(where: { $0.width != first.width || $0.height != first.height }) {
            throw PipelineError(message: "channel \(recipe.channels[odd]): \(ordered[odd].width) x \(ordered[odd].height), channel \(recipe.channels[0]) is \(first.width) x \(first.height)")
        }
        let seg = try RunStages.screenSegmentation(recipe.segmentation,
                                                   model: recipe.segmentation.model.isEmpty ? nil : URL(fileURLWithPath: recipe.segmentation.model))
        guard let dna = planes[seg.nucleusChannel] else {
            throw PipelineError(message: "channels: no nucleus channel \(seg.nucleusChannel) in the recipe's channels")
        }
        let (nuclei, cells) = seg.segment(dna: dna, cytoplasm: recipe.channels.filter { $0 != seg.nucleusChannel }.compactMap { planes[$0] })
        let centres = objectCentroids(nuclei)
        guard !centres.isEmpty else { throw PipelineError(message: "image: no cells found (segmentation found no nuclei)") }
        let raw: [Double]
        switch recipe.vectors {
        case .measurements(let features):
            var options = RunStages.measurementOptions(features)
            options.channelOrder = recipe.channels
            let table = try ScreenMeasurement.measureSite(channels: planes.filter { recipe.channels.contains($0.key) }, nuclei: nuclei, cells: cells, options: options)
            var means = FeatureMeans(features: table.columns.count)
            means.add(table)
            let all = means.means
            raw = try recipe.features.map { name in
                guard let j = table.columns.firstIndex(of: name) else {
                    throw PipelineError(message: "recipe: feature '\(name)' is not measured by this build's measurements")
                }
                return all[j]
            }
        case .embedding(let m):
            guard let embedder, let featureColumns else { throw PipelineError(message: "recipe: no model loaded") }
            let embedded = embed(ordered, centres: centres, cells: cells, model: m, embedder: embedder)
            raw = featureColumns.map { embedded[$0] }
        }
        var scaled = raw
        var usedPlate: String?
        if recipe.profileNormalization != .none {
            let scaling = try recipe.scaling(plate: plate)
            scaled = scaling.scaling.apply(raw)
            usedPlate = scaling.plate
        }
        if let bad = scaled.firstIndex(where: { !$0.isFinite }) {
            throw PipelineError(message: "image: feature \(recipe.features[bad]) is undefined for this site (no cell gives it a value)")
        }
        return SiteProfile(cells: centres.map { SIMD2($0.x, $0.y) }, plate: usedPlate, vector: scaled.map(Float.init))
    }

    /// The mean embedding of the site's cells, crops cut and standardized as the run's store.
    func embed(_ planes: [Image<Float>], centres: [(label: Int32, x: Double, y: Double)], cells: Image<Int32>,
               model m: ProfileRecipe.LearnedModel, embedder: Embedder) -> [Double] {
        let codes = planes.map { $0.map { UInt16(clamping: Int($0.rounded())) } }
        let cropper = CellCrop(size: m.cropSize)
        let plane = m.cropSize * m.cropSize
        let crops = centres.map { c in
            cropper.extract(codes, centreX: Int(c.x.rounded()), centreY: Int(c.y.rounded()),
                            labels: m.maskNeighbours ? cells : nil, keep: m.maskNeighbours ? c.label : nil)
        }
        let values = embedder.embed(count: crops.count, size: m.cropSize, batchSize: m.batchSize, channelOrder: channelOrder) { i in
            crops[i].enumerated().map { j, code in
                let ch = j / plane
                return Float((Double(code) / 65535 - m.channelMean[ch]) / m.channelStd[ch])
            }
        }
        var means = [Double](repeating: 0, count: embedder.dim)
        for c in 0..<crops.count { for d in 0..<embedder.dim { means[d] += Double(values[c * embedder.dim + d]) } }
        return means.map { $0 / Double(crops.count) }
    }
}
