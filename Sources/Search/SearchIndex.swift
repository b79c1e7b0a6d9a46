import Core
import Foundation

/// A vector index with its item metadata, saved as one folder.
///
/// The folder holds `index.json` (kind, metric, sizes, parameters), `vectors.f32` (raw
/// float32 rows, memory-mapped on open), `deleted.u8`, the HNSW graph files for that kind,
/// and `items.csv`-style metadata in `items.tsv`. Saving writes a new folder beside the
/// old one and swaps them, so a reader never opens a half-written index; the copies that a
/// crashed save leaves beside the folder (`.tmp-*-NAME`, `.old-*-NAME`) are removed by the
/// next save or open of that index.
public struct SearchIndex: Sendable {
    public enum Kind: String, Codable, Sendable { case exact, hnsw }

    public var index: any VectorIndex
    public var metadata: ItemMetadata

    public init(kind: Kind, dimension: Int, metric: Metric = .cosine, metadataColumns: [String] = [],
                hnsw: HNSWIndex.Parameters = .init()) {
        switch kind {
        case .exact: index = ExactIndex(dimension: dimension, metric: metric)
        case .hnsw: index = HNSWIndex(dimension: dimension, metric: metric, parameters: hnsw)
        }
        metadata = ItemMetadata(columns: metadataColumns)
    }

    public var kind: Kind { index is HNSWIndex ? .hnsw : .exact }

    /// Adds an item; returns its id.
    public mutating func add(_ vector: [Float], fields: [String: String] = [:], tags: Set<String> = []) throws -> Int {
        let id = try index.add(vector)
        let mid = metadata.append(fields, tags: tags)
        precondition(id == mid, "index and metadata ids diverged")
        return id
    }

    /// Adds rows of `dimension` floats stored back to back, with one fields dictionary per
    /// row (or none for all); returns their ids. Nothing is added if any row is bad. An HNSW
    /// index links a batch in its own order, which gives a better graph than one-by-one
    /// adds (see `HNSWIndex.add(rows:progress:)`).
    @discardableResult
    public mutating func add(rows flat: [Float], fields: [[String: String]] = [],
                             progress: ((Int) -> Void)? = nil) throws -> Range<Int> {
        let rows = flat.count / max(index.dimension, 1)
        guard fields.isEmpty || fields.count == rows else {
            throw IndexError("\(fields.count) metadata rows for \(rows) vectors")
        }
        let ids = try index.add(rows: flat, progress: progress)
        for (i, id) in ids.enumerated() {
            let mid = metadata.append(fields.isEmpty ? [:] : fields[i], tags: [])
            precondition(id == mid, "index and metadata ids diverged")
        }
        return ids
    }

    public mutating func delete(_ id: Int) -> Bool { index.delete(id) }

    /// The `k` best items for each query vector among those the filter accepts.
    public func search(vectors: [[Float]], k: Int, filter: ItemFilter? = nil, ef: Int? = nil) throws -> [[SearchHit]] {
        let predicate = try filter.map { try $0.predicate(metadata, queryID: nil) }
        return try run(vectors, k: k, ef: ef, predicate)
    }

    /// The `k` best items like item `id` (itself excluded); `$query` filters refer to it.
    public func search(id: Int, k: Int, filter: ItemFilter? = nil, ef: Int? = nil) throws -> [SearchHit] {
        guard let v = index.vector(id) else { throw IndexError("no live item with id \(id) (index has ids 0..<\(metadata.count))") }
        let p = try filter.map { try $0.predicate(metadata, queryID: id) }
        let notSelf: (Int) -> Bool = { $0 != id && (p?($0) ?? true) }
        return try run([v], k: k, ef: ef, notSelf)[0]
    }

    private func run(_ vectors: [[Float]], k: Int, ef: Int?, _ predicate: ((Int) -> Bool)?) throws -> [[SearchHit]] {
        guard k >= 1 else { throw IndexError("k must be at least 1, got \(k)") }
        // More neighbours than items cannot be returned; a huge k must not size the beams.
        let k = min(k, max(index.count, 1)), ef = ef.map { min($0, max(index.count, 1)) }
        if let h = index as? HNSWIndex, let ef { return try h.search(vectors, k: k, ef: ef, filter: predicate) }
        return try index.search(vectors, k: k, filter: predicate)
    }

    // MARK: persistence

    struct Header: Codable {
        var format: Int
        var kind: Kind
        var metric: Metric
        var dimension: Int
        var rows: Int
        var hnsw: HNSWIndex.Parameters?
        var entryPoint: Int32?
        var maxLevel: Int32?
        var rngState: UInt64?
        var metadataColumns: [String]
    }

    /// Writes the index folder at `url`, replacing any previous one only once complete.
    public func save(to url: URL) throws {
        let fm = FileManager.default
        let parent = url.deletingLastPathComponent()
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        Self.removeStaleCopies(of: url)
        let tmp = parent.appendingPathComponent(".tmp-\(UUID().uuidString)-\(url.lastPathComponent)")
        try fm.createDirectory(at: tmp, withIntermediateDirectories: false)
        let old = parent.appendingPathComponent(".old-\(UUID().uuidString)-\(url.lastPathComponent)")
        var movedAside = false
        do {
            let store: VectorStore
            var header = Header(format: 1, kind: kind, metric: index.metric, dimension: index.dimension, rows: 0,
                                metadataColumns: metadata.columns)
            if let h = index as? HNSWIndex {
                store = h.store
                header.hnsw = h.parameters; header.entryPoint = h.entryPoint; header.maxLevel = h.maxLevel
                header.rngState = h.rng.state
                try Data(from: h.levels).write(to: tmp.appendingPathComponent("hnsw_levels.i32"))
                try Data(from: h.links0).write(to: tmp.appendingPathComponent("hnsw_links0.i32"))
                try Data(from: h.upperLinks).write(to: tmp.appendingPathComponent("hnsw_upper.i32"))
            } else {
                store = (index as! ExactIndex).store
            }
            header.rows = store.count
            try store.write(to: tmp.appendingPathComponent("vectors.f32"))
            try Data(store.deleted.map { $0 ? 1 : 0 }).write(to: tmp.appendingPathComponent("deleted.u8"))
            try metadataText().write(to: tmp.appendingPathComponent("items.tsv"), atomically: false, encoding: .utf8)
            let enc = JSONEncoder()
            enc.keyEncodingStrategy = .convertToSnakeCase
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try enc.encode(header).write(to: tmp.appendingPathComponent("index.json"))
            if fm.fileExists(atPath: url.path) { try fm.moveItem(at: url, to: old); movedAside = true }
            try fm.moveItem(at: tmp, to: url)
            try? fm.removeItem(at: old)
        } catch {
            // Put the previous index back if it was moved aside and the new one is not in place.
            if movedAside, !fm.fileExists(atPath: url.path) { try? fm.moveItem(at: old, to: url) }
            try? fm.removeItem(at: tmp)
            throw error
        }
    }

    /// Removes the temporary and previous copies that an interrupted `save(to: url)` left
    /// beside `url`. Only names of exactly that pattern are touched: `.tmp-<UUID>-NAME` and
    /// `.old-<UUID>-NAME`, plus the `.old-<UUID>` copies older builds wrote, which hold an
    /// `index.json` of their own.
    static func removeStaleCopies(of url: URL) {
        let fm = FileManager.default
        let parent = url.deletingLastPathComponent(), name = url.lastPathComponent
        guard let siblings = try? fm.contentsOfDirectory(atPath: parent.path) else { return }
        for sibling in siblings {
            for prefix in [".tmp-", ".old-"] where sibling.hasPrefix(prefix) {
                let rest = sibling.dropFirst(prefix.count)
                let uuid = rest.prefix(36)
                guard UUID(uuidString: String(uuid)) != nil else { continue }
                let tail = rest.dropFirst(36)
                let ours = tail == "-" + name
                    || (prefix == ".old-" && tail.isEmpty && fm.fileExists(atPath: parent.appendingPathComponent(sibling).appendingPathComponent("index.json").path))
                if ours { try? fm.removeItem(at: parent.appendingPathComponent(sibling)) }
            }
        }
    }

    /// The widest row an index file may declare: far above any embedding or profile width,
    /// and small enough that row sizes cannot overflow.
    public static let maxDimension = 1 << 24

    /// Throws naming the first field of a saved header that cannot describe an index.
    static func check(_ header: Header, source: String) throws {
        guard header.format == 1 else { throw IndexError("\(source): index format \(header.format), this program reads 1") }
        guard header.dimension >= 1, header.dimension <= maxDimension else {
            throw IndexError("\(source): dimension \(header.dimension); expected 1...\(maxDimension)")
        }
        guard header.rows >= 0 else { throw IndexError("\(source): rows \(header.rows); expected >= 0") }
        do {
            try header.hnsw?.validate()
            try ItemMetadata.checkColumns(header.metadataColumns)
        } catch let e as IndexError {
            throw IndexError("\(source): \(e.message)")
        }
    }

    /// Opens an index folder written by `save(to:)`.
    public static func open(_ url: URL) throws -> SearchIndex {
        func file(_ name: String) -> URL { url.appendingPathComponent(name) }
        guard let headerData = try? Data(contentsOf: file("index.json")) else {
            throw IndexError("\(url.path): no index.json; not an index folder")
        }
        let dec = JSONDecoder()
        dec.keyDecodingStrategy = .convertFromSnakeCase
        let header: Header
        do { header = try dec.decode(Header.self, from: headerData) } catch {
            throw IndexError("\(file("index.json").path): malformed header (\(error))")
        }
        try check(header, source: file("index.json").path)
        removeStaleCopies(of: url)
        let deletedBytes = try Data(contentsOf: file("deleted.u8"))
        guard deletedBytes.count == header.rows else {
            throw IndexError("\(file("deleted.u8").path): \(deletedBytes.count) flags, expected \(header.rows)")
        }
        let store = try VectorStore(dimension: header.dimension, mapping: MappedFile(url: file("vectors.f32")),
                                    deleted: deletedBytes.map { $0 != 0 })
        var result = SearchIndex(kind: header.kind, dimension: header.dimension, metric: header.metric)
        switch header.kind {
        case .exact:
            result.index = ExactIndex(store: store, metric: header.metric)
        case .hnsw:
            guard let p = header.hnsw, let ep = header.entryPoint, let ml = header.maxLevel, let rs = header.rngState else {
                throw IndexError("\(file("index.json").path): hnsw index without graph parameters")
            }
            var h = HNSWIndex(dimension: header.dimension, metric: header.metric, parameters: p)
            h.store = store
            let levels = try [Int32](file: file("hnsw_levels.i32"))
            let links0 = try [Int32](file: file("hnsw_links0.i32"))
            let upper = try [Int32](file: file("hnsw_upper.i32"))
            do {
                try h.restoreGraph(levels: levels, links0: links0, upper: upper, entryPoint: ep, maxLevel: ml)
            } catch let e as IndexError {
                throw IndexError("\(url.path): \(e.message)")
            }
            h.rng = SeededRandom(seed: 0); h.rng.state = rs
            result.index = h
        }
        result.metadata = try parseMetadata(String(contentsOf: file("items.tsv"), encoding: .utf8),
                                            columns: header.metadataColumns, rows: header.rows, source: file("items.tsv").path)
        return result
    }

    /// Metadata as tab-separated text: a header of the columns plus `tags`, one line per id.
    /// Tabs and newlines inside values are replaced by spaces.
    func metadataText() -> String {
        func clean(_ s: String) -> String { s.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ") }
        var out = (metadata.columns + ["tags"]).map(clean).joined(separator: "\t") + "\n"
        for id in 0..<metadata.count {
            out += (metadata.values[id] + [metadata.tags[id].sorted().joined(separator: ";")]).map(clean).joined(separator: "\t") + "\n"
        }
        return out
    }

    static func parseMetadata(_ text: String, columns: [String], rows: Int, source: String) throws -> ItemMetadata {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard lines.count == rows + 1 else { throw IndexError("\(source): \(lines.count - 1) items, expected \(rows)") }
        var values: [[String]] = []
        var tags: [Set<String>] = []
        for (i, line) in lines.dropFirst().enumerated() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == columns.count + 1 else {
                throw IndexError("\(source):\(i + 2): \(f.count) fields, expected \(columns.count + 1)")
            }
            values.append(Array(f.dropLast()))
            tags.append(Set(f.last!.split(separator: ";").map(String.init)))
        }
        return ItemMetadata(columns: columns, values: values, tags: tags)
    }
}

extension Data {
    init<T>(from array: [T]) { self = array.withUnsafeBytes { Data($0) } }
}

extension Array where Element == Int32 {
    init(file: URL) throws {
        let d = try Data(contentsOf: file)
        guard d.count % 4 == 0 else { throw IndexError("\(file.path): size \(d.count) is not a multiple of 4") }
        self = d.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
    }
}
