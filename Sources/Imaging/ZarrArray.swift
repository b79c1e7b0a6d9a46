import Foundation

/// One zarr array on disk (a folder with `.zarray`, or a v3 `zarr.json`, and chunk files),
/// from which 2-D planes are read: the last two dimensions are the plane (y, x), every other
/// dimension is fixed to one index. A v3 description is translated into the v2 one
/// (`ZarrV3ArrayDocument`), so both versions go through the same checks and chunk decoding.
///
/// Opening checks the metadata as hostile: every size positive, every product computed with
/// overflow checks, one plane and one chunk within the pixel budget (`maxPixels`, as
/// `TIFFReader`'s), and the chunks one plane touches decoding to at most four times that
/// budget, before any pixel memory is allocated. A chunk file that is absent holds the
/// fill value (zarr-python does not write chunks equal to it); one that is truncated,
/// corrupt or decompresses to a size other than a chunk's is an error naming that file.
public struct ZarrArray: Sendable {
    public let directory: URL
    public let metadata: ZarrArrayMetadata
    public let dataType: ZarrDataType
    /// Bytes of one (decompressed) chunk.
    public let chunkBytes: Int
    /// Element strides within a chunk, per dimension ("C" or "F" order).
    let chunkStrides: [Int]
    let maxPixels: Int

    public var shape: [Int] { metadata.shape }

    /// Reads and checks `directory/.zarray`, or `directory/zarr.json` when there is no `.zarray`.
    public init(directory: URL, maxPixels: Int = TIFFReader.defaultMaxPixels) throws {
        let v2 = directory.appendingPathComponent(".zarray"), v3 = directory.appendingPathComponent("zarr.json")
        let meta: ZarrArrayMetadata
        if !FileManager.default.fileExists(atPath: v2.path), FileManager.default.fileExists(atPath: v3.path) {
            meta = try ZarrDocument.read(ZarrV3ArrayDocument.self, at: v3, what: "a zarr v3 array description (zarr.json)")
                .metadata(file: v3.path)
        } else {
            meta = try ZarrDocument.read(ZarrArrayMetadata.self, at: v2, what: "a zarr v2 array description (.zarray)")
        }
        try self.init(directory: directory, metadata: meta, maxPixels: maxPixels)
    }

    /// Checks `metadata` against itself and the budget.
    public init(directory: URL, metadata meta: ZarrArrayMetadata, maxPixels: Int = TIFFReader.defaultMaxPixels) throws {
        let path = directory.appendingPathComponent(meta.documentName).path
        func fail(_ message: String) -> ImageIOError { ImageIOError(file: path, message) }
        // A `.zarray` is v2 whatever it claims; only a zarr.json (translated) is v3.
        guard meta.zarrFormat == (meta.documentName == "zarr.json" ? 3 : 2) else {
            throw fail("zarr_format \(meta.zarrFormat); expected 2 (NGFF 0.4)")
        }
        guard meta.chunkKeyPrefix == nil || meta.chunkKeyPrefix == "c" else {
            throw fail("chunk key prefix '\(meta.chunkKeyPrefix ?? "")'; expected 'c' or none")
        }
        guard meta.shape.count >= 2 else { throw fail("shape \(meta.shape) has \(meta.shape.count) dimension(s); expected at least y and x") }
        guard meta.chunks.count == meta.shape.count else {
            throw fail("chunks \(meta.chunks) and shape \(meta.shape) differ in dimensions")
        }
        guard meta.shape.allSatisfy({ $0 > 0 }) else { throw fail("shape \(meta.shape) has an empty dimension") }
        guard meta.chunks.allSatisfy({ $0 > 0 }) else { throw fail("chunks \(meta.chunks) has a dimension that is not positive") }
        guard let type = ZarrDataType(meta.dtype) else {
            throw fail("dtype '\(meta.dtype)' is not supported (8-64-bit integers, 32/64-bit floats, e.g. <u2)")
        }
        guard meta.order == "C" || meta.order == "F" else { throw fail("order '\(meta.order)'; expected C or F") }
        guard meta.dimensionSeparator == "." || meta.dimensionSeparator == "/" else {
            throw fail("dimension_separator '\(meta.dimensionSeparator)'; expected '.' or '/'")
        }
        if let filters = meta.filters, !filters.isEmpty {
            throw fail("filters (\(filters.map(\.id).joined(separator: ", "))) are not supported; expected none")
        }
        if let c = meta.compressor, !ZarrCompressor.supported.contains(c.id) {
            throw fail("compressor '\(c.id)' is not supported (\(ZarrCompressor.supported.joined(separator: ", ")) or none)")
        }
        // Int.max / 16: a chunk of 8-byte samples plus its compressed slack still fits in Int.
        guard maxPixels > 0, maxPixels <= Int.max / 16 else { throw fail("pixel budget \(maxPixels); expected 1 to \(Int.max / 16)") }
        guard ZarrArray.product(meta.shape) != nil else { throw fail("shape \(meta.shape) overflows the element count") }
        let h = meta.shape[meta.shape.count - 2], w = meta.shape[meta.shape.count - 1]
        guard let plane = ZarrArray.product([h, w]), plane <= maxPixels else {
            throw fail("a \(w)x\(h) plane exceeds the pixel budget of \(maxPixels) (maxPixels)")
        }
        guard let chunkElements = ZarrArray.product(meta.chunks), chunkElements <= maxPixels else {
            throw fail("chunks \(meta.chunks) exceed the pixel budget of \(maxPixels) elements per chunk (maxPixels)")
        }
        // Chunks one plane touches, each decoded whole (it may span other planes too).
        let ch = meta.chunks[meta.chunks.count - 2], cw = meta.chunks[meta.chunks.count - 1]
        let touched = ZarrArray.product([(h + ch - 1) / ch, (w + cw - 1) / cw, chunkElements])
        guard let touched, touched <= 4 * maxPixels else {
            throw fail("reading one plane decodes \(touched.map(String.init) ?? "too many") elements (chunks \(meta.chunks)), more than 4 x the pixel budget of \(maxPixels)")
        }
        self.directory = directory
        self.metadata = meta
        self.dataType = type
        self.chunkBytes = chunkElements * type.size   // <= 8 * maxPixels, checked above
        var strides = [Int](repeating: 1, count: meta.chunks.count)
        if meta.order == "C" {
            for d in stride(from: meta.chunks.count - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * meta.chunks[d + 1] }
        } else {
            for d in 1..<meta.chunks.count { strides[d] = strides[d - 1] * meta.chunks[d - 1] }
        }
        self.chunkStrides = strides
        self.maxPixels = maxPixels
    }

    /// The product of `values`, nil on overflow.
    static func product(_ values: [Int]) -> Int? {
        var p = 1
        for v in values {
            let (r, overflow) = p.multipliedReportingOverflow(by: v)
            if overflow { return nil }
            p = r
        }
        return p
    }

    /// The chunk file holding chunk `index` (one chunk number per dimension): `0.1.2` or
    /// `0/1/2` (v2), `c/0/1/2` (v3's default encoding).
    public func chunkURL(_ index: [Int]) -> URL {
        let parts = (metadata.chunkKeyPrefix.map { [$0] } ?? []) + index.map(String.init)
        return directory.appendingPathComponent(parts.joined(separator: metadata.dimensionSeparator))
    }

    /// The plane at `leading` (one index per dimension before y and x) as `Float` pixels.
    public func readPlane(_ leading: [Int]) throws -> Image<Float> {
        let n = shape.count
        guard leading.count == n - 2 else {
            throw ImageIOError(file: directory.path, "\(leading.count) leading indices for a \(n)-dimensional array; expected \(n - 2)")
        }
        for (d, i) in leading.enumerated() where i < 0 || i >= shape[d] {
            throw ImageIOError(file: directory.path, "index \(i) of dimension \(d) is outside 0..<\(shape[d])")
        }
        let h = shape[n - 2], w = shape[n - 1]
        let ch = metadata.chunks[n - 2], cw = metadata.chunks[n - 1]
        var image = Image<Float>(width: w, height: h, repeating: metadata.fillValue.value)
        // Offset (in chunk elements) of the plane within each chunk it crosses.
        var base = 0
        for d in 0..<(n - 2) { base += (leading[d] % metadata.chunks[d]) * chunkStrides[d] }
        let leadingChunk = (0..<(n - 2)).map { leading[$0] / metadata.chunks[$0] }
        let sy = chunkStrides[n - 2], sx = chunkStrides[n - 1]
        for cy in 0..<((h + ch - 1) / ch) {
            for cx in 0..<((w + cw - 1) / cw) {
                let url = chunkURL(leadingChunk + [cy, cx])
                guard let bytes = try readChunk(url) else { continue }
                let y0 = cy * ch, x0 = cx * cw
                let rows = min(ch, h - y0), cols = min(cw, w - x0)
                bytes.withUnsafeBytes { raw in
                    image.pixels.withUnsafeMutableBufferPointer { out in
                        ZarrArray.convert(raw, type: dataType, base: base, sy: sy, sx: sx, rows: rows, cols: cols,
                                          into: out, at: y0 * w + x0, rowStride: w)
                    }
                }
            }
        }
        return image
    }

    /// One chunk's decompressed bytes, nil when the file is absent (it holds the fill value).
    func readChunk(_ url: URL) throws -> [UInt8]? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path) else { return nil }
        guard attributes[.type] as? FileAttributeType == .typeRegular, let size = attributes[.size] as? Int else {
            throw ImageIOError(file: url.path, "chunk is not a regular file")
        }
        // Compressed data may be a little larger than raw (incompressible noise plus framing).
        let limit = metadata.compressor == nil ? chunkBytes : chunkBytes + chunkBytes / 8 + 4096
        if metadata.compressor == nil, size != chunkBytes {
            throw ImageIOError(file: url.path, "uncompressed chunk of \(size) bytes, expected \(chunkBytes) (truncated or not this array's)")
        }
        guard size <= limit else {
            throw ImageIOError(file: url.path, "chunk file of \(size) bytes, more than a compressed chunk of \(chunkBytes) bytes can take")
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ImageIOError(file: url.path, "cannot read chunk")
        }
        guard data.count == size else { throw ImageIOError(file: url.path, "chunk changed while read (\(data.count) of \(size) bytes)") }
        guard let compressor = metadata.compressor else { return [UInt8](data) }
        return try compressor.decode([UInt8](data), byteCount: chunkBytes, file: url.path)
    }

    /// Copies a `rows` x `cols` block of the chunk (starting at element `base`, strides `sy`,
    /// `sx`) into `out` at `at`, converting each sample to `Float`.
    static func convert(_ raw: UnsafeRawBufferPointer, type: ZarrDataType, base: Int, sy: Int, sx: Int, rows: Int, cols: Int,
                        into out: UnsafeMutableBufferPointer<Float>, at: Int, rowStride: Int) {
        func copy<T>(_: T.Type, _ value: (T) -> Float) {
            for r in 0..<rows {
                let src = base + r * sy, dst = at + r * rowStride
                for c in 0..<cols {
                    out[dst + c] = value(raw.loadUnaligned(fromByteOffset: (src + c * sx) * MemoryLayout<T>.size, as: T.self))
                }
            }
        }
        let big = type.bigEndian
        switch (type.kind, type.size) {
        case (.unsigned, 1): copy(UInt8.self) { Float($0) }
        case (.signed, 1): copy(Int8.self) { Float($0) }
        case (.unsigned, 2): copy(UInt16.self) { Float(big ? UInt16(bigEndian: $0) : UInt16(littleEndian: $0)) }
        case (.signed, 2): copy(Int16.self) { Float(big ? Int16(bigEndian: $0) : Int16(littleEndian: $0)) }
        case (.unsigned, 4): copy(UInt32.self) { Float(big ? UInt32(bigEndian: $0) : UInt32(littleEndian: $0)) }
        case (.signed, 4): copy(Int32.self) { Float(big ? Int32(bigEndian: $0) : Int32(littleEndian: $0)) }
        case (.unsigned, 8): copy(UInt64.self) { Float(big ? UInt64(bigEndian: $0) : UInt64(littleEndian: $0)) }
        case (.signed, 8): copy(Int64.self) { Float(big ? Int64(bigEndian: $0) : Int64(littleEndian: $0)) }
        case (.float, 4): copy(UInt32.self) { Float(bitPattern: big ? UInt32(bigEndian: $0) : UInt32(littleEndian: $0)) }
        default: copy(UInt64.self) { Float(Double(bitPattern: big ? UInt64(bigEndian: $0) : UInt64(littleEndian: $0))) }
        }
    }
}
