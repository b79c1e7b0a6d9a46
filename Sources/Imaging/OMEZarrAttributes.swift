import Foundation

/// The OME-NGFF (0.1-0.4) part of a zarr group's `.zattrs`: an image's `multiscales` and
/// `omero` channel labels, a plate's `plate` layout or a well's `well` field list. Only the
/// fields Phenoscope reads are decoded; others are ignored.
public struct OMEZarrAttributes: Decodable, Sendable {
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
    /// Reads `directory/.zattrs`.
    public static func read(_ directory: URL) throws -> OMEZarrAttributes {
        try ZarrDocument.read(OMEZarrAttributes.self, at: directory.appendingPathComponent(".zattrs"), what: "OME-Zarr attributes (.zattrs)")
    }

    /// Whether `path` (from a document) is a plain relative path inside its group: no empty,
    /// `.` or `..` component, not absolute; a hostile store cannot point outside itself.
    public static func isInsidePath(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/") else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }
}
