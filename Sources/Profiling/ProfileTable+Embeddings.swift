import Core
import Foundation
import Screen

extension ProfileTable {
    /// Per-cell embeddings as a profile table: the `Metadata_*` columns of the per-cell
    /// CSV (other columns such as `Location_X` are not features and are left out) beside
    /// the rows of the `.npy` matrix, features named `Embedding_0000`, `Embedding_0001`...
    /// The CSV and the matrix must have the same number of rows, and values be finite.
    public init(cells: CSVTable, embeddings: NPYArray, embeddingsSource: String = "embeddings") throws {
        guard embeddings.shape.count == 2, [.float32, .float64, .float16].contains(embeddings.dtype) else {
            throw ProfilingError("\(embeddingsSource): expected a 2-d float array (cells, dims), got shape \(embeddings.shape) \(embeddings.dtype)")
        }
        let rows = embeddings.shape[0], d = embeddings.shape[1]
        guard cells.rows.count == rows else {
            throw ProfilingError("\(embeddingsSource): \(rows) embedding rows but \(cells.source) has \(cells.rows.count) cells")
        }
        let metaIdx = cells.header.indices.filter { cells.header[$0].hasPrefix("Metadata_") }
        let values = embeddings.doubles()
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw ProfilingError("\(embeddingsSource): row \(bad / max(d, 1)), column \(bad % max(d, 1)): expected a finite number, found \(values[bad])")
        }
        self.init(metadataColumns: metaIdx.map { cells.header[$0] },
                  metadata: cells.rows.map { row in metaIdx.map { row[$0] } },
                  featureNames: (0..<d).map { "Embedding_" + String(repeating: "0", count: max(0, 4 - String($0).count)) + String($0) },
                  features: values,
                  rowOrigins: cells.lineNumbers.map { "\(cells.source):\($0)" })
    }
}
