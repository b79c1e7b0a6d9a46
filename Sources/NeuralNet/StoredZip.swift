import Foundation

/// The members of a zip archive whose entries are stored uncompressed, as `torch.save`
/// writes them: the central directory is read (ZIP64 records included, as large checkpoints
/// need) and each member's bytes are a slice of the file, checked to lie inside it. A
/// compressed or encrypted member, a multi-disk archive or a directory pointing outside
/// the file is a one-line error naming the file.
struct StoredZip {
    let data: Data
    let file: String
    /// Member name to its byte range in `data`.
    let members: [String: Range<Int>]

    struct ZipError: Error, CustomStringConvertible { let description: String }

    /// A checkpoint's directory lists a few hundred members; more is not one.
    static let memberLimit = 1_000_000

    init(_ data: Data, file: String) throws {
        self.data = data
        self.file = file
        func fail(_ what: String) -> ZipError { ZipError(description: "\(file): \(what)") }
        let bytes = [UInt8](data)
        func u16(_ o: Int) throws -> Int {
            guard o >= 0, o + 2 <= bytes.count else { throw fail("truncated zip structure at byte \(o)") }
            return Int(bytes[o]) | Int(bytes[o + 1]) << 8
        }
        func u32(_ o: Int) throws -> Int { try u16(o) | u16(o + 2) << 16 }
        func u64(_ o: Int) throws -> Int {
            let low = try u32(o), high = try u32(o + 4)
            guard high < 1 << 30 else { throw fail("zip field at byte \(o) is beyond any file size") }
            return low | high << 32
        }
        // The end-of-central-directory record: its 22 bytes and a comment of at most 65535.
        var eocd = -1
        var at = bytes.count - 22
        while at >= 0 && at >= bytes.count - 22 - 65535 {
            if bytes[at] == 0x50, bytes[at + 1] == 0x4b, bytes[at + 2] == 0x05, bytes[at + 3] == 0x06 { eocd = at; break }
            at -= 1
        }
        guard eocd >= 0 else { throw fail("not a zip archive (no end-of-central-directory record); expected a torch.save file") }
        guard try u16(eocd + 4) == 0, try u16(eocd + 6) == 0 else { throw fail("multi-disk zip archives are not supported") }
        var count = try u16(eocd + 10), directory = try u32(eocd + 16)
        if count == 0xFFFF || directory == 0xFFFF_FFFF {
            // ZIP64: a locator just before the record points at the 64-bit record.
            let locator = eocd - 20
            guard locator >= 0, try u32(locator) == 0x0706_4b50 else { throw fail("ZIP64 archive without its locator") }
            let record = try u64(locator + 8)
            guard try u32(record) == 0x0606_4b50 else { throw fail("ZIP64 end record not at byte \(record)") }
            count = try u64(record + 32)
            directory = try u64(record + 48)
        }
        guard count <= Self.memberLimit else { throw fail("\(count) zip members; expected at most \(Self.memberLimit)") }
        var members: [String: Range<Int>] = [:]
        var entry = directory
        for _ in 0..<count {
            guard try u32(entry) == 0x0201_4b50 else { throw fail("central directory entry expected at byte \(entry)") }
            let flags = try u16(entry + 8), method = try u16(entry + 10)
            var compressed = try u32(entry + 20), size = try u32(entry + 24)
            let nameLength = try u16(entry + 28), extraLength = try u16(entry + 30), commentLength = try u16(entry + 32)
            var local = try u32(entry + 42)
            let nameStart = entry + 46
            guard nameStart + nameLength + extraLength <= bytes.count else { throw fail("central directory entry at byte \(entry) runs past the end") }
            let name = String(decoding: bytes[nameStart..<(nameStart + nameLength)], as: UTF8.self)
            // ZIP64 sizes and offset, in that order, for the fields saturated above.
            var extra = nameStart + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = try u16(extra), length = try u16(extra + 2)
                if id == 0x0001 {
                    var field = extra + 4
                    if size == 0xFFFF_FFFF { size = try u64(field); field += 8 }
                    if compressed == 0xFFFF_FFFF { compressed = try u64(field); field += 8 }
                    if local == 0xFFFF_FFFF { local = try u64(field) }
                }
                extra += 4 + length
            }
            guard flags & 1 == 0 else { throw fail("member \(name) is encrypted") }
            guard method == 0, compressed == size else {
                throw fail("member \(name) is compressed (method \(method)); expected stored members as torch.save writes")
            }
            guard try u32(local) == 0x0403_4b50 else { throw fail("member \(name): no local header at byte \(local)") }
            let start = try local + 30 + u16(local + 26) + u16(local + 28)
            guard start <= bytes.count, size <= bytes.count - start else {
                throw fail("member \(name): \(size) bytes at byte \(start) run past the end of the file (\(bytes.count) bytes)")
            }
            members[name] = start..<(start + size)
            entry = nameStart + nameLength + extraLength + commentLength
        }
        self.members = members
    }

    /// The bytes of member `name`.
    func member(_ name: String) -> Data? {
        members[name].map { data[(data.startIndex + $0.lowerBound)..<(data.startIndex + $0.upperBound)] }
    }
}
