import Foundation
import Search
import Workflow

/// The answer of `POST /api/search/image`, a typed contract: the cells found (count and
/// nucleus centres), the site's vector in the index's space and the plate whose DMSO scaling
/// normalized it, the nearest items (with a thumbnail link each), and the MoA vote with the
/// novelty flag. snake_case keys like the rest of the API.
public struct ImageSearchResponse: Encodable {
    struct Item: Encodable {
        var id: Int
        var score: Double
        var fields: [String: String]
        var tags: [String]
        /// `/api/thumbnail?...` of the item's site (well when it has no site), when it has a plate and well.
        var thumbnail: String?
    }

    struct Vote: Encodable {
        struct Weight: Encodable { var label: String; var weight: Double }
        var labelField: String
        var label: String?
        var confidence: Double
        var novel: Bool
        var bestSimilarity: Double?
        var noveltyThreshold: Double?
        var votes: [Weight]
        enum CodingKeys: String, CodingKey {
            case labelField = "label_field", label, confidence, novel, bestSimilarity = "best_similarity",
                 noveltyThreshold = "novelty_threshold", votes
        }
    }

    var cells: Int
    var cellCentres: [[Double]]
    var plate: String?
    var vector: [Double]
    var features: [String]
    var k: Int
    var results: [Item]
    var moa: Vote?

    enum CodingKeys: String, CodingKey {
        case cells, cellCentres = "cell_centres", plate, vector, features, k, results, moa
    }

    /// The response to `query`'s `answer` over `index`.
    public init(_ answer: SiteQuery.Answer, query: SiteQuery, recipe: ProfileRecipe, index: SearchIndex) {
        cells = answer.profile.cells.count
        cellCentres = answer.profile.cells.map { [$0.x, $0.y] }
        plate = answer.profile.plate
        vector = answer.profile.vector.map(Double.init)
        features = recipe.features
        k = query.k
        results = answer.hits.map { Self.item(index, $0) }
        moa = answer.vote.map { r in
            Vote(labelField: query.labelField, label: r.label, confidence: r.confidence, novel: r.novel,
                 bestSimilarity: r.bestSimilarity.map(Double.init), noveltyThreshold: query.novelty.map { Double($0.threshold) },
                 votes: r.votes.map { .init(label: $0.label, weight: $0.weight) })
        }
    }

    static func item(_ index: SearchIndex, _ hit: SearchHit) -> Item {
        let fields = index.metadata.fields(hit.id)
        var thumbnail: String?
        if let plate = fields["Metadata_Plate"], let well = fields["Metadata_Well"] {
            var query = URLComponents()
            query.queryItems = [URLQueryItem(name: "plate", value: plate), URLQueryItem(name: "well", value: well)]
                + (fields["Metadata_Site"].map { [URLQueryItem(name: "site", value: $0)] } ?? [])
            thumbnail = "/api/thumbnail?" + (query.percentEncodedQuery ?? "")
        }
        return Item(id: hit.id, score: Double(hit.score), fields: fields, tags: index.metadata.tags[hit.id].sorted(), thumbnail: thumbnail)
    }

    public func json() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return Array(try encoder.encode(self))
    }
}
