import Foundation
import Imaging

/// Builds a manifest from an OME-Zarr HCS plate (NGFF 0.4 or 0.5: `plate.zarr/ROW/COLUMN/FIELD`):
/// one row per (well, field), one `Image_<Channel>` column per omero channel, each cell a
/// reference to one channel of one field (`plate.zarr/A/1/0#DNA`), paths relative to the
/// manifest; treatments from a plate map when one is given.
///
/// Channels are named by their omero labels (characters other than letters, digits and `_`
/// become `_`), or `c0`, `c1`.. when the plate has no omero metadata, unless a channel list
/// renames them (`Hoechst=DNA`, as `import folder`'s `--channels`; then only those are kept).
/// Each field is looked up by its own labels, so fields whose channels are stored in a
/// different order are still read channel-exact. Sites are the fields' positions in their
/// well's `images` list (0-based).
public struct OMEZarrImport: Sendable {
    /// (omero label or `cN`, name in the manifest), in manifest order; nil keeps all.
    public var channels: [(file: String, name: String)]?
    /// Plate name (default: the plate's `name` attribute, else the folder's name).
    public var plate: String?
    /// Batch (default: the plate's name).
    public var batch: String?
    public var plateMap: PlateMap?

    public init(channels: [(file: String, name: String)]? = nil, plate: String? = nil, batch: String? = nil, plateMap: PlateMap? = nil) {
        self.channels = channels; self.plate = plate; self.batch = batch; self.plateMap = plateMap
    }

    /// Reads the plate at `store` and returns its manifest, image paths relative to `manifestDirectory`.
    public func manifest(store: URL, manifestDirectory: URL) throws -> Manifest {
        let root = store.standardizedFileURL
        let attributes = try OMEZarrAttributes.read(root)
        let where_ = OMEZarrAttributes.documentURL(root).path
        guard let layout = attributes.plate else {
            throw ImageIOError(file: where_, attributes.multiscales != nil
                ? "a single OME-Zarr image, not an HCS plate; name its channels in a manifest as IMAGE.zarr#LABEL"
                : "no plate attributes; expected an OME-Zarr HCS plate (NGFF 0.4 or 0.5)")
        }
        guard !layout.wells.isEmpty else { throw ImageIOError(file: where_, "plate.wells is empty") }
        let plateName = plate ?? layout.name.flatMap { $0.isEmpty ? nil : $0 }
            ?? root.lastPathComponent.replacingOccurrences(of: ".ome.zarr", with: "").replacingOccurrences(of: ".zarr", with: "")
        let prefix = RelativePath.from(manifestDirectory, to: root)
        var columns: [(file: String, name: String)]? = channels
        var rows: [ManifestRow] = []
        for (w, reference) in layout.wells.enumerated() {
            let parts = reference.path.split(separator: "/").map(String.init)
            guard OMEZarrAttributes.isInsidePath(reference.path), parts.count == 2, let well = WellPosition(parts[0] + parts[1]) else {
                throw ImageIOError(file: where_, "plate.wells[\(w)].path '\(reference.path)' is not ROW/COLUMN like A/1")
            }
            let wellDirectory = root.appendingPathComponent(reference.path)
            guard let fields = try OMEZarrAttributes.read(wellDirectory).well?.images, !fields.isEmpty else {
                throw ImageIOError(file: OMEZarrAttributes.documentURL(wellDirectory).path, "no well.images; expected the well's fields")
            }
            for (site, field) in fields.enumerated() {
                guard OMEZarrAttributes.isInsidePath(field.path) else {
                    throw ImageIOError(file: OMEZarrAttributes.documentURL(wellDirectory).path, "well.images[\(site)].path '\(field.path)' is not a relative path inside the well")
                }
                let relative = reference.path + "/" + field.path
                let image = try OMEZarrImage(directory: root.appendingPathComponent(relative))
                let names = Self.channelNames(image)
                let kept = try columns ?? Self.defaultColumns(names, image: image)
                if columns == nil { columns = kept }
                var images: [String: String] = [:]
                for column in kept {
                    guard let c = names.firstIndex(of: column.file) else {
                        throw ImageIOError(file: image.directory.path, "no channel '\(column.file)' (channels: \(names.joined(separator: ", ")))")
                    }
                    images[column.name] = prefix + relative + "#" + Self.selector(channel: c, labels: image.channelLabels)
                }
                var treatment = PlateMap.Entry(compound: "", concentration: "0", moa: "")
                if let plateMap {
                    guard let e = plateMap.entry(plate: plateName, well: well) else {
                        throw CSVError(source: plateMap.source, line: 0, message: "no row for well \(well)\(plateMap.hasPlates ? " of plate \(plateName)" : "") (plate \(root.path))")
                    }
                    treatment = e
                }
                rows.append(ManifestRow(plate: plateName, well: well, site: site, batch: batch ?? plateName,
                                        compound: treatment.compound, concentration: treatment.concentration, moa: treatment.moa,
                                        images: images, line: rows.count + 2))
            }
        }
        rows.sort { $0.siteKey < $1.siteKey }
        for i in rows.indices { rows[i].line = i + 2 }
        return Manifest(channels: (columns ?? []).map(\.name), rows: rows, baseDirectory: manifestDirectory, source: root.path)
    }

    /// `#LABEL` reads best; a label the selector would take for an index or a key, or that two
    /// channels share, is addressed by number.
    static func selector(channel c: Int, labels: [String]?) -> String {
        guard let labels, labels.indices.contains(c), case let label = labels[c], !label.isEmpty,
              label.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }),
              !label.allSatisfy(\.isNumber), labels.filter({ $0 == label }).count == 1 else { return String(c) }
        return label
    }

    /// The image's channels as `--channels` names them: omero labels, else `c0`, `c1`, ..
    static func channelNames(_ image: OMEZarrImage) -> [String] {
        image.channelLabels ?? (0..<image.channelCount).map { "c\($0)" }
    }

    /// Every channel, named after its label made a column name; two labels that become one
    /// name are an error asking for `--channels`.
    static func defaultColumns(_ names: [String], image: OMEZarrImage) throws -> [(file: String, name: String)] {
        let columns = names.map { name in
            (file: name, name: String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") ? $0 : "_" }))
        }
        guard Set(columns.map(\.name)).count == columns.count, columns.allSatisfy({ Manifest.isChannelName($0.name) }) else {
            throw ImageIOError(file: image.directory.path, "channel labels \(names) do not make distinct column names; name them with --channels LABEL=NAME,...")
        }
        return columns
    }
}
