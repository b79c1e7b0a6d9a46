import Foundation

/// A microscope's file-naming convention: which part of an image file's name is the well,
/// the site (field), the channel and, where the name has one, the plate.
///
/// Two are built in: Opera Phenix / Operetta (`r01c02f01p01-ch1sk1fk1fl1.tiff`: row 1, column
/// 2 = well A02, field 1, channel `ch1`) and ImageXpress (`A01_s1_w1<UUID>.tif`: well A01,
/// site 1, channel `w1`; thumbnails are not matched). Any other is a regular expression with
/// named groups: `well` (`B03`) or `row` (number from 1, or letters) and `col`; `channel`;
/// optionally `site` (default 1) and `plate`.
public struct VendorNaming: Sendable {
    /// How the convention is called in messages (`phenix`, `imagexpress`, or the pattern).
    public let name: String
    /// The pattern text; compiled per use, since NSRegularExpression is not Sendable on Linux.
    public let pattern: String
    /// A file name that matches, for messages.
    public let example: String

    /// Opera Phenix / Operetta (Harmony export): `r<row>c<col>f<field>p<plane>-ch<n>sk<t>fk1fl1.tiff`.
    public static let operaPhenix = VendorNaming(
        name: "phenix",
        pattern: #"^r(?<row>\d+)c(?<col>\d+)f(?<site>\d+)p(?<plane>\d+)-(?<channel>ch\d+)sk\d+fk\d+fl\d+\.tiff?$"#,
        example: "r01c02f01p01-ch1sk1fk1fl1.tiff")

    /// ImageXpress (MetaXpress export): `<well>_s<site>_w<n><UUID>.tif`, the site part optional.
    public static let imageXpress = VendorNaming(
        name: "imagexpress",
        pattern: #"^(?<well>[A-Za-z]{1,2}\d{1,2})(?:_s(?<site>\d+))?_(?<channel>w\d+)(?:[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})?\.tiff?$"#,
        example: "A01_s1_w1BEDC2073-A983-4B98-95E9-84466707A25D.tif")

    init(name: String, pattern: String, example: String) {
        self.name = name; self.pattern = pattern; self.example = example
    }

    /// A built-in convention by name (`phenix`, `opera`, `operetta`, `imagexpress`, `ixm`), or
    /// `text` as a regular expression with the named groups above; throws naming what is wrong.
    public static func named(_ text: String) throws -> VendorNaming {
        switch text.lowercased() {
        case "phenix", "opera", "operetta", "opera-phenix": return .operaPhenix
        case "imagexpress", "ixm": return .imageXpress
        default: break
        }
        func has(_ group: String) -> Bool { text.contains("(?<\(group)>") }
        guard (has("well") || (has("row") && has("col"))) && has("channel") else {
            throw VendorNamingError(message: "--pattern '\(text)' is neither phenix nor imagexpress, nor a regular expression with named groups (?<well>...) or (?<row>...)(?<col>...), and (?<channel>...)")
        }
        do { _ = try NSRegularExpression(pattern: text) } catch {
            throw VendorNamingError(message: "--pattern '\(text)' is not a valid regular expression")
        }
        return VendorNaming(name: text, pattern: text, example: text)
    }

    /// What one file name says, or nil when it does not follow the convention.
    public func parse(_ fileName: String) -> VendorImageName? {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return nil }
        return parse(fileName, regex: regex)
    }

    func parse(_ fileName: String, regex: NSRegularExpression) -> VendorImageName? {
        let ns = fileName as NSString
        guard let m = regex.firstMatch(in: fileName, range: NSRange(location: 0, length: ns.length)) else { return nil }
        func group(_ name: String) -> String? {
            guard pattern.contains("(?<\(name)>") else { return nil }
            let r = m.range(withName: name)
            return r.location == NSNotFound ? nil : ns.substring(with: r)
        }
        let well: WellPosition
        if let w = group("well") {
            guard let p = WellPosition(w) else { return nil }
            well = p
        } else {
            guard let r = group("row"), let c = group("col"), let column = Int(c), column >= 1 else { return nil }
            if let n = Int(r) {
                guard n >= 1 else { return nil }
                well = WellPosition(row: n - 1, column: column)
            } else {
                guard let p = WellPosition(r + c) else { return nil }
                well = p
            }
        }
        guard let channel = group("channel"), !channel.isEmpty else { return nil }
        let site = group("site").map { Int($0) } ?? 1
        guard let site, site >= 0 else { return nil }
        return VendorImageName(plate: group("plate"), well: well, site: site, channel: channel)
    }
}

/// What a vendor file name says about its image.
public struct VendorImageName: Hashable, Sendable {
    public var plate: String?
    public var well: WellPosition
    public var site: Int
    /// The channel as named in the file (`ch1`, `w2`).
    public var channel: String
}

/// A naming pattern or channel list that cannot be used, in one line.
public struct VendorNamingError: Error, CustomStringConvertible, LocalizedError {
    public let message: String
    public var description: String { message }
    public var errorDescription: String? { message }
}
