/// How two vectors are compared. Scores are always "higher is closer": cosine similarity,
/// inner product, or the negated squared Euclidean distance.
public enum Metric: String, Codable, Sendable, CaseIterable {
    case cosine
    case innerProduct = "ip"
    case l2

    /// Whether stored and query vectors are L2-normalized first (cosine becomes inner product).
    var normalizes: Bool { self == .cosine }
}
