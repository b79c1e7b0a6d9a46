import Foundation
import Tensor

/// A pixel type that can be stored in a grayscale TIFF plane.
public protocol TIFFPixel: FixedWidthInteger & UnsignedInteger & Sendable {}
extension UInt8: TIFFPixel {}
extension UInt16: TIFFPixel {}

/// Writes grayscale baseline TIFF files (one page per image), little-endian, uncompressed.
///
/// The writer is deliberately the simplest layout every reader understands; the reader
/// side accepts far more (see `TIFFReader`).
public enum TIFFWriter {
    /// Writes `pages` as a multi-page TIFF at `url`, atomically.
    public static func write<P: TIFFPixel>(_ pages: [Image<P>], to url: URL) throws {
        precondition(!pages.isEmpty, "a TIFF needs at least one page")
        try AtomicFile.write(encode(pages), to: url)
    }

    /// Writes one image as a single-page TIFF at `url`, atomically.
    public static func write<P: TIFFPixel>(_ image: Image<P>, to url: URL) throws {
        try write([image], to: url)
    }

    /// The bytes of a little-endian, uncompressed, one-strip-per-page TIFF.
    public static func encode<P: TIFFPixel>(_ pages: [Image<P>]) -> Data {
        var out = Data()
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        out.append(contentsOf: [0x49, 0x49]); u16(42)
        var nextIFDPointer = out.count; u32(0)
        let bits = UInt16(P.bitWidth)
        for page in pages {
            // Pixel data first, then the IFD that points back at it.
            let dataOffset = out.count
            page.pixels.withUnsafeBufferPointer { buf in
                for v in buf { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
            }
            if out.count % 2 == 1 { out.append(0) }
            let ifdOffset = out.count
            out.replaceSubrange(nextIFDPointer..<nextIFDPointer + 4,
                                with: withUnsafeBytes(of: UInt32(ifdOffset).littleEndian) { Data($0) })
            let byteCount = page.width * page.height * Int(bits / 8)
            // (tag, type, value) with type 3 = SHORT, 4 = LONG; entries sorted by tag.
            let entries: [(UInt16, UInt16, UInt32)] = [
                (256, 4, UInt32(page.width)), (257, 4, UInt32(page.height)),
                (258, 3, UInt32(bits)), (259, 3, 1), (262, 3, 1),
                (273, 4, UInt32(dataOffset)), (277, 3, 1), (278, 4, UInt32(page.height)),
                (279, 4, UInt32(byteCount)), (284, 3, 1), (339, 3, 1),
            ]
            u16(UInt16(entries.count))
            for (tag, type, value) in entries {
                u16(tag); u16(type); u32(1)
                if type == 3 { u16(UInt16(value)); u16(0) } else { u32(value) }
            }
            nextIFDPointer = out.count; u32(0)
        }
        return out
    }
}
