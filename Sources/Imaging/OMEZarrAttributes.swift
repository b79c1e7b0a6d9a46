import Foundation

/// The OME-NGFF part of a zarr group's attributes: an image's `multiscales` and `omero`
/// channel labels, a plate's `plate` layout or a well's `well` field list. NGFF 0.1-0.4 keep
/// them in a v2 `.zattrs`; NGFF 0.5 under `attributes.ome` of a v3 `zarr.json`, with the
/// version beside them. Only the fields Phenoscope reads are decoded; others are ignored.
public struct OMEZarrAttributes: Decodable, Sendable {
    /// `ome.version` of NGFF 0.5 (earlier versions put it in `multiscales[].version`).
    public var version: String?
    public var multiscales: [Multiscale]?
    public var omero: Omero?
    public var plate: Plate?
    public var well: Well?

    /// One multiscale pyramid; `datasets[0]` is the full resolution.
    public struct Multiscale: Decodable, Sendable {
        public var version: String?
        public var axes: [Axis]?
        public var datasets: [Dataset]
    }

    /// One axis: 0.4 writes `{"name": "c", "type": "channel"}`, 0.3 a bare name `"c"`.
    public struct Axis: Decodable, Sendable, Equatable {
        public var name: String
        public var type: String?

        public init(name: String, type: String?) { self.name = name; self.type = type }

        enum CodingKeys: String, CodingKey { case name, type }

        public init(from decoder: Decoder) throws {
            if let name = try? decoder.singleValueContainer().decode(String.self) {
                self.init(name: name, type: nil)
            } else {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                self.init(name: try c.decode(String.self, forKey: .name), type: try c.decodeIfPresent(String.self, forKey: .type))
            }
        }
    }

    public struct Dataset: Decodable, Sendable { public var path: String }

    public struct Omero: Decodable, Sendable { public var channels: [OmeroChannel]? }

    public struct OmeroChannel: Decodable, Sendable { public var label: String? }

    /// An HCS plate (`plate.zarr/.zattrs`): rows, columns and the wells present.
    public struct Plate: Decodable, Sendable {
        public var name: String?
        public var rows: [Named]
        public var columns: [Named]
        public var wells: [WellReference]
    }

    public struct Named: Decodable, Sendable { public var name: String }

    /// A well of a plate: `path` is `ROW/COLUMN`, e.g. `A/1`.
    public struct WellReference: Decodable, Sendable {
        public var path: String
        public var rowIndex: Int?
        public var columnIndex: Int?
    }

    /// A well (`plate.zarr/A/1/.zattrs`): its fields (images), e.g. paths `0`, `1`.
    public struct Well: Decodable, Sendable { public var images: [Field] }

    /// A field of a well: the image group at `path`, relative to the well.
    public struct Field: Decodable, Sendable { public var path: String }
}

extension OMEZarrAttributes {
    /// A v3 group's `zarr.json`, down to the NGFF attributes under `attributes.ome`.
    struct V3Group: Decodable {
        var zarrFormat: Int
        var nodeType: String
        var attributes: Attributes?

        struct Attributes: Decodable { var ome: OMEZarrAttributes? }

        enum CodingKeys: String, CodingKey { case zarrFormat = "zarr_format", nodeType = "node_type", attributes }
    }

    /// Whether the group at `directory` is zarr v3 (a `zarr.json` and no `.zattrs`).
    public static func isV3(_ directory: URL) -> Bool {
        !FileManager.default.fileExists(atPath: directory.appendingPathComponent(".zattrs").path)
            && FileManager.default.fileExists(atPath: directory.appendingPathComponent("zarr.json").path)
    }

    /// The document holding the group's attributes (`.zattrs`, or a v3 group's `zarr.json`),
    /// as errors name it.
    public static func documentURL(_ directory: URL) -> URL {
        directory.appendingPathComponent(isV3(directory) ? "zarr.json" : ".zattrs")
    }

    /// Reads `directory/.zattrs`, or the `attributes.ome` of `directory/zarr.json` (NGFF 0.5).
    public static func read(_ directory: URL) throws -> OMEZarrAttributes {
        guard isV3(directory) else {
            return try ZarrDocument.read(OMEZarrAttributes.self, at: directory.appendingPathComponent(".zattrs"), what: "OME-Zarr attributes (.zattrs)")
        }
        let url = directory.appendingPathComponent("zarr.json")
        let group = try ZarrDocument.read(V3Group.self, at: url, what: "a zarr v3 group (zarr.json)")
        guard group.zarrFormat == 3 else { throw ImageIOError(file: url.path, "zarr_format \(group.zarrFormat); expected 3 in zarr.json") }
        guard group.nodeType == "group" else {
            throw ImageIOError(file: url.path, "node_type '\(group.nodeType)'; expected a group (an OME-Zarr image, plate or well)")
        }
        guard let ome = group.attributes?.ome else {
            throw ImageIOError(file: url.path, "no attributes.ome; expected an OME-Zarr (NGFF 0.5) group")
        }
        return ome
    }

    /// Whether `path` (from a document) is a plain relative path inside its group: no empty,
    /// `.` or `..` component, not absolute; a hostile store cannot point outside itself.
    public static func isInsidePath(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/") else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }
}
