import Foundation
import Screen

extension ProfileTable {
    /// Per-cell embeddings as a profile table: the `Metadata_*` columns of the per-cell
    /// CSV (other columns such as `Location_X` are not features and are left out) beside
    /// the rows of the `.npy` matrix, features named `Embedding_0000`, `Embedding_0001`...
    /// The CSV and the matrix must have the same number of rows, and values be finite.
    public init(cells: CSVTable, embeddings: NumpyMatrix, embeddingsSource: String = "embeddings") throws {
        guard cells.rows.count == embeddings.rows else {
            throw ProfilingError("\(embeddingsSource): \(embeddings.rows) embedding rows but \(cells.source) has \(cells.rows.count) cells")
        }
        let metaIdx = cells.header.indices.filter { cells.header[$0].hasPrefix("Metadata_") }
        let d = embeddings.columns
        if let bad = embeddings.values.firstIndex(where: { !$0.isFinite }) {
            throw ProfilingError("\(embeddingsSource): row \(bad / max(d, 1)), column \(bad % max(d, 1)): expected a finite number, found \(embeddings.values[bad])")
        }
        self.init(metadataColumns: metaIdx.map { cells.header[$0] },
                  metadata: cells.rows.map { row in metaIdx.map { row[$0] } },
                  featureNames: (0..<d).map { "Embedding_" + String(repeating: "0", count: max(0, 4 - String($0).count)) + String($0) },
                  features: embeddings.values,
                  rowOrigins: cells.lineNumbers.map { "\(cells.source):\($0)" })
    }
}
