import Foundation
import Hummingbird
import Imaging
import Screen
import Search
import Workflow

/// The HTTP API of `phenoscope serve`: every route, its handler, and the access rule it
/// follows. `routes` lists them for the OpenAPI document and its test; `register` wires
/// the handlers into a Hummingbird router.
public struct SearchAPI: Sendable {
    /// One endpoint: method and OpenAPI-style path, and whether it writes.
    public struct Route: Sendable, Hashable {
        public var method: String
        public var path: String
        public var writes: Bool
    }

    public static let routes: [Route] = [
        Route(method: "GET", path: "/", writes: false),
        Route(method: "GET", path: "/health", writes: false),
        Route(method: "GET", path: "/metrics", writes: false),
        Route(method: "GET", path: "/openapi.json", writes: false),
        Route(method: "GET", path: "/api/items", writes: false),
        Route(method: "GET", path: "/api/items/{id}", writes: false),
        Route(method: "POST", path: "/api/items", writes: true),
        Route(method: "DELETE", path: "/api/items/{id}", writes: true),
        Route(method: "POST", path: "/api/items/{id}/tags", writes: true),
        Route(method: "POST", path: "/api/search", writes: false),
        Route(method: "POST", path: "/api/search/image", writes: false),
        Route(method: "POST", path: "/api/moa", writes: false),
        Route(method: "POST", path: "/api/flags", writes: true),
        Route(method: "GET", path: "/api/thumbnail", writes: false),
        Route(method: "GET", path: "/api/site-images", writes: false),
        Route(method: "GET", path: "/api/umap", writes: false),
        Route(method: "GET", path: "/api/plates", writes: false),
    ]

    let service: SearchService
    let metrics: RequestMetrics
    var configuration: ServerConfiguration { service.configuration }

    public init(service: SearchService, metrics: RequestMetrics) {
        self.service = service
        self.metrics = metrics
    }

    /// The methods routed on a concrete path (`/api/items/7` matches `/api/items/{id}`),
    /// for the `Allow` header of a 405; empty when no route has that path.
    static func allowedMethods(path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        let methods = routes.filter { route in
            let template = route.path.split(separator: "/", omittingEmptySubsequences: false)
            return template.count == segments.count && zip(template, segments).allSatisfy { t, s in
                t.hasPrefix("{") ? !s.isEmpty : t == s
            }
        }.map(\.method)
        return Array(Set(methods)).sorted()
    }

    // MARK: access

    /// Writes need the key; reads need it too when a key is set and reads are not open.
    func authorize(_ request: Request, writes: Bool) throws {
        guard let key = configuration.apiKey else {
            if writes { throw APIError(.forbidden, "this server has no API key (--api-key-file), so it is read-only") }
            return
        }
        if !writes && configuration.openReads { return }
        var given = request.headers[.init("X-API-Key")!]
        if given == nil, let auth = request.headers[.authorization], auth.hasPrefix("Bearer ") {
            given = String(auth.dropFirst(7))
        }
        guard let given else { throw APIError(.unauthorized, "header 'X-API-Key' (or 'Authorization: Bearer') is required") }
        guard SearchAPI.constantTimeEqual(given, key) else { throw APIError(.forbidden, "header 'X-API-Key': wrong API key") }
    }

    /// Compares without stopping at the first difference, so timing does not leak the key.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) { diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0) }
        return diff == 0
    }

    // MARK: router

    public func register<Context: RemoteAddressRequestContext>(on router: Router<Context>) {
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: JSONErrorMiddleware())
        router.add(middleware: ClientLimitMiddleware(limit: ClientLimit(limit: configuration.maxRequestsPerClient)))
        let api = self
        router.get("/") { _, _ in JSONResponse.bytes(Array(WebPage.html.utf8), contentType: "text/html; charset=utf-8") }
        router.get("/health") { _, _ in await api.health() }
        router.get("/metrics") { _, _ in await api.metricsText() }
        router.get("/openapi.json") { _, _ in await api.openAPI() }
        router.get("/api/items") { r, _ in try api.authorize(r, writes: false); return try await api.listItems(r) }
        router.get("/api/items/:id") { r, c in try api.authorize(r, writes: false); return try await api.item(c.parameters.get("id")) }
        router.post("/api/items") { r, _ in try api.authorize(r, writes: true); return try await api.addItem(r) }
        router.delete("/api/items/:id") { r, c in try api.authorize(r, writes: true); return try await api.deleteItem(c.parameters.get("id")) }
        router.post("/api/items/:id/tags") { r, c in try api.authorize(r, writes: true); return try await api.tags(r, c.parameters.get("id")) }
        router.post("/api/search") { r, _ in try api.authorize(r, writes: false); return try await api.search(r) }
        router.post("/api/search/image") { r, _ in try api.authorize(r, writes: false); return try await api.searchImage(r) }
        router.post("/api/moa") { r, _ in try api.authorize(r, writes: false); return try await api.moa(r) }
        router.post("/api/flags") { r, _ in try api.authorize(r, writes: true); return try await api.flags(r) }
        router.get("/api/thumbnail") { r, _ in try api.authorize(r, writes: false); return try await api.thumbnail(r) }
        router.get("/api/site-images") { r, _ in try api.authorize(r, writes: false); return try api.siteImages(r) }
        router.get("/api/umap") { r, _ in try api.authorize(r, writes: false); return await api.umap() }
        router.get("/api/plates") { r, _ in try api.authorize(r, writes: false); return await api.plates() }
    }

    // MARK: handlers

    func health() async -> Response {
        let s = await service.snapshot()
        return JSONResponse.make([
            "status": "ok", "items": s.index.index.count, "dimension": s.index.index.dimension,
            "kind": s.index.kind.rawValue, "metric": s.index.index.metric.rawValue,
        ])
    }

    func openAPI() async -> Response {
        let s = await service.snapshot()
        let text = OpenAPIDocument.json(dimension: s.index.index.dimension, columns: s.index.metadata.columns,
                                        cosine: s.index.index.metric == .cosine)
        return JSONResponse.bytes(Array(text.utf8), contentType: "application/json")
    }

    func metricsText() async -> Response {
        let s = await service.snapshot()
        let text = metrics.text(gauges: [("phenoscope_index_items", "Live items in the index.", Double(s.index.index.count))])
        return JSONResponse.bytes(Array(text.utf8), contentType: "text/plain; version=0.0.4")
    }

    func listItems(_ request: Request) async throws -> Response {
        let s = await service.snapshot()
        let q = request.uri.queryParameters
        let limit = try SearchAPI.queryInt(q.get("limit"), name: "limit", default: 100, range: 1...10_000)
        let offset = try SearchAPI.queryInt(q.get("offset"), name: "offset", default: 0, range: 0...Int(Int32.max))
        let filterText = SearchAPI.formText(q.get("filter"))
        try FilterGrammar.check(text: filterText, columns: s.index.metadata.columns, field: "query parameter 'filter'")
        let filter = try SearchAPI.filter(FilterText.split(filterText), s.index, field: "filter")
        let accept = try filter.map { f in try SearchAPI.field("filter") { try f.predicate(s.index.metadata, queryID: nil) } }
        var matching: [Int] = []
        for id in 0..<s.index.metadata.count where s.index.index.vector(id) != nil && (accept?(id) ?? true) { matching.append(id) }
        let page = matching.dropFirst(offset).prefix(limit)
        return JSONResponse.make(["total": matching.count, "items": page.map { SearchAPI.itemJSON(s, $0) }])
    }

    func item(_ text: String?) async throws -> Response {
        let s = await service.snapshot()
        let id = try SearchAPI.itemID(text, s.index)
        var out = SearchAPI.itemJSON(s, id)
        out["vector"] = s.index.index.vector(id)!.map(Double.init)
        return JSONResponse.make(out)
    }

    func addItem(_ request: Request) async throws -> Response {
        let body = try await APIRequestDecoder.decode(AddItemRequest.self, from: request, limit: configuration.maxJSONBytes)
        let fields = body.fields ?? [:], tags = body.tags ?? []
        let s = await service.snapshot()
        let vector = try SearchAPI.vector(body.vector, s.index)
        if let unknown = fields.keys.sorted().first(where: { !s.index.metadata.columns.contains($0) }) {
            throw APIError.badRequest("field 'fields.\(unknown)': not a metadata column of this index (\(s.index.metadata.columns.joined(separator: ", ")))")
        }
        try tags.forEach { try SearchAPI.checkTag($0, field: "tags") }
        let id = try await SearchAPI.field("vector") { try await service.add(vector: vector, fields: fields, tags: Set(tags)) }
        return JSONResponse.make(["id": id], status: .created)
    }

    func deleteItem(_ text: String?) async throws -> Response {
        let s = await service.snapshot()
        let id = try SearchAPI.itemID(text, s.index)
        guard try await service.delete(id) else { throw APIError.notFound("no live item with id \(id)") }
        return JSONResponse.make(["id": id, "deleted": true])
    }

    func tags(_ request: Request, _ text: String?) async throws -> Response {
        let s = await service.snapshot()
        let id = try SearchAPI.itemID(text, s.index)
        let body = try await APIRequestDecoder.decode(TagsRequest.self, from: request, limit: configuration.maxJSONBytes)
        let add = body.add ?? [], remove = body.remove ?? []
        try add.forEach { try SearchAPI.checkTag($0, field: "add") }
        try remove.forEach { try SearchAPI.checkTag($0, field: "remove") }
        let tags = try await service.tag(id, add: add, remove: remove)
        return JSONResponse.make(["id": id, "tags": tags])
    }

    func search(_ request: Request) async throws -> Response {
        let body = try await APIRequestDecoder.decode(SearchRequest.self, from: request, limit: configuration.maxJSONBytes)
        let k = try SearchAPI.inRange(body.k ?? 10, 1...1000, field: "k")
        let ef = try body.ef.map { try SearchAPI.inRange($0, 1...10_000, field: "ef") }
        let s = await service.snapshot()
        let filter = try SearchAPI.filter(body.filter, s.index)
        let hits: [SearchHit]
        var query: [String: Any] = [:]
        switch (body.id, body.vector) {
        case let (id?, nil):
            let id = try SearchAPI.itemID(String(id), s.index, field: "id")
            hits = try SearchAPI.field("filter") { try s.index.search(id: id, k: k, filter: filter, ef: ef) }
            query = SearchAPI.itemJSON(s, id)
        case let (nil, vector?):
            let vector = try SearchAPI.vector(vector, s.index)
            hits = try SearchAPI.field("vector") { try s.index.search(vectors: [vector], k: k, filter: filter, ef: ef)[0] }
        default:
            throw APIError.badRequest("give exactly one of field 'id' or field 'vector'")
        }
        return JSONResponse.make(["k": k, "query": query, "results": hits.map { SearchAPI.itemJSON(s, $0.id, score: $0.score) }])
    }

    func moa(_ request: Request) async throws -> Response {
        let body = try await APIRequestDecoder.decode(MoARequest.self, from: request, limit: configuration.maxJSONBytes)
        let s = await service.snapshot()
        let k = try SearchAPI.inRange(body.k ?? 10, 1...1000, field: "k")
        let labelField = body.labelField ?? "Metadata_MoA"
        guard s.index.metadata.columns.contains(labelField) else {
            throw APIError.badRequest("field 'label_field': '\(labelField.prefix(80))' is not a metadata column of this index")
        }
        let filter = try SearchAPI.filter(body.filter, s.index)
        var vote = NeighborVote(labelField: labelField, k: k, noveltyThreshold: s.novelty?.threshold)
        let result: NeighborVote.Result
        switch (body.id, body.vector) {
        case let (id?, nil):
            let id = try SearchAPI.itemID(String(id), s.index, field: "id")
            let defaultExclude = s.index.metadata.columns.contains("Metadata_Compound") ? "Metadata_Compound" : nil
            vote.excludeSameField = body.excludeSame ?? defaultExclude
            if let f = vote.excludeSameField, !s.index.metadata.columns.contains(f) {
                throw APIError.badRequest("field 'exclude_same': '\(f.prefix(80))' is not a metadata column of this index")
            }
            result = try SearchAPI.field("filter") { try vote.infer(id: id, in: s.index, filter: filter) }
        case let (nil, vector?):
            guard body.excludeSame == nil else { throw APIError.badRequest("field 'exclude_same': needs a query 'id', not a 'vector'") }
            let vector = try SearchAPI.vector(vector, s.index)
            result = try SearchAPI.field("vector") { try vote.infer(vector: vector, in: s.index, filter: filter) }
        default:
            throw APIError.badRequest("give exactly one of field 'id' or field 'vector'")
        }
        var out: [String: Any] = [
            "label": result.label as Any? ?? NSNull(), "confidence": result.confidence, "novel": result.novel,
            "best_similarity": result.bestSimilarity.map { Double($0) } as Any? ?? NSNull(),
            "novelty_threshold": s.novelty.map { Double($0.threshold) } as Any? ?? NSNull(),
            "votes": result.votes.map { ["label": $0.label, "weight": $0.weight] },
            "neighbors": result.neighbors.map { SearchAPI.itemJSON(s, $0.id, score: $0.score) },
        ]
        out["label_field"] = labelField
        return JSONResponse.make(out)
    }

    func flags(_ request: Request) async throws -> Response {
        let body = try await APIRequestDecoder.decode(FlagRequest.self, from: request, limit: configuration.maxJSONBytes)
        guard !body.plate.isEmpty else { throw APIError.badRequest("field 'plate': must not be empty") }
        guard let well = WellPosition(body.well) else { throw APIError.badRequest("field 'well': '\(body.well.prefix(40))' is not a well such as B03") }
        let site = try body.site.map { try SearchAPI.inRange($0, 0...100_000, field: "site") }
        let defect = body.defect ?? "manual"
        try SearchAPI.checkTag(defect, field: "defect")
        let (sites, items) = try await service.flag(plate: body.plate, well: well, site: site, defect: defect)
        return JSONResponse.make(["sites": sites.map(\.description), "tagged_items": items, "defect": defect, "excluded": true])
    }

    func thumbnail(_ request: Request) async throws -> Response {
        let (plate, well, site) = try SearchAPI.siteParameters(request)
        let png = try await service.thumbnail(plate: plate, well: well, site: site)
        return JSONResponse.bytes(png, contentType: "image/png", cache: true)
    }

    func siteImages(_ request: Request) throws -> Response {
        let (plate, well, site) = try SearchAPI.siteParameters(request)
        return JSONResponse.bytes(try service.siteStack(plate: plate, well: well, site: site), contentType: "image/tiff")
    }

    /// The `plate`, `well` and optional `site` query parameters that name a site.
    static func siteParameters(_ request: Request) throws -> (String, WellPosition, Int?) {
        let q = request.uri.queryParameters
        guard let plate = q.get("plate"), !plate.isEmpty else { throw APIError.badRequest("query parameter 'plate' is required") }
        guard let wellText = q.get("well") else { throw APIError.badRequest("query parameter 'well' is required") }
        guard let well = WellPosition(wellText) else { throw APIError.badRequest("query parameter 'well': '\(wellText)' is not a well such as B03") }
        let site = try q.get("site").map { try SearchAPI.queryInt($0, name: "site", default: 0, range: 0...100_000) }
        return (plate, well, site)
    }

    func umap() async -> Response {
        let s = await service.snapshot()
        var ids: [Int] = [], xs: [Double] = [], ys: [Double] = [], labels: [String] = []
        let labelColumn = ["Metadata_MoA", "Metadata_Compound"].first { s.index.metadata.columns.contains($0) }
        if let map = s.map {
            for id in 0..<min(map.count / 2, s.index.metadata.count)
            where s.index.index.vector(id) != nil && map[2 * id].isFinite && map[2 * id + 1].isFinite {
                ids.append(id); xs.append(Double(map[2 * id])); ys.append(Double(map[2 * id + 1]))
                labels.append(labelColumn.flatMap { s.index.metadata.value(id, $0) } ?? "")
            }
        }
        return JSONResponse.make(["source": s.mapSource, "ids": ids, "x": xs, "y": ys, "labels": labels,
                                  "label_field": labelColumn as Any? ?? NSNull()])
    }

    func plates() async -> Response {
        let s = await service.snapshot()
        let meta = s.index.metadata
        guard meta.columns.contains("Metadata_Plate"), meta.columns.contains("Metadata_Well") else {
            return JSONResponse.make(["plates": [Any]()])
        }
        struct WellEntry { var items: [Int] = []; var compound = ""; var moa = ""; var bad = false }
        var plates: [String: [WellPosition: WellEntry]] = [:]
        for id in 0..<meta.count where s.index.index.vector(id) != nil {
            guard let plate = meta.value(id, "Metadata_Plate"), let well = meta.value(id, "Metadata_Well").flatMap(WellPosition.init) else { continue }
            var e = plates[plate, default: [:]][well, default: WellEntry()]
            e.items.append(id)
            e.compound = meta.value(id, "Metadata_Compound") ?? ""
            e.moa = meta.value(id, "Metadata_MoA") ?? ""
            e.bad = e.bad || meta.tags[id].contains("bad")
            plates[plate, default: [:]][well] = e
        }
        let out: [[String: Any]] = plates.keys.sorted().map { name in
            let wells = plates[name]!
            let maxRow = wells.keys.map(\.row).max() ?? 0, maxColumn = wells.keys.map(\.column).max() ?? 0
            // The smallest standard plate that holds every well seen.
            let (rows, columns) = [(8, 12), (16, 24), (32, 48)].first { maxRow < $0.0 && maxColumn <= $0.1 } ?? (maxRow + 1, maxColumn)
            return ["plate": name, "rows": rows, "columns": columns, "wells": wells.keys.sorted().map { w -> [String: Any] in
                let e = wells[w]!
                // Row and column 0-based, for drawing the grid.
                return ["well": w.description, "row": w.row, "column": w.column - 1, "items": e.items,
                        "compound": e.compound, "moa": e.moa, "bad": e.bad]
            }]
        }
        return JSONResponse.make(["plates": out])
    }

    /// One site by upload: a PNG or multi-page TIFF as the body, or `multipart/form-data` with
    /// one file per channel (named after its channel). Query parameters: `k`, `plate` (whose
    /// DMSO scaling normalizes the site; default the recipe's reference plate), `filter`,
    /// `label_field`. The site is profiled by the index's recipe, so it is comparable with
    /// the items; 422 when the index has no usable recipe or the files miss channels.
    func searchImage(_ request: Request) async throws -> Response {
        let q = request.uri.queryParameters
        let k = try SearchAPI.queryInt(q.get("k"), name: "k", default: 10, range: 1...1000)
        let bytes = try await APIRequestDecoder.body(of: request, limit: configuration.maxUploadBytes)
        let files: [SiteImages.File]
        if let boundary = MultipartForm.boundary(contentType: request.headers[.contentType]) {
            files = try MultipartForm(body: bytes, boundary: boundary).parts.map { SiteImages.File(name: $0.filename ?? $0.name, bytes: $0.bytes) }
            guard !files.isEmpty else { throw APIError.badRequest("body: a multipart form without files") }
        } else {
            guard !bytes.isEmpty else { throw APIError.badRequest("request body is empty; expected a PNG or TIFF image, or a multipart form of channel files") }
            files = [SiteImages.File(name: "body", bytes: bytes)]
        }
        let profiler: SiteProfiler
        switch service.profiler {
        case .success(let p): profiler = p
        case .failure(let e):
            // The server's state decides first (409, as for a missing catalog): no upload
            // could be used. Say what was uploaded too, so a client sees its files were read,
            // or why they could not be (still within the pixel budget: 413 beyond it).
            var uploaded: String
            do {
                let planes = try files.map { file in try SiteImages.decode(file.bytes, source: file.name, maxPixels: configuration.maxUploadPixels) }
                let size = planes.first?.first.map { "\($0.width)x\($0.height)" } ?? "no image"
                uploaded = "an uploaded image (\(planes.map(\.count).reduce(0, +)) channel(s), \(size))"
            } catch let p as SiteImages.Problem where p.kind == .overBudget {
                throw APIError(.contentTooLarge, p.description)
            } catch {
                uploaded = "the upload (which is not readable either: \(error))"
            }
            throw APIError(.conflict, "\(e.message); \(uploaded) cannot be turned into a comparable vector; query by 'id' or 'vector' instead")
        }
        let planes = try SearchAPI.siteImages {
            try SiteImages.assign(files, channels: profiler.recipe.channels, maxPixels: configuration.maxUploadPixels)
        }
        let s = await service.snapshot()
        let labelField = q.get("label_field") ?? "Metadata_MoA"
        if q.get("label_field") != nil && !s.index.metadata.columns.contains(labelField) {
            throw APIError.badRequest("query parameter 'label_field': '\(labelField)' is not a metadata column of this index")
        }
        let filterText = SearchAPI.formText(q.get("filter"))
        try FilterGrammar.check(text: filterText, columns: s.index.metadata.columns, field: "query parameter 'filter'")
        let query = SiteQuery(k: k, plate: q.get("plate"), filter: try SearchAPI.filter(FilterText.split(filterText), s.index, field: "filter"),
                              labelField: labelField, novelty: s.novelty)
        let answer: SiteQuery.Answer
        do { answer = try SearchAPI.field("filter") { try query.run(planes, profiler: profiler, index: s.index) } } catch let e as PipelineError {
            throw APIError(.unprocessableContent, e.message)
        }
        let response = ImageSearchResponse(answer, query: query, recipe: profiler.recipe, index: s.index)
        return JSONResponse.bytes(try response.json(), contentType: "application/json")
    }

    /// Runs `body`, turning a site's file problems into a 400 (unreadable), 413 (over the
    /// pixel budget) or 422 (channels).
    static func siteImages<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let p as SiteImages.Problem {
            switch p.kind {
            case .unreadable: throw APIError.badRequest(p.description)
            case .overBudget: throw APIError(.contentTooLarge, p.description)
            case .channels: throw APIError(.unprocessableContent, p.description)
            }
        }
    }

    // MARK: helpers

    static func itemJSON(_ s: SearchService.Snapshot, _ id: Int, score: Float? = nil) -> [String: Any] {
        let meta = s.index.metadata
        var fields: [String: String] = [:]
        for (c, v) in zip(meta.columns, meta.values[id]) { fields[c] = v }
        var out: [String: Any] = ["id": id, "fields": fields, "tags": meta.tags[id].sorted()]
        if let score { out["score"] = Double(score) }
        if let map = s.map, 2 * id + 1 < map.count, map[2 * id].isFinite {
            out["umap"] = [Double(map[2 * id]), Double(map[2 * id + 1])]
        }
        return out
    }

    static func itemID(_ text: String?, _ index: SearchIndex, field: String = "id") throws -> Int {
        guard let text, let id = Int(text), id >= 0 else {
            throw APIError.badRequest("\(field == "id" ? "path parameter" : "field") '\(field)': '\(text ?? "")' is not a non-negative integer")
        }
        guard index.index.vector(id) != nil else {
            throw APIError.notFound("no live item with id \(id) (the index has ids 0..<\(index.metadata.count))")
        }
        return id
    }

    static func inRange(_ value: Int, _ range: ClosedRange<Int>, field: String) throws -> Int {
        guard range.contains(value) else {
            throw APIError.badRequest("field '\(field)': \(value) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// A body's vector checked against the index (`VectorBounds`) and made float32.
    static func vector(_ v: [Double], _ index: SearchIndex) throws -> [Float] {
        try VectorBounds.checked(v, dimension: index.index.dimension, cosine: index.index.metric == .cosine)
    }

    static func checkTag(_ tag: String, field: String) throws {
        // ASCII only, as the OpenAPI document's pattern says (CharacterSet.alphanumerics would
        // also take every script's letters, which the documented pattern does not).
        guard !tag.isEmpty, tag.unicodeScalars.count <= 64,
              tag.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_-.:".unicodeScalars.contains($0)) }) else {
            throw APIError.badRequest("field '\(field)': '\(tag.prefix(80))' is not a tag (1-64 letters, digits, _ - . :)")
        }
    }

    /// A body's filter, checked against the documented grammar first.
    static func filter(_ given: FilterField?, _ index: SearchIndex) throws -> ItemFilter? {
        switch given {
        case nil: return nil
        case .text(let text): try FilterGrammar.check(text: text, columns: index.metadata.columns, field: "field 'filter'")
        case .conditions(let list): try FilterGrammar.check(conditions: list, columns: index.metadata.columns, field: "field 'filter'")
        }
        return try filter(given?.expressions ?? [], index, field: "filter")
    }

    static func filter(_ expressions: [String], _ index: SearchIndex, field: String) throws -> ItemFilter? {
        guard !expressions.isEmpty else { return nil }
        return try SearchAPI.field(field) {
            let f = try ItemFilter(expressions)
            try f.validate(against: index.metadata)
            return f
        }
    }

    /// A query parameter as a form sends it: '+' stands for a space (filters join conditions
    /// with " and "; '+' is not part of the filter grammar).
    static func formText(_ text: String?) -> String {
        (text ?? "").replacingOccurrences(of: "+", with: " ")
    }

    static func queryInt(_ text: String?, name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text else { return value }
        guard let i = Int(text), range.contains(i) else {
            throw APIError.badRequest("query parameter '\(name)': '\(text.prefix(40))' is not an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return i
    }

    /// Runs `body`, turning index errors (bad filter, zero vector ...) into a 400 naming `name`.
    static func field<T>(_ name: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as IndexError { throw APIError.badRequest("field '\(name)': \(e.message)") }
    }

    static func field<T>(_ name: String, _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let e as IndexError { throw APIError.badRequest("field '\(name)': \(e.message)") }
    }
}
