import Foundation
import Imaging

/// The channel planes of one site as a user gives them: one multi-page TIFF (a page per
/// channel, in the recipe's order), or one file per channel (PNG or TIFF) named after its
/// channel, as in the manifest (`DNA.png`, `site_ch5.tif`, or a form field named `ch5`).
/// Bytes are checked before anything trusts them: an unreadable file is an `.unreadable`
/// error naming it, files that do not cover the channels are a `.channels` error naming the
/// channels missing and those the recipe needs.
public enum SiteImages {
    /// One file of a site: the name it came under (form field or file name) and its bytes.
    public struct File: Sendable {
        public var name: String
        public var bytes: [UInt8]
        public init(name: String, bytes: [UInt8]) { self.name = name; self.bytes = bytes }
    }

    /// Why a site's files cannot be used: unreadable bytes, channels that do not match the
    /// recipe, or images larger than the pixel budget the caller set.
    public struct Problem: Error, CustomStringConvertible {
        public enum Kind: Sendable { case unreadable, channels, overBudget }
        public var kind: Kind
        public var description: String
    }

    /// The default pixel budget of one site (all files and planes together): 2^25 pixels,
    /// 128 MiB as floats, e.g. five 2,160^2 channels.
    public static let defaultMaxPixels = 1 << 25

    /// The planes of one PNG (gray, or RGB read as three planes) or TIFF (one per page),
    /// raw intensities as floats; more than `maxPixels` pixels in all is an `.overBudget`
    /// problem, found from the header before the pixels are decoded.
    public static func decode(_ bytes: [UInt8], source: String, maxPixels: Int = defaultMaxPixels) throws -> [Image<Float>] {
        func fail(_ what: String) -> Problem { Problem(kind: .unreadable, description: "\(source): \(what)") }
        guard !bytes.isEmpty else { throw fail("empty; expected a PNG or TIFF image") }
        if bytes.starts(with: [137, 80, 78, 71, 13, 10, 26, 10]) {
            try checkPNGHeader(bytes, source: source, maxPixels: maxPixels)
            do {
                let png = try PNGCodec.decode(Data(bytes), source: source)
                return png.planes.map { Image(width: $0.width, height: $0.height, pixels: $0.pixels.map(Float.init)) }
            } catch { throw fail("not a readable PNG (\(error))") }
        }
        guard bytes.starts(with: [0x49, 0x49, 0x2A, 0x00]) || bytes.starts(with: [0x4D, 0x4D, 0x00, 0x2A]) else {
            throw fail("not a PNG or TIFF image (unknown signature)")
        }
        // libtiff reads from files; a private temporary one, removed whatever happens (and,
        // after a crash, by `removeStaleUploads` when a server starts).
        let url = UploadScratch.fileURL()
        defer { try? FileManager.default.removeItem(at: url) }
        do { try Data(bytes).write(to: url) } catch { throw fail("cannot store it for reading: \(error)") }
        let pages: [Image<Float>]
        do { pages = try TIFFReader.readPages(url, maxPixels: maxPixels) } catch {
            let message = "\(error)".replacingOccurrences(of: url.path, with: source)
            // TIFFReader's budget refusal, the one error that is about size rather than bytes.
            if message.contains("exceeds the pixel budget") {
                throw Problem(kind: .overBudget, description: "\(source): more pixels than the upload budget of \(maxPixels) (max_upload_pixels)")
            }
            // TIFFReader's errors already start with the file ("body: not a readable TIFF (...)").
            let prefix = "\(source): "
            throw fail(message.hasPrefix(prefix) ? String(message.dropFirst(prefix.count)) : "not a readable TIFF (\(message))")
        }
        guard let first = pages.first, pages.allSatisfy({ $0.width == first.width && $0.height == first.height }) else {
            throw fail("TIFF pages (channels) differ in size")
        }
        return pages
    }

    /// Refuses a PNG whose IHDR (the first chunk, at a fixed offset) declares more pixels
    /// than `maxPixels`, counting three planes for colour types with RGB.
    static func checkPNGHeader(_ bytes: [UInt8], source: String, maxPixels: Int) throws {
        guard bytes.count >= 26 else { return } // too short: libpng names the problem
        func u32(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        let planes = bytes[25] & 2 != 0 ? 3 : 1
        let (area, o1) = u32(16).multipliedReportingOverflow(by: u32(20))
        let (pixels, o2) = area.multipliedReportingOverflow(by: planes)
        guard !o1, !o2, pixels <= maxPixels else {
            throw Problem(kind: .overBudget, description: "\(source): \(u32(16))x\(u32(20)) PNG (\(planes) plane(s)) is over the upload budget of \(maxPixels) pixels (max_upload_pixels)")
        }
    }

    /// The planes of `files` assigned to `channels`; `maxPixels` bounds all files together.
    public static func assign(_ files: [File], channels: [String], maxPixels: Int = defaultMaxPixels) throws -> [String: Image<Float>] {
        var budget = maxPixels
        let decoded = try files.map { file -> (String, [Image<Float>]) in
            guard budget > 0 else {
                throw Problem(kind: .overBudget, description: "\(file.name): the files before it used the upload budget of \(maxPixels) pixels (max_upload_pixels)")
            }
            let planes = try decode(file.bytes, source: file.name, maxPixels: budget)
            budget -= planes.reduce(0) { $0 + $1.pixels.count }
            return (file.name, planes)
        }
        if decoded.count == 1, decoded[0].1.count > 1 {
            let pages = decoded[0].1
            guard pages.count == channels.count else {
                throw Problem(kind: .channels, description: "\(decoded[0].0): \(pages.count) pages; the recipe needs \(channels.count) channels, one page each, in this order: \(channels.joined(separator: ", "))")
            }
            return Dictionary(uniqueKeysWithValues: zip(channels, pages))
        }
        var planes: [String: Image<Float>] = [:]
        for (name, pages) in decoded {
            guard pages.count == 1 else {
                throw Problem(kind: .channels, description: "\(name): \(pages.count) planes; with one file per channel each file holds one gray image")
            }
            let matches = channels.filter { names(name, channel: $0) }
            guard matches.count == 1 else {
                throw Problem(kind: .channels, description: "\(name): " + (matches.isEmpty
                    ? "names no channel of the recipe (\(channels.joined(separator: ", ")))"
                    : "names several channels (\(matches.joined(separator: ", ")))"))
            }
            guard planes[matches[0]] == nil else { throw Problem(kind: .channels, description: "\(name): a second file for channel \(matches[0])") }
            planes[matches[0]] = pages[0]
        }
        let missing = channels.filter { planes[$0] == nil }
        guard missing.isEmpty else {
            throw Problem(kind: .channels, description: "channels: missing \(missing.joined(separator: ", ")) (got \(files.map(\.name).joined(separator: ", "))); the recipe needs \(channels.joined(separator: ", "))")
        }
        return planes
    }

    /// Whether a file name names a channel: the channel's name, case aside, not run into a
    /// longer word or number (`ch1` is in `r01-ch1sk1.tiff` and `ch1.png`, not in `ch10.png`
    /// or `xch1.png`; `DNA` is in `P0_B03_DNA.tif`).
    static func names(_ file: String, channel: String) -> Bool {
        let name = Array(file.lowercased()), word = Array(channel.lowercased())
        guard let head = word.first, let tail = word.last, name.count >= word.count else { return false }
        for start in 0...(name.count - word.count) where Array(name[start..<(start + word.count)]) == word {
            let before = start == 0 ? nil : name[start - 1], after = start + word.count < name.count ? name[start + word.count] : nil
            let joinedBefore = before.map { head.isLetter ? $0.isLetter : $0.isNumber } ?? false
            let joinedAfter = after.map { tail.isNumber && $0.isNumber } ?? false
            if !joinedBefore && !joinedAfter { return true }
        }
        return false
    }
}
