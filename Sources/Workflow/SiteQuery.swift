import Foundation
import Imaging
import Search

/// A query by image from start to end, shared by the server and `phenoscope search --image`:
/// the site profiled by the index's recipe, its nearest items, and the neighbour vote on a
/// label (MoA) with the novelty flag.
public struct SiteQuery {
    public var k = 10
    /// The plate whose DMSO scaling normalizes the site (nil: the recipe's reference plate).
    public var plate: String?
    public var filter: ItemFilter?
    /// The label voted on; no vote when the index has no such column.
    public var labelField = "Metadata_MoA"
    public var novelty: NoveltyCalibration?

    public init(k: Int = 10, plate: String? = nil, filter: ItemFilter? = nil, labelField: String = "Metadata_MoA", novelty: NoveltyCalibration? = nil) {
        self.k = k
        self.plate = plate
        self.filter = filter
        self.labelField = labelField
        self.novelty = novelty
    }

    /// What a query found.
    public struct Answer: Sendable {
        public var profile: SiteProfiler.SiteProfile
        public var hits: [SearchHit]
        public var vote: NeighborVote.Result?
    }

    public func run(_ planes: [String: Image<Float>], profiler: SiteProfiler, index: SearchIndex) throws -> Answer {
        let profile = try profiler.profile(planes, plate: plate)
        guard profile.vector.count == index.index.dimension else {
            throw PipelineError(message: "recipe: \(profile.vector.count) features, the index has \(index.index.dimension) dimensions")
        }
        let hits = try index.search(vectors: [profile.vector], k: k, filter: filter)[0]
        var vote: NeighborVote.Result?
        if index.metadata.columns.contains(labelField) {
            vote = try NeighborVote(labelField: labelField, k: k, noveltyThreshold: novelty?.threshold)
                .infer(vector: profile.vector, in: index, filter: filter)
        }
        return Answer(profile: profile, hits: hits, vote: vote)
    }
}
