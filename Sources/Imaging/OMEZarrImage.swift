import Foundation

/// An OME-Zarr image (NGFF 0.1-0.4 in zarr v2, NGFF 0.5 in zarr v3): a group whose attributes
/// (`.zattrs`, or `attributes.ome` of `zarr.json`) hold `multiscales`,
/// either a stand-alone `image.zarr` or a field of an HCS plate (`plate.zarr/A/1/0`). Planes
/// are read from the full-resolution array (`multiscales[0].datasets[0].path`); the axes
/// (t, c, z, y, x or any subset ending in y, x) come from `multiscales[0].axes` (all five when
/// absent, as NGFF 0.1/0.2 implies) and channel labels from `omero.channels[].label`.
public struct OMEZarrImage: Sendable {
    public let directory: URL
    public let array: ZarrArray
    /// One axis per array dimension, y and x last.
    public let axes: [OMEZarrAttributes.Axis]
    /// `omero` channel labels in channel order, when the image has them.
    public let channelLabels: [String]?

    /// The axes Phenoscope selects along.
    enum Role: Equatable { case time, channel, z, other(String) }

    /// Reads the image group at `directory`: its attributes and full-resolution array metadata.
    public init(directory: URL, maxPixels: Int = TIFFReader.defaultMaxPixels) throws {
        let attributesFile = OMEZarrAttributes.documentURL(directory).path
        func fail(_ message: String) -> ImageIOError { ImageIOError(file: attributesFile, message) }
        let attributes = try OMEZarrAttributes.read(directory)
        guard let multiscale = attributes.multiscales?.first else {
            if let plate = attributes.plate {
                let well = plate.wells.first?.path ?? "A/1"
                throw fail("an HCS plate, not an image; name a field as PLATE.zarr/ROW/COLUMN/FIELD, e.g. \(directory.lastPathComponent)/\(well)/0")
            }
            if let well = attributes.well {
                let here = directory.deletingLastPathComponent().lastPathComponent + "/" + directory.lastPathComponent
                throw fail("a well, not an image; name one of its fields, e.g. \(here)/\(well.images.first?.path ?? "0")")
            }
            throw fail("no multiscales; expected an OME-Zarr image")
        }
        if OMEZarrAttributes.isV3(directory) {
            let version = attributes.version ?? multiscale.version
            guard version == "0.5" else { throw fail("NGFF version \(version ?? "missing (ome.version)"); a zarr v3 image is read as NGFF 0.5") }
        } else if let version = multiscale.version, !["0.1", "0.2", "0.3", "0.4"].contains(version) {
            throw fail("NGFF version \(version); this reader takes 0.1 to 0.4 in zarr v2 (.zattrs), 0.5 in zarr v3 (zarr.json)")
        }
        guard let dataset = multiscale.datasets.first else { throw fail("multiscales[0].datasets is empty") }
        guard OMEZarrAttributes.isInsidePath(dataset.path) else {
            throw fail("multiscales[0].datasets[0].path '\(dataset.path)' is not a relative path inside the image")
        }
        let array = try ZarrArray(directory: directory.appendingPathComponent(dataset.path), maxPixels: maxPixels)
        let axes = multiscale.axes ?? ["t", "c", "z", "y", "x"].map { OMEZarrAttributes.Axis(name: $0, type: nil) }
        guard axes.count == array.shape.count else {
            throw fail("\(axes.count) axes (\(axes.map(\.name).joined(separator: ","))) for a \(array.shape.count)-dimensional array \(array.shape)")
        }
        guard Set(axes.map(\.name)).count == axes.count else { throw fail("axes \(axes.map(\.name)) repeat a name") }
        let plane = axes.suffix(2)
        guard plane.allSatisfy({ $0.type == nil || $0.type == "space" }) else {
            throw fail("the last two axes are \(plane.map(\.name)); expected spatial axes (y, x)")
        }
        var roles: [Role] = []
        for axis in axes.dropLast(2) {
            let role = Self.role(axis)
            if role != .other(axis.name), roles.contains(role) { throw fail("two \(axis.type ?? axis.name) axes in \(axes.map(\.name))") }
            roles.append(role)
        }
        var labels: [String]?
        if let channels = attributes.omero?.channels {
            let l = channels.map { $0.label ?? "" }
            let count = roles.firstIndex(of: .channel).map { array.shape[$0] } ?? 1
            guard l.count == count else { throw fail("omero lists \(l.count) channels, the array has \(count)") }
            labels = l
        }
        self.directory = directory
        self.array = array
        self.axes = axes
        self.channelLabels = labels
    }

    /// Channels along the channel axis (1 without one).
    public var channelCount: Int {
        axes.dropLast(2).firstIndex { Self.role($0) == .channel }.map { array.shape[$0] } ?? 1
    }

    static func role(_ axis: OMEZarrAttributes.Axis) -> Role {
        switch (axis.type, axis.name.lowercased()) {
        case ("time", _), (nil, "t"): return .time
        case ("channel", _), (nil, "c"): return .channel
        case ("space", _), (nil, "z"): return .z
        default: return .other(axis.name)
        }
    }

    /// The index along every axis before y, x that `plane` names; an axis with several planes
    /// that `plane` leaves open is an error, naming what to select.
    public func leadingIndices(_ plane: OMEZarrPlane) throws -> [Int] {
        func fail(_ message: String) -> ImageIOError { ImageIOError(file: directory.path, message) }
        var out: [Int] = []
        var used = (channel: false, z: false, t: false)
        for (d, axis) in axes.dropLast(2).enumerated() {
            let size = array.shape[d]
            func pick(_ index: Int?, _ what: String, _ key: String) throws -> Int {
                guard let index else {
                    guard size == 1 else { throw fail("\(size) \(what); name one as #\(key)=INDEX (0-based)") }
                    return 0
                }
                guard index < size else { throw fail("\(key)=\(index) does not exist (\(size) \(what), 0 to \(size - 1))") }
                return index
            }
            switch Self.role(axis) {
            case .channel:
                used.channel = true
                out.append(try channelIndex(plane.channel, size: size))
            case .z:
                used.z = true
                out.append(try pick(plane.z, "z-planes", "z"))
            case .time:
                used.t = true
                out.append(try pick(plane.t, "time points", "t"))
            case .other(let name):
                guard size == 1 else { throw fail("axis '\(name)' has \(size) planes; only t, c and z can be selected") }
                out.append(0)
            }
        }
        // Selecting along an axis the image does not have is harmless only for index 0.
        if !used.channel, let c = plane.channel, c != .index(0) { throw fail("has no channel axis; \(c) cannot be selected") }
        if !used.z, let z = plane.z, z != 0 { throw fail("has no z axis; z=\(z) cannot be selected") }
        if !used.t, let t = plane.t, t != 0 { throw fail("has no t axis; t=\(t) cannot be selected") }
        return out
    }

    func channelIndex(_ channel: TIFFPage?, size: Int) throws -> Int {
        func fail(_ message: String) -> ImageIOError { ImageIOError(file: directory.path, message) }
        let names = channelLabels.map { " (omero labels: \($0.joined(separator: ", ")))" } ?? ""
        switch channel {
        case nil:
            guard size == 1 else { throw fail("\(size) channels\(names); name one as #INDEX (0-based) or #<omero label>") }
            return 0
        case .index(let i)?:
            guard i < size else { throw fail("channel \(i) does not exist (\(size) channels, 0 to \(size - 1))") }
            return i
        case .channel(let name)?:
            guard let labels = channelLabels else {
                throw fail("#\(name) names an omero channel label, but the image has no omero metadata; select the channel by number (0 to \(size - 1))")
            }
            let matches = labels.indices.filter { labels[$0] == name }
            guard let first = matches.first else { throw fail("no channel labelled '\(name)'\(names)") }
            guard matches.count == 1 else {
                throw fail("label '\(name)' names channels \(matches.map(String.init).joined(separator: " and ")); select one by number")
            }
            return first
        }
    }

    /// The plane `plane` selects, as `Float` pixels.
    public func read(_ plane: OMEZarrPlane) throws -> Image<Float> {
        try array.readPlane(leadingIndices(plane))
    }

    /// The plane `url` (image folder plus `#` selector) names.
    public static func readFloat(_ url: URL, maxPixels: Int = TIFFReader.defaultMaxPixels) throws -> Image<Float> {
        let plane = try OMEZarrPlane.selected(by: url)
        return try OMEZarrImage(directory: url.standardizedFileURL.removingFragment, maxPixels: maxPixels).read(plane)
    }

    /// Checks that `url` names one readable plane, from the metadata only (no chunk is read),
    /// and returns the plane's size.
    @discardableResult
    public static func check(_ url: URL, maxPixels: Int = TIFFReader.defaultMaxPixels) throws -> (width: Int, height: Int) {
        let plane = try OMEZarrPlane.selected(by: url)
        let image = try OMEZarrImage(directory: url.standardizedFileURL.removingFragment, maxPixels: maxPixels)
        _ = try image.leadingIndices(plane)
        let shape = image.array.shape
        guard shape.count >= 2 else { throw ImageIOError(file: url.path, "array shape \(shape) has no 2-D plane; expected at least y and x axes") }
        return (shape[shape.count - 1], shape[shape.count - 2])
    }
}

extension URL {
    /// The same file URL without its `#` fragment.
    var removingFragment: URL { URL(fileURLWithPath: path) }
}
