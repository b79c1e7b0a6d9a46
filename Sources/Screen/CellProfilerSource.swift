import Foundation

/// Where CellProfiler measurements come from: the tables of ExportToSpreadsheet (CSV) or the
/// SQLite of ExportToDatabase. A source names its tables' columns as ExportToSpreadsheet
/// names them (no compartment prefix: `ObjectNumber`, `Parent_Nuclei`, `AreaShape_Area`)
/// and hands `CellProfilerImport` one image at a time, in ImageNumber order, so that the
/// join and the output are the same code for both and memory stays one image's objects.
public protocol CellProfilerSource {
    /// The per-image metadata columns (`Metadata_Plate`, `Metadata_Well`, ...), in order.
    var imageMetadataColumns: [String] { get }
    /// The object tables, the first giving one output row per object.
    var compartments: [CellProfilerCompartment] { get }
    /// How many images there are (for progress).
    var imageCount: Int { get }
    /// Calls `body` with each image that has objects, in ascending ImageNumber; `split[k]`
    /// says which columns of compartment k are metadata (kept as text) and which are features
    /// (read as numbers: NULL, empty and `nan` become NaN, anything else not a number is an
    /// error naming the table, row and column).
    func forEachImage(split: [CellProfilerColumnSplit], _ body: (CellProfilerImage) throws -> Void) throws
}

/// One object table: its compartment name, where it comes from (for errors), its columns
/// named without the compartment prefix.
public struct CellProfilerCompartment: Sendable {
    public var name: String
    public var table: String
    public var columns: [String]
    public init(name: String, table: String, columns: [String]) {
        self.name = name; self.table = table; self.columns = columns
    }
}

/// Which columns of an object table are kept as metadata and which are features, by index;
/// `key` is the object's own number (`ObjectNumber`).
public struct CellProfilerColumnSplit: Sendable {
    public var key: Int
    public var metadata: [Int]
    public var features: [Int]
}

/// One image's objects of one compartment, in table order.
public struct CellProfilerObjectRows: Sendable {
    /// Each row's metadata values (row-major, `metadataCount` a row; NULL is empty text).
    public var metadata: [String] = []
    /// Each row's feature values (row-major, `featureCount` a row; missing is NaN).
    public var features: [Double] = []
    /// Where each row is, for errors (`Cells.csv:12`, `db.sqlite table Per_Cells rowid 12`).
    public var origins: [String] = []
    public init() {}
    public var count: Int { origins.count }
}

/// One image of a source: its number, its metadata values, its objects per compartment, and
/// the object counts the image table states (`Count_Cells`; nil where it has none).
public struct CellProfilerImage: Sendable {
    public var imageNumber: Int
    public var metadata: [String]
    public var objects: [CellProfilerObjectRows]
    public var statedCounts: [Int?]
    /// Where the image's row is, for errors.
    public var origin: String
}

extension CellProfilerSource {
    /// A feature field as a number: empty or `nan` (any case) is NaN, other text an error.
    static func featureValue(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.isEmpty || t.lowercased() == "nan" { return .nan }
        return Double(t)
    }
}
