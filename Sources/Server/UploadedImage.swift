import Foundation
import Imaging

/// An image uploaded to `POST /api/search/image`: a PNG (gray, or RGB read as three
/// channels) or a TIFF whose pages are the channels. Anything else, or a file the codecs
/// reject, is a 400 naming what was wrong; the server never trusts the bytes further.
enum UploadedImage {
    static func decode(_ bytes: [UInt8]) throws -> [Image<Float>] {
        guard !bytes.isEmpty else { throw APIError.badRequest("request body is empty; expected a PNG or TIFF image") }
        if bytes.starts(with: [137, 80, 78, 71, 13, 10, 26, 10]) {
            do {
                let png = try PNGCodec.decode(Data(bytes), source: "upload")
                return png.planes.map { Image(width: $0.width, height: $0.height, pixels: $0.pixels.map(Float.init)) }
            } catch { throw APIError.badRequest("body: not a readable PNG (\(error))") }
        }
        guard bytes.starts(with: [0x49, 0x49, 0x2A, 0x00]) || bytes.starts(with: [0x4D, 0x4D, 0x00, 0x2A]) else {
            throw APIError.badRequest("body: not a PNG or TIFF image (unknown signature)")
        }
        // libtiff reads from files; a private temporary one, removed whatever happens.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("phenoscope-upload-\(UUID().uuidString).tif")
        defer { try? FileManager.default.removeItem(at: url) }
        do { try Data(bytes).write(to: url) } catch { throw APIError(.internalServerError, "cannot store the upload: \(error)") }
        let pages: [Image<Float>]
        do { pages = try TIFFReader.readPages(url) } catch {
            throw APIError.badRequest("body: not a readable TIFF (\("\(error)".replacingOccurrences(of: url.path, with: "upload")))")
        }
        guard let first = pages.first, pages.allSatisfy({ $0.width == first.width && $0.height == first.height }) else {
            throw APIError.badRequest("body: TIFF pages (channels) differ in size")
        }
        return pages
    }
}
