import Foundation
import Profiling
import Search

/// Builds search indexes from vectors with their metadata rows, or from a profiles table
/// (`Metadata_*` columns are the item fields, every other column a vector dimension): what
/// `phenoscope index build` and the run's index stages share.
public enum IndexBuilder {
    /// An index of `count` row-major vectors with their metadata rows (none when `rows` is empty).
    public static func index(kind: SearchIndex.Kind, metric: Metric, hnsw: HNSWIndex.Parameters, vectors flat: [Float], count n: Int,
                             dimension d: Int, columns: [String], rows: [[String]], source: String,
                             advance: () -> Void = {}) throws -> SearchIndex {
        do {
            try hnsw.validate()
            try ItemMetadata.checkColumns(columns)
        } catch {
            throw PipelineError(message: "\(source): \(error)")
        }
        var index = SearchIndex(kind: kind, dimension: d, metric: metric, metadataColumns: columns, hnsw: hnsw)
        let fields = rows.map { Dictionary(uniqueKeysWithValues: zip(columns, $0)) }
        do {
            try withoutActuallyEscaping(advance) { advance in
                _ = try index.add(rows: Array(flat.prefix(n * d)), fields: fields) { _ in advance() }
            }
        } catch {
            throw PipelineError(message: "\(source): \(error)")
        }
        return index
    }

    /// An index over a profiles table.
    public static func index(profiles table: ProfileTable, kind: SearchIndex.Kind, metric: Metric,
                             hnsw: HNSWIndex.Parameters = .init(), advance: () -> Void = {}) throws -> SearchIndex {
        try table.requireFinite()
        guard table.rowCount > 0, table.featureCount > 0 else {
            throw PipelineError(message: "\(table.sourceDescription): expected rows and feature columns, got \(table.rowCount) x \(table.featureCount)")
        }
        return try index(kind: kind, metric: metric, hnsw: hnsw, vectors: table.features.map { Float($0) }, count: table.rowCount,
                         dimension: table.featureCount, columns: table.metadataColumns, rows: table.metadata, source: table.sourceDescription,
                         advance: advance)
    }
}
