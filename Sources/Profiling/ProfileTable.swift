import Core
import Foundation
import Screen

/// A table of profiles: one row per cell, site, well or treatment, with string metadata
/// columns (`Metadata_*`) and a dense Double feature matrix.
///
/// Feature columns are every column whose name does not start with `Metadata_`; on disk
/// the metadata columns come first, as pycytominer and copairs expect, so both read our
/// files unchanged. Every feature value must parse as a finite number: a non-numeric
/// field, an empty field or `NaN` is an error naming the file, line and column, unless the
/// caller asks to keep missing values (`allowMissing`, as a profile pipeline whose steps
/// skip NaN does: `ProfilePipeline.acceptsMissingValues`); `requireFinite` re-checks before
/// evaluation.
public struct ProfileTable: Sendable, Equatable {
    /// Metadata column names, all starting with `Metadata_`.
    public var metadataColumns: [String]
    /// `metadata[row][column]`.
    public var metadata: [[String]]
    public var featureNames: [String]
    /// Row-major `rowCount x featureNames.count`.
    public var features: [Double]
    /// Where each row came from, for error messages (`file:line`, or a group description).
    public var rowOrigins: [String]

    public init(metadataColumns: [String], metadata: [[String]], featureNames: [String],
                features: [Double], rowOrigins: [String]? = nil) {
        precondition(metadata.allSatisfy { $0.count == metadataColumns.count })
        precondition(features.count == metadata.count * featureNames.count)
        self.metadataColumns = metadataColumns
        self.metadata = metadata
        self.featureNames = featureNames
        self.features = features
        self.rowOrigins = rowOrigins ?? metadata.indices.map { "row \($0 + 1)" }
    }

    public var rowCount: Int { metadata.count }
    public var featureCount: Int { featureNames.count }

    /// The feature vector of `row`.
    public func row(_ row: Int) -> ArraySlice<Double> {
        features[row * featureCount ..< (row + 1) * featureCount]
    }

    public subscript(row: Int, feature: Int) -> Double {
        get { features[row * featureCount + feature] }
        set { features[row * featureCount + feature] = newValue }
    }

    public func columnIndex(_ name: String) -> Int? { metadataColumns.firstIndex(of: name) }

    /// The values of metadata column `name`, or an error naming the table and the column.
    public func metadataValues(_ name: String) throws -> [String] {
        guard let c = columnIndex(name) else {
            throw ProfilingError("\(sourceDescription): missing column '\(name)'")
        }
        return metadata.map { $0[c] }
    }

    /// The file the rows came from, as named in `rowOrigins` (for table-level errors).
    public var sourceDescription: String {
        guard let first = rowOrigins.first else { return "<empty table>" }
        if let group = first.range(of: ": group ") { return String(first[..<group.lowerBound]) }
        if let colon = first.lastIndex(of: ":"), Int(first[first.index(after: colon)...]) != nil {
            return String(first[..<colon])
        }
        return first
    }

    /// The rows at `indices`, in that order.
    public func selectingRows(_ indices: [Int]) -> ProfileTable {
        var f: [Double] = []
        f.reserveCapacity(indices.count * featureCount)
        for i in indices { f.append(contentsOf: row(i)) }
        return ProfileTable(metadataColumns: metadataColumns, metadata: indices.map { metadata[$0] },
                            featureNames: featureNames, features: f,
                            rowOrigins: indices.map { rowOrigins[$0] })
    }

    /// The feature columns at `indices`, in that order.
    public func selectingFeatures(_ indices: [Int]) -> ProfileTable {
        var f: [Double] = []
        f.reserveCapacity(rowCount * indices.count)
        for r in 0..<rowCount { for j in indices { f.append(self[r, j]) } }
        return ProfileTable(metadataColumns: metadataColumns, metadata: metadata,
                            featureNames: indices.map { featureNames[$0] }, features: f,
                            rowOrigins: rowOrigins)
    }

    /// The table without the features that are NaN in some row, and their names. A
    /// CellProfiler measurement undefined for every cell of a well (a form factor of no
    /// object, a correlation of an empty channel) stays NaN in that well's profile, and
    /// cosine similarity needs every value; what uses similarities (`evaluate`, `index
    /// build`) leaves such features out and names them, where pycytominer users would run
    /// `drop_na_columns` with a cut-off of 0.
    public func droppingFeaturesWithNaN() -> (table: ProfileTable, dropped: [String]) {
        var undefined = [Bool](repeating: false, count: featureCount)
        for (i, v) in features.enumerated() where v.isNaN { undefined[i % featureCount] = true }
        guard undefined.contains(true) else { return (self, []) }
        let kept = undefined.indices.filter { !undefined[$0] }
        return (selectingFeatures(kept), undefined.indices.filter { undefined[$0] }.map { featureNames[$0] })
    }

    /// The rows of several tables one after another (e.g. the well profiles of each plate of a
    /// screen, measured as separate jobs). The tables must have the same metadata columns and
    /// the same features in the same order; the error names the first table that differs.
    public static func concatenating(_ tables: [ProfileTable]) throws -> ProfileTable {
        guard let first = tables.first else { throw ProfilingError("no profile tables to concatenate") }
        var out = first
        for t in tables.dropFirst() {
            try t.requireSameColumns(as: first)
            out.metadata += t.metadata
            out.features += t.features
            out.rowOrigins += t.rowOrigins
        }
        return out
    }

    /// Fails unless the table has `first`'s metadata and feature columns in the same order.
    private func requireSameColumns(as first: ProfileTable) throws {
        guard metadataColumns == first.metadataColumns else {
            throw ProfilingError("\(sourceDescription): metadata columns differ from \(first.sourceDescription)'s")
        }
        guard featureNames == first.featureNames else {
            throw ProfilingError("\(sourceDescription): feature columns differ from \(first.sourceDescription)'s")
        }
    }

    /// Fails with the file, line and column of the first feature value that is not finite
    /// or lies outside float32's range. Profiles end up as float32 (Parquet, `.npy`, the
    /// search index), and a value past 3.4e38 squares to infinity even in Double's norms
    /// soon after (1e308), which turns every similarity into a tie and every score into 1.
    /// `allowingNaN`: NaN (CellProfiler's undefined measurement, which aggregation skips)
    /// passes; infinities and out-of-range values still fail.
    public func requireFinite(allowingNaN: Bool = false) throws {
        let limit = Double(Float.greatestFiniteMagnitude)
        for r in 0..<rowCount {
            for j in 0..<featureCount where !(allowingNaN && self[r, j].isNaN) && (!self[r, j].isFinite || abs(self[r, j]) > limit) {
                let what = self[r, j].isFinite ? "a number within float32's range (|x| <= 3.4e38)" : "a finite number"
                throw ProfilingError("\(rowOrigins[r]): column '\(featureNames[j])': expected \(what), found \(self[r, j])")
            }
        }
    }

    // MARK: CSV

    /// Builds a table from parsed CSV. `allowMissing` lets empty and `NaN` feature fields
    /// through as NaN (for the NaN-dropping feature selection step); anything else that is
    /// not a number is always an error.
    public init(csv: CSVTable, allowMissing: Bool = false) throws {
        var builder = try CSVRows(header: csv.header, source: csv.source, allowMissing: allowMissing)
        for (r, fields) in csv.rows.enumerated() { try builder.add(fields, line: csv.lineNumbers[r]) }
        self = builder.table
    }

    /// Reads a profile CSV (see `init(csv:allowMissing:)`) a block at a time, each row
    /// straight into numbers: the file's text and its fields as strings are never all in
    /// memory, only the table (a screen's wells at 8 bytes a value).
    public init(contentsOf url: URL, allowMissing: Bool = false) throws {
        var builder: CSVRows?
        try CSVTable.forEachRow(contentsOf: url, header: { builder = try CSVRows(header: $0, source: url.path, allowMissing: allowMissing) },
                                row: { fields, line in try builder?.add(fields, line: line) })
        guard let builder else { throw CSVError(source: url.path, line: 1, message: "empty file, expected a header row") }
        self = builder.table
    }

    /// A table built a CSV row at a time: metadata fields kept, feature fields parsed.
    private struct CSVRows {
        let header: [String], source: String, allowMissing: Bool
        let metaIdx: [Int], featIdx: [Int]
        var metadata: [[String]] = [], features: [Double] = [], origins: [String] = []

        init(header: [String], source: String, allowMissing: Bool) throws {
            (self.header, self.source, self.allowMissing) = (header, source, allowMissing)
            metaIdx = header.indices.filter { header[$0].hasPrefix("Metadata_") }
            featIdx = header.indices.filter { !header[$0].hasPrefix("Metadata_") }
            guard !featIdx.isEmpty else {
                throw CSVError(source: source, line: 1, message: "no feature columns (every column starts with 'Metadata_')")
            }
            var seen = Set<String>()
            for name in header where !seen.insert(name).inserted {
                throw CSVError(source: source, line: 1, message: "duplicate column '\(name)'")
            }
        }

        mutating func add(_ fields: [String], line: Int) throws {
            for j in featIdx {
                let field = fields[j].trimmingCharacters(in: .whitespaces)
                if let v = Double(field), v.isFinite {
                    features.append(v)
                } else if allowMissing && (field.isEmpty || field.lowercased() == "nan") {
                    features.append(.nan)
                } else {
                    throw CSVError(source: source, line: line,
                                   message: "column '\(header[j])': expected a finite number, found '\(fields[j])'")
                }
            }
            metadata.append(metaIdx.map { fields[$0] })
            origins.append("\(source):\(line)")
        }

        var table: ProfileTable {
            ProfileTable(metadataColumns: metaIdx.map { header[$0] }, metadata: metadata,
                         featureNames: featIdx.map { header[$0] }, features: features, rowOrigins: origins)
        }
    }

    /// The table as CSV: metadata columns first, then features written with enough digits
    /// to read back the same Double.
    public func csvTable() -> CSVTable {
        var rows: [[String]] = []
        rows.reserveCapacity(rowCount)
        for r in 0..<rowCount {
            var fields = metadata[r]
            for j in 0..<featureCount { fields.append(Self.format(self[r, j])) }
            rows.append(fields)
        }
        return CSVTable(header: metadataColumns + featureNames, rows: rows)
    }

    /// Writes the table as CSV, atomically: the text of `csvTable()`, made and written a block
    /// of rows at a time, so a table of many rows never exists as strings all at once.
    public func write(to url: URL) throws {
        let out = try AtomicFileStream(url: url)
        do {
            try out.write(CSVTable(header: metadataColumns + featureNames).encoded())
            try appendCSVRows(to: out)
            try out.finish()
        } catch {
            out.cancel()
            throw error
        }
    }

    /// Writes the rows of the profile CSVs at `urls` one after another into one CSV at
    /// `url`, reading one file at a time (a screen's plates: the screen's table is never
    /// whole in memory). Same checks as `concatenating`; the text is the one
    /// `concatenating(...).write(to:)` gives.
    public static func concatenateFiles(_ urls: [URL], to url: URL, allowMissing: Bool = false) throws {
        guard !urls.isEmpty else { throw ProfilingError("no profile tables to concatenate") }
        let out = try AtomicFileStream(url: url)
        do {
            var first: ProfileTable?
            for u in urls {
                let t = try ProfileTable(contentsOf: u, allowMissing: allowMissing)
                if let first {
                    try t.requireSameColumns(as: first)
                } else {
                    // Its first row is kept for the column checks and error messages.
                    first = t.selectingRows(Array(t.metadata.indices.prefix(1)))
                    try out.write(CSVTable(header: t.metadataColumns + t.featureNames).encoded())
                }
                try t.appendCSVRows(to: out)
            }
            try out.finish()
        } catch {
            out.cancel()
            throw error
        }
    }

    /// The rows as CSV lines, 64 at a time.
    private func appendCSVRows(to out: AtomicFileStream) throws {
        let block = 64
        for start in stride(from: 0, to: rowCount, by: block) {
            var text = ""
            for r in start..<min(rowCount, start + block) {
                var fields = metadata[r].map(CSVTable.quoted)
                for j in 0..<featureCount { fields.append(CSVTable.quoted(Self.format(self[r, j]))) }
                text += fields.joined(separator: ",") + "\n"
            }
            try out.write(text)
        }
    }

    static func format(_ v: Double) -> String {
        v.isNaN ? "NaN" : "\(v)"
    }
}
