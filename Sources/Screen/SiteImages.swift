import Foundation
import Imaging

extension Manifest {
    /// The 16-bit images of every channel of one site, in `channels` order, all checked to
    /// have the first channel's size: per-pixel work across channels (composites, quality
    /// scores) indexes every plane by the first one's pixels, so a smaller channel image must
    /// be an error naming both files and sizes rather than a read past its end.
    public func siteImages(_ row: ManifestRow) throws -> [Image<UInt16>] {
        var planes: [Image<UInt16>] = []
        var first: URL?
        for ch in channels {
            guard let url = imageURL(row, channel: ch) else {
                throw CSVError(source: source, line: row.line, message: "Image_\(ch): no image for channel \(ch)")
            }
            let plane = try PlaneReader.readUInt16(url, maxPixels: self.maxPixels)
            if let reference = planes.first, let first {
                try Manifest.requireSameSize((plane.width, plane.height), url, as: (reference.width, reference.height), first, channel: channels[0])
            }
            if first == nil { first = url }
            planes.append(plane)
        }
        return planes
    }

    /// Throws naming both files and sizes when `plane` (the size of the image at `url`) is
    /// not `reference`, the size of the same site's `channel` image at `referenceURL`: the
    /// one size check of a site's channels, for images read and (`validate`) headers alike.
    static func requireSameSize(_ plane: (width: Int, height: Int), _ url: URL, as reference: (width: Int, height: Int),
                                _ referenceURL: URL, channel: String) throws {
        guard plane != reference else { return }
        throw ImageIOError(file: url.path, "\(plane.width)x\(plane.height) pixels, expected \(reference.width)x\(reference.height) like \(referenceURL.lastPathComponent) (\(channel)) of the same site")
    }
}
