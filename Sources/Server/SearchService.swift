import Core
import Foundation
import Imaging
import Profiling
import Screen
import Search
import Workflow

/// The server's state: the open index and what goes with it (2-D map, novelty threshold,
/// catalog, images manifest, thumbnail cache).
///
/// An actor so writes (add, delete, tag, flag) are serialized and each is saved to disk
/// before it is acknowledged. Reads take a `Snapshot` (the index is a value type, so this
/// is a cheap copy-on-write reference) and search outside the actor, so concurrent
/// searches run in parallel and never wait behind each other.
public actor SearchService {
    /// What a read needs, taken at one instant.
    public struct Snapshot: Sendable {
        public var index: SearchIndex
        /// x, y per item id (NaN for deleted items or no map).
        public var map: [Float]?
        public var mapSource: String
        public var novelty: NoveltyCalibration?
    }

    public let configuration: ServerConfiguration
    private var index: SearchIndex
    private var map: [Float]?
    private var mapSource: String
    private var novelty: NoveltyCalibration?
    private let catalog: Catalog?
    public nonisolated let manifest: Manifest?
    /// How an uploaded site becomes a vector of this index (its `recipe.json`), or why it cannot.
    public nonisolated let profiler: Result<SiteProfiler, PipelineError>
    private var thumbnails: [String: [UInt8]] = [:]
    private var thumbnailOrder: [String] = []

    public init(configuration: ServerConfiguration, log: (String) -> Void = { _ in }) throws {
        self.configuration = configuration
        let stale = UploadScratch.removeStale()
        if stale > 0 { log("removed \(stale) upload scratch file(s) left by servers that no longer run") }
        // Both errors below already name their file.
        do { index = try SearchIndex.open(configuration.indexURL) } catch { throw ServerError("\(error)") }
        if let url = configuration.catalogURL {
            guard FileManager.default.fileExists(atPath: url.path) else { throw ServerError("\(url.path): catalog not found") }
            do { catalog = try Catalog(url: url) } catch { throw ServerError("\(url.path): cannot open catalog (\(error))") }
        } else {
            catalog = nil
        }
        if let url = configuration.manifestURL {
            do { manifest = try Manifest.load(url) } catch { throw ServerError("\(error)") }
        } else {
            manifest = nil
        }
        profiler = SearchService.loadProfiler(configuration.indexURL, log: log)
        (map, mapSource) = try SearchService.loadMap(index: index, configuration: configuration, log: log)
        novelty = SearchService.calibrate(index, configuration, log: log)
    }

    public func snapshot() -> Snapshot {
        Snapshot(index: index, map: map, mapSource: mapSource, novelty: novelty)
    }

    public nonisolated var hasCatalog: Bool { configuration.catalogURL != nil }

    // MARK: writes

    /// Adds an item and saves; returns its id. The new item's map position is its nearest
    /// neighbour's (UMAP has no cheap out-of-sample step; the neighbour is where it would land).
    public func add(vector: [Float], fields: [String: String], tags: Set<String>) throws -> Int {
        var next = index
        let id = try next.add(vector, fields: fields, tags: tags)
        if var m = map {
            let nearest = try next.search(id: id, k: 1).first
            m.append(nearest.map { m[2 * $0.id] } ?? .nan)
            m.append(nearest.map { m[2 * $0.id + 1] } ?? .nan)
            map = m
        }
        try persist(next)
        return id
    }

    /// Deletes (tombstones) an item and saves; false if it was not live.
    public func delete(_ id: Int) throws -> Bool {
        var next = index
        guard next.delete(id) else { return false }
        try persist(next)
        return true
    }

    /// Adds and removes tags on a live item and saves; returns its tags.
    public func tag(_ id: Int, add: [String], remove: [String]) throws -> [String] {
        guard index.index.vector(id) != nil else { throw APIError.notFound("no live item with id \(id)") }
        var next = index
        for t in add { next.metadata.addTag(t, to: id) }
        for t in remove { next.metadata.removeTag(t, from: id) }
        try persist(next)
        return next.metadata.tags[id].sorted()
    }

    /// Marks a site (or every site of a well) bad in the catalog, so later stages leave it
    /// out, and tags the index items of that site or well `bad`. Returns the sites flagged
    /// and the items tagged.
    public func flag(plate: String, well: WellPosition, site: Int?, defect: String) throws -> (sites: [SiteKey], items: [Int]) {
        guard let catalog else { throw APIError(.conflict, "the server was started without --catalog; flags have nowhere to go") }
        let sites: [SiteKey]
        if let site {
            sites = [SiteKey(plate: plate, well: well, site: site)]
        } else {
            sites = try catalog.includedSites().filter { $0.plate == plate && $0.well == well }
            guard !sites.isEmpty else { throw APIError.notFound("no included site of \(plate)/\(well) in the catalog") }
        }
        for s in sites {
            do { try catalog.flagSite(s, defect: defect, exclude: true) } catch {
                throw APIError.notFound("site \(s) is not in the catalog")
            }
        }
        var next = index
        let meta = next.metadata
        let siteColumn = meta.columns.contains("Metadata_Site")
        var tagged: [Int] = []
        for id in 0..<meta.count where meta.value(id, "Metadata_Plate") == plate
            && meta.value(id, "Metadata_Well").flatMap({ WellPosition($0) }) == well {
            if let site, siteColumn, meta.value(id, "Metadata_Site") != String(site) { continue }
            next.metadata.addTag("bad", to: id)
            tagged.append(id)
        }
        if !tagged.isEmpty { try persist(next) }
        return (sites, tagged)
    }

    /// Saves the new state, then makes it current; a failed save changes nothing.
    private func persist(_ next: SearchIndex) throws {
        try next.save(to: configuration.indexURL)
        if let map {
            try NPYArray(float32: map, shape: [map.count / 2, 2]).write(to: configuration.indexURL.appendingPathComponent("umap.npy"))
        }
        index = next
    }

    // MARK: thumbnails

    /// The PNG composite of a site's channels, downscaled to the configured size; cached.
    public func thumbnail(plate: String, well: WellPosition, site: Int?) throws -> [UInt8] {
        let (manifest, row) = try manifestRow(plate: plate, well: well, site: site)
        let key = row.siteKey.description
        if let png = thumbnails[key] { return png }
        var planes: [Image<UInt16>] = []
        var colors: [Composite.Color] = []
        for (i, channel) in manifest.channels.enumerated() {
            guard let url = manifest.imageURL(row, channel: channel) else { continue }
            do { planes.append(try PlaneReader.readUInt16(url)) } catch {
                throw APIError(.unprocessableContent, "\(url.lastPathComponent): cannot read image (\(error))")
            }
            colors.append(Composite.defaultColor(for: channel, index: i))
        }
        guard !planes.isEmpty else { throw APIError.notFound("site \(key) has no images") }
        let factor = max(1, (max(planes[0].width, planes[0].height) + configuration.thumbnailSize - 1) / configuration.thumbnailSize)
        let png = Composite().png(planes.map { Thumbnail.downscale($0, by: factor) }, colors: colors)
        thumbnails[key] = png
        thumbnailOrder.append(key)
        if thumbnailOrder.count > 512 { thumbnails[thumbnailOrder.removeFirst()] = nil }
        return png
    }

    /// A site's channels as one multi-page TIFF (16-bit, manifest order): what a query by
    /// image takes, so the page can send a site of the screen through the upload path.
    public nonisolated func siteStack(plate: String, well: WellPosition, site: Int?) throws -> [UInt8] {
        let (manifest, row) = try manifestRow(plate: plate, well: well, site: site)
        let planes = try manifest.channels.map { channel -> Image<UInt16> in
            guard let url = manifest.imageURL(row, channel: channel) else { throw APIError.notFound("site \(row.siteKey) has no \(channel) image") }
            do { return try PlaneReader.readUInt16(url) } catch {
                throw APIError(.unprocessableContent, "\(url.lastPathComponent): cannot read image (\(error))")
            }
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("phenoscope-stack-\(UUID().uuidString).tif")
        defer { try? FileManager.default.removeItem(at: url) }
        do { try TIFFWriter.write(planes, to: url) } catch { throw APIError(.internalServerError, "cannot write the stack: \(error)") }
        return Array(try Data(contentsOf: url))
    }

    /// The images manifest and its row for a site (the first site of the well when nil).
    nonisolated func manifestRow(plate: String, well: WellPosition, site: Int?) throws -> (Manifest, ManifestRow) {
        guard let manifest else { throw APIError(.conflict, "the server was started without --images-manifest; no site images") }
        guard let row = manifest.rows.first(where: { $0.plate == plate && $0.well == well && (site == nil || $0.site == site) }) else {
            throw APIError.notFound("no site \(plate)/\(well)\(site.map { "/s\($0)" } ?? "") in the images manifest")
        }
        return (manifest, row)
    }

    // MARK: start-up

    static func loadMap(index: SearchIndex, configuration: ServerConfiguration, log: (String) -> Void) throws -> ([Float]?, String) {
        let rows = index.metadata.count
        let beside = configuration.indexURL.appendingPathComponent("umap.npy")
        let file = configuration.umapURL ?? (FileManager.default.fileExists(atPath: beside.path) ? beside : nil)
        if let file {
            let a: NPYArray
            do { a = try NPYArray.read(file) } catch { throw ServerError("\(file.path): \(error)") }
            guard a.shape == [rows, 2] else {
                if configuration.umapURL != nil { throw ServerError("\(file.path): shape \(a.shape), expected [\(rows), 2] (one row per item id)") }
                log("\(file.path): shape \(a.shape) does not match \(rows) items; recomputing the map")
                return try compute()
            }
            return (a.floats(), "file")
        }
        return try compute()

        func compute() throws -> ([Float]?, String) {
            let live = (0..<rows).filter { index.index.vector($0) != nil }
            guard live.count <= configuration.umapMaxItems else {
                log("\(live.count) items is above --umap-max-items \(configuration.umapMaxItems); no map (give --umap FILE)")
                return (nil, "none")
            }
            guard live.count >= 4 else { return (nil, "none") }
            let d = index.index.dimension
            var data = [Float]()
            data.reserveCapacity(live.count * d)
            for id in live { data.append(contentsOf: index.index.vector(id)!) }
            var umap = UMAP()
            umap.neighbors = min(15, live.count - 1)
            umap.distance = .cosine
            let start = Date()
            let xy = umap.fit(data, count: live.count, dimension: d)
            log(String(format: "UMAP of %d items in %.1f s", live.count, Date().timeIntervalSince(start)))
            var map = [Float](repeating: .nan, count: rows * 2)
            for (i, id) in live.enumerated() { map[2 * id] = xy[2 * i]; map[2 * id + 1] = xy[2 * i + 1] }
            try? NPYArray(float32: map, shape: [rows, 2]).write(to: beside)
            return (map, "computed")
        }
    }

    /// The index's recipe made ready (model loaded, weights checked); a missing or unusable
    /// recipe is kept as the reason, which a query by image answers with.
    static func loadProfiler(_ indexURL: URL, log: (String) -> Void) -> Result<SiteProfiler, PipelineError> {
        let result: Result<SiteProfiler, PipelineError>
        do {
            if let recipe = try ProfileRecipe.load(index: indexURL) {
                result = .success(try SiteProfiler(recipe: recipe))
            } else {
                result = .failure(PipelineError(message: "this index has no recipe (\(ProfileRecipe.fileName)): it was built from bare vectors, not by phenoscope run"))
            }
        } catch {
            result = .failure(error as? PipelineError ?? PipelineError(message: "\(error)"))
        }
        switch result {
        case .success(let p): log("query by image: \(p.recipe.features.count)-d recipe over channels \(p.recipe.channels.joined(separator: ", "))")
        case .failure(let e): log("query by image off: \(e.message)")
        }
        return result
    }

    static func calibrate(_ index: SearchIndex, _ configuration: ServerConfiguration, log: (String) -> Void) -> NoveltyCalibration? {
        let c = NoveltyCalibration.preferring(configuration.noveltyReference, in: index, percentile: configuration.noveltyPercentile)
        if let c { log("novelty threshold \(c.threshold) from \(c.referenceCount) reference items") }
        return c
    }
}
