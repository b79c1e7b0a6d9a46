import Foundation

/// 2-d coordinates of the rows of a profile table for the report's maps: UMAP on cosine
/// distance (the similarity evaluation uses) with umap-learn's defaults, seeded; PCA when
/// there are too few rows for a 15-neighbour graph to mean anything (under 20) or when
/// UMAP is switched off.
public struct ProfileMap: Sendable {
    public enum Method: String, Sendable { case umap, pca }
    public let method: Method
    public let x: [Double]
    public let y: [Double]
    /// Axis names for the plot ("UMAP 1" or "PC1 (34%)").
    public let axisNames: (String, String)

    public init(_ table: ProfileTable, umap useUMAP: Bool = true, seed: UInt64 = 42) throws {
        try table.requireFinite()
        let n = table.rowCount
        guard n >= 2 else { throw ProfilingError("\(table.sourceDescription): a map needs at least 2 rows, found \(n)") }
        if useUMAP && n >= 20 {
            var u = UMAP()
            u.neighbors = min(15, n - 1)
            u.distance = .cosine
            u.seed = seed
            let y = u.fit(table.features.map { Float($0) }, count: n, dimension: table.featureCount)
            method = .umap
            x = stride(from: 0, to: y.count, by: 2).map { Double(y[$0]) }
            self.y = stride(from: 1, to: y.count, by: 2).map { Double(y[$0]) }
            axisNames = ("UMAP 1", "UMAP 2")
        } else if table.featureCount >= 2 {
            let pca = try PCA(fitting: table, components: 2)
            let s = try pca.transform(table)
            method = .pca
            x = stride(from: 0, to: s.count, by: 2).map { s[$0] }
            y = stride(from: 1, to: s.count, by: 2).map { s[$0] }
            // Constant features have no variance to explain: the ratio is 0/0, not a number.
            func percent(_ r: Double) -> String { r.isFinite ? "\(Int((100 * r).rounded()))%" : "no variance" }
            axisNames = ("PC1 (\(percent(pca.explainedVarianceRatio[0])))", "PC2 (\(percent(pca.explainedVarianceRatio[1])))")
        } else {
            throw ProfilingError("\(table.sourceDescription): a map needs at least 2 features")
        }
    }
}
