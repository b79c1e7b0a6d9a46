import Foundation

/// Reads the 2-D plane an image reference names, whatever holds it: a page of a TIFF or
/// OME-TIFF file (`TIFFReader`, `file.tif#2`, `file.ome.tif#DNA`) or a plane of an OME-Zarr
/// image (`OMEZarrImage`, `plate.zarr/A/1/0#DNA`, `image.zarr#c=1,z=3`). A reference is a
/// zarr image when it names a folder holding `.zattrs` (v2) or `zarr.json` (v3); anything
/// else is read as a TIFF.
/// Every verb that reads a manifest's images goes through here.
public enum PlaneReader {
    /// What the reference's folder or file is.
    enum Kind { case tiff, zarrV2, zarrV3, folder }

    static func kind(_ url: URL) -> Kind {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return .tiff }
        func has(_ name: String) -> Bool { FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(name)) }
        if has(".zattrs") || has(".zgroup") || has(".zarray") { return .zarrV2 }
        if has("zarr.json") { return .zarrV3 }
        return .folder
    }

    /// Whether `url` names an OME-Zarr (or other zarr) folder rather than a TIFF file.
    public static func isZarr(_ url: URL) -> Bool {
        switch kind(url) {
        case .zarrV2, .zarrV3: return true
        case .tiff, .folder: return false
        }
    }

    /// The selected plane as `Float` pixels.
    public static func readFloat(_ url: URL, maxPixels: Int = TIFFReader.defaultMaxPixels) throws -> Image<Float> {
        switch kind(url) {
        case .tiff: return try TIFFReader.readFloat(url, maxPixels: maxPixels)
        case .zarrV2, .zarrV3: return try OMEZarrImage.readFloat(url, maxPixels: maxPixels)
        case .folder: throw folderError(url)
        }
    }

    /// The selected plane as 16-bit pixels (wider or float samples outside 0...65535, or
    /// fractional, are an error naming the file and pixel).
    public static func readUInt16(_ url: URL, maxPixels: Int = TIFFReader.defaultMaxPixels) throws -> Image<UInt16> {
        try TIFFReader.uint16(readFloat(url, maxPixels: maxPixels), file: url.path)
    }

    /// Checks from headers and metadata only that `url` names one readable plane: what
    /// `manifest check` asks of every image.
    public static func check(_ url: URL, maxPixels: Int = TIFFReader.defaultMaxPixels) throws {
        switch kind(url) {
        case .tiff: _ = try TIFFReader.selectedPage(url)
        case .zarrV2, .zarrV3: try OMEZarrImage.check(url, maxPixels: maxPixels)
        case .folder: throw folderError(url)
        }
    }

    static func folderError(_ url: URL) -> ImageIOError {
        ImageIOError(file: url.path, "a directory, expected a TIFF file or an OME-Zarr image (a folder with .zattrs or zarr.json)")
    }
}
