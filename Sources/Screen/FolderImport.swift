import Foundation

/// Builds a manifest from a folder of images named by a microscope's convention
/// (`VendorNaming`): one row per (plate, well, site), one `Image_<Channel>` column per channel,
/// paths relative to the manifest; treatments from a plate map when one is given.
///
/// Channels are named as in the files (`ch1`..`chN`, `w1`..`wN`, in number order) unless a
/// channel list renames them (`ch4=DNA`); with a list, only the listed channels are kept, so a
/// brightfield channel can be left out. Two files for one site and channel (several planes or
/// time points) are refused, naming both, rather than one being chosen silently.
public struct FolderImport: Sendable {
    public var naming: VendorNaming
    /// (channel as in the file names, name in the manifest), in manifest order; nil keeps all.
    public var channels: [(file: String, name: String)]?
    /// Plate name where the file names carry none (default: the folder's name).
    public var plate: String?
    /// Batch of every plate (default: the plate's name).
    public var batch: String?
    public var plateMap: PlateMap?

    public init(naming: VendorNaming, channels: [(file: String, name: String)]? = nil, plate: String? = nil,
                batch: String? = nil, plateMap: PlateMap? = nil) {
        self.naming = naming; self.channels = channels; self.plate = plate; self.batch = batch; self.plateMap = plateMap
    }

    /// Parses `ch1=ER,ch4=DNA` (the `--channels` option); names must suit a column
    /// (`Image_<name>`: letters, digits, `_`) and be distinct.
    public static func channelList(_ text: String) throws -> [(file: String, name: String)] {
        var out: [(file: String, name: String)] = []
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, Manifest.isChannelName(parts[1]) else {
                throw VendorNamingError(message: "--channels: '\(item)' is not FILECHANNEL=NAME with NAME of letters, digits and _ (e.g. ch4=DNA)")
            }
            guard !out.contains(where: { $0.file == parts[0] || $0.name == parts[1] }) else {
                throw VendorNamingError(message: "--channels: '\(item)' repeats a channel or a name")
            }
            out.append((parts[0], parts[1]))
        }
        guard !out.isEmpty else { throw VendorNamingError(message: "--channels: empty; expected e.g. ch1=ER,ch4=DNA") }
        return out
    }

    /// Scans `directory` (and its subfolders) and returns the manifest, its image paths
    /// relative to `manifestDirectory`. Throws when no file matches, a listed channel has no
    /// file, a site has two files for one channel, or the plate map lacks a well.
    public func manifest(directory: URL, manifestDirectory: URL) throws -> Manifest {
        let regex = try NSRegularExpression(pattern: naming.pattern)
        let root = directory.standardizedFileURL
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey],
                                                          options: [.skipsHiddenFiles]) else {
            throw VendorNamingError(message: "\(root.path): cannot list the folder")
        }
        let defaultPlate = plate ?? root.lastPathComponent
        struct Site: Hashable { var plate: String; var well: WellPosition; var site: Int }
        var files: [Site: [String: String]] = [:]   // site -> channel (as in files) -> path relative to root
        var seenChannels = Set<String>()
        let prefixLength = root.path.hasSuffix("/") ? root.path.count : root.path.count + 1
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true,
                  let name = naming.parse(url.lastPathComponent, regex: regex) else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(prefixLength))
            let key = Site(plate: name.plate ?? defaultPlate, well: name.well, site: name.site)
            if let other = files[key]?[name.channel] {
                let (a, b) = other < relative ? (other, relative) : (relative, other)
                throw VendorNamingError(message: "\(root.path): \(a) and \(b) are both channel \(name.channel) of \(key.plate)/\(key.well)/site \(key.site) (several planes or time points?); keep one per site, e.g. with a --pattern that matches only one")
            }
            files[key, default: [:]][name.channel] = relative
            seenChannels.insert(name.channel)
        }
        guard !files.isEmpty else {
            throw VendorNamingError(message: "\(root.path): no file follows the \(naming.name) naming (e.g. \(naming.example))")
        }
        let columns: [(file: String, name: String)]
        if let channels {
            for c in channels where !seenChannels.contains(c.file) {
                throw VendorNamingError(message: "--channels: no file in \(root.path) has channel \(c.file) (found \(FolderImport.ordered(seenChannels).joined(separator: ", ")))")
            }
            columns = channels
        } else {
            columns = FolderImport.ordered(seenChannels).map { ($0, $0) }
        }
        let prefix = RelativePath.from(manifestDirectory, to: root)
        var rows: [ManifestRow] = []
        for key in files.keys.sorted(by: { ($0.plate, $0.well.row, $0.well.column, $0.site) < ($1.plate, $1.well.row, $1.well.column, $1.site) }) {
            var treatment = PlateMap.Entry(compound: "", concentration: "0", moa: "")
            if let plateMap {
                guard let e = plateMap.entry(plate: key.plate, well: key.well) else {
                    throw CSVError(source: plateMap.source, line: 0, message: "no row for well \(key.well)\(plateMap.hasPlates ? " of plate \(key.plate)" : "") (images in \(root.path))")
                }
                treatment = e
            }
            var images: [String: String] = [:]
            for c in columns { if let f = files[key]?[c.file] { images[c.name] = prefix + f } }
            rows.append(ManifestRow(plate: key.plate, well: key.well, site: key.site, batch: batch ?? key.plate,
                                    compound: treatment.compound, concentration: treatment.concentration, moa: treatment.moa,
                                    images: images, line: rows.count + 2))
        }
        return Manifest(channels: columns.map(\.name), rows: rows, baseDirectory: manifestDirectory, source: root.path)
    }

    /// Channel names in number order (`ch2` before `ch10`), then by text.
    static func ordered(_ names: Set<String>) -> [String] {
        func number(_ s: String) -> Int { Int(s.filter(\.isNumber)) ?? Int.max }
        return names.sorted { (number($0), $0) < (number($1), $1) }
    }
}
