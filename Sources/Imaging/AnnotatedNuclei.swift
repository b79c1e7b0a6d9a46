import Foundation
import Core

/// Images with instance-labelled nuclei, as segmentation is trained and scored on them.
///
/// Two folder layouts are read:
/// - the Data Science Bowl 2018 layout: `<dir>/<id>/images/<id>.png` and one binary mask per
///   nucleus in `<dir>/<id>/masks/*.png` (mask k, in file-name order, becomes label k);
/// - label pairs: `<dir>/images/<name>.(tif|tiff|png)` with a label image of the same name in
///   `<dir>/masks/` (TIFF, 0 = background, one value per nucleus).
///
/// Each image is reduced to one float plane (the mean of its colour planes) and classified as
/// fluorescence (grey with a dark background), brightfield (grey, bright background) or
/// histology (colour), so a split can be stratified by kind and a model trained and scored on
/// fluorescence alone.
public struct AnnotatedNuclei: Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case fluorescence, brightfield, histology }

    public struct Item: Sendable {
        public var id: String
        public var kind: Kind
        /// The image, one plane in its file's intensity units.
        public var image: Image<Float>
        public var labels: Image<Int32>

        public init(id: String, kind: Kind, image: Image<Float>, labels: Image<Int32>) {
            self.id = id; self.kind = kind; self.image = image; self.labels = labels
        }
    }

    public var items: [Item]

    public init(items: [Item]) { self.items = items }

    /// Reads every image of `directory` (either layout), or only those whose id is in `ids`.
    public static func load(_ directory: URL, ids: Set<String>? = nil) throws -> AnnotatedNuclei {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: directory.path, isDirectory: &isDir), isDir.boolValue else {
            throw ImageIOError(file: directory.path, "no such folder of annotated images")
        }
        let pairs = directory.appendingPathComponent("images")
        if fm.fileExists(atPath: pairs.path) { return try loadPairs(directory, ids: ids) }
        let names = try fm.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix(".") }.sorted()
        var items: [Item] = []
        for id in names where ids?.contains(id) ?? true {
            let folder = directory.appendingPathComponent(id)
            let imageURL = folder.appendingPathComponent("images/\(id).png")
            guard fm.fileExists(atPath: imageURL.path) else { continue }
            let decoded = try PNGCodec.read(imageURL)
            let maskDir = folder.appendingPathComponent("masks")
            let maskNames = try fm.contentsOfDirectory(atPath: maskDir.path).filter { $0.hasSuffix(".png") }.sorted()
            var labels = Image<Int32>(width: decoded.width, height: decoded.height, repeating: 0)
            for (k, name) in maskNames.enumerated() {
                let mask = try PNGCodec.read(maskDir.appendingPathComponent(name))
                guard mask.width == decoded.width, mask.height == decoded.height else {
                    throw ImageIOError(file: maskDir.appendingPathComponent(name).path,
                                       "mask is \(mask.width)x\(mask.height), image is \(decoded.width)x\(decoded.height)")
                }
                for (i, v) in mask.planes[0].pixels.enumerated() where v != 0 { labels.pixels[i] = Int32(k + 1) }
            }
            items.append(Item(id: id, kind: kind(of: decoded.planes), image: meanPlane(decoded.planes), labels: labels))
        }
        guard !items.isEmpty else { throw ImageIOError(file: directory.path, "no annotated images (expected <id>/images/<id>.png or images/ + masks/)") }
        return AnnotatedNuclei(items: items)
    }

    static func loadPairs(_ directory: URL, ids: Set<String>?) throws -> AnnotatedNuclei {
        let fm = FileManager.default
        let imageDir = directory.appendingPathComponent("images"), maskDir = directory.appendingPathComponent("masks")
        let names = try fm.contentsOfDirectory(atPath: imageDir.path).filter { !$0.hasPrefix(".") }.sorted()
        var items: [Item] = []
        for name in names {
            let url = imageDir.appendingPathComponent(name)
            let id = url.deletingPathExtension().lastPathComponent
            guard ids?.contains(id) ?? true else { continue }
            let planes: [Image<Float>]
            switch url.pathExtension.lowercased() {
            case "png": planes = try PNGCodec.read(url).planes.map { $0.map(Float.init) }
            case "tif", "tiff": planes = [try TIFFReader.readFloat(url)]
            default: continue
            }
            let candidates = ["tif", "tiff", "png"].map { maskDir.appendingPathComponent("\(id).\($0)") }
            guard let maskURL = candidates.first(where: { fm.fileExists(atPath: $0.path) }) else {
                throw ImageIOError(file: url.path, "no label image \(id).tif in \(maskDir.path)")
            }
            let labels = maskURL.pathExtension == "png"
                ? try PNGCodec.read(maskURL).planes[0].map { Int32($0) } : try TIFFReader.readLabels(maskURL)
            guard labels.width == planes[0].width, labels.height == planes[0].height else {
                throw ImageIOError(file: maskURL.path, "labels are \(labels.width)x\(labels.height), image is \(planes[0].width)x\(planes[0].height)")
            }
            let image = meanPlane(planes)
            items.append(Item(id: id, kind: kind(of: planes), image: image, labels: labels))
        }
        guard !items.isEmpty else { throw ImageIOError(file: imageDir.path, "no images (.tif, .tiff or .png)") }
        return AnnotatedNuclei(items: items)
    }

    static func meanPlane<P: BinaryInteger>(_ planes: [Image<P>]) -> Image<Float> {
        meanPlane(planes.map { $0.map { Float($0) } })
    }

    static func meanPlane(_ planes: [Image<Float>]) -> Image<Float> {
        guard planes.count > 1 else { return planes[0] }
        var out = planes[0]
        for p in planes.dropFirst() { for i in out.pixels.indices { out.pixels[i] += p.pixels[i] } }
        let s = 1 / Float(planes.count)
        return out.map { $0 * s }
    }

    static func kind<P: BinaryInteger>(of planes: [Image<P>]) -> Kind { kind(of: planes.map { $0.map { Float($0) } }) }

    /// Colour when the planes differ anywhere noticeably; among grey images, a median above a
    /// third of the brightest pixel means a bright background (transmitted light).
    static func kind(of planes: [Image<Float>]) -> Kind {
        if planes.count > 1 {
            var differing = 0
            for i in planes[0].pixels.indices where planes.dropFirst().contains(where: { abs($0.pixels[i] - planes[0].pixels[i]) > 1 }) {
                differing += 1
            }
            if differing * 100 > planes[0].pixels.count { return .histology }
        }
        let sorted = planes[0].pixels.sorted()
        guard let top = sorted.last, top > 0 else { return .fluorescence }
        return sorted[sorted.count / 2] > top / 3 ? .brightfield : .fluorescence
    }

    /// A split by image, stratified by kind: `fraction` of each kind's ids (at least one where
    /// the kind has two or more), drawn with `seed`; returns the validation ids.
    public func validationIDs(fraction: Double, seed: UInt64) -> Set<String> {
        var out = Set<String>()
        for k in Kind.allCases {
            var ids = items.filter { $0.kind == k }.map(\.id).sorted()
            var rng = SeededRandom(seed: SeededRandom.derive(seed, Kind.allCases.firstIndex(of: k) ?? 0))
            for i in stride(from: ids.count - 1, to: 0, by: -1) { ids.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            let n = ids.count >= 2 ? max(1, Int((Double(ids.count) * fraction).rounded())) : 0
            out.formUnion(ids.prefix(n))
        }
        return out
    }
}
