/// A well position on a microplate, e.g. `B03`: a row letter and a 1-based column.
///
/// Parsing accepts the spellings found in real metadata (`B3`, `B03`, `b03`) and always
/// prints the zero-padded form that pycytominer and CellProfiler use.
public struct WellPosition: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// 0-based row index (A = 0).
    public let row: Int
    /// 1-based column number.
    public let column: Int

    public init(row: Int, column: Int) {
        self.row = row
        self.column = column
    }

    /// Parses `B03`-style names; rows A..Z then AA..AF (1536-well plates); nil if malformed.
    public init?(_ text: String) {
        let letters = text.prefix { $0.isLetter }.uppercased()
        let digits = text.dropFirst(letters.count)
        guard (1...2).contains(letters.count), !digits.isEmpty, digits.allSatisfy(\.isNumber),
              let column = Int(digits), column >= 1 else { return nil }
        var row = 0
        for scalar in letters.unicodeScalars {
            guard scalar.value >= 65, scalar.value <= 90 else { return nil }
            row = row * 26 + Int(scalar.value - 64)
        }
        self.init(row: row - 1, column: column)
    }

    /// The row as letters: A..Z, then AA, AB, ...
    public var rowName: String {
        row < 26 ? String(UnicodeScalar(UInt8(65 + row))) :
            String(UnicodeScalar(UInt8(64 + row / 26))) + String(UnicodeScalar(UInt8(65 + row % 26)))
    }

    public var description: String {
        rowName + (column < 10 ? "0\(column)" : "\(column)")
    }

    public static func < (a: WellPosition, b: WellPosition) -> Bool {
        (a.row, a.column) < (b.row, b.column)
    }
}
