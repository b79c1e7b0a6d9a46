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

    /// The pixel budgets a person may set for one image file (`--max-pixels`,
    /// `screen.max_pixels`): at least one pixel, at most 2^32 (a 65,536^2 plane, 16 GiB as
    /// `Float`; libtiff's own buffers are capped at 8 bytes a pixel of the budget).
    public static let pixelBudgets = 1...(1 << 32)

    /// Why `maxPixels` is not an accepted budget (naming `key`, the option or config key it
    /// came from), or nil when it is.
    public static func pixelBudgetProblem(_ maxPixels: Int, key: String) -> String? {
        pixelBudgets.contains(maxPixels) ? nil
            : "\(key): \(maxPixels) pixels; expected \(pixelBudgets.lowerBound) to \(pixelBudgets.upperBound) (default \(TIFFReader.defaultMaxPixels), a 16,384^2 plane)"
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

    /// Checks from headers and metadata only that `url` names one readable plane, and
    /// returns its size: what `manifest check` asks of every image. A TIFF header's every
    /// size is checked as a read would (`TIFFReader.checkedSize`), so a forged header fails
    /// here, not in the run.
    @discardableResult
    public static func check(_ url: URL, maxPixels: Int = TIFFReader.defaultMaxPixels) throws -> (width: Int, height: Int) {
        switch kind(url) {
        case .tiff: return try TIFFReader.checkedSize(url, maxPixels: maxPixels)
        case .zarrV2, .zarrV3: return try OMEZarrImage.check(url, maxPixels: maxPixels)
        case .folder: throw folderError(url)
        }
    }

    static func folderError(_ url: URL) -> ImageIOError {
        ImageIOError(file: url.path, "a directory, expected a TIFF file or an OME-Zarr image (a folder with .zattrs or zarr.json)")
    }
}
