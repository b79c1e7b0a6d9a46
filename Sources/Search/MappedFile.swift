import Foundation

/// A read-only memory mapping of a whole file, unmapped when the last reference goes.
///
/// Index files are mapped rather than read so that opening a million-vector index costs
/// page-table setup, not a copy: pages come in from the page cache as searches touch them.
final class MappedFile: @unchecked Sendable {
    let pointer: UnsafeRawPointer?
    let length: Int

    init(url: URL) throws {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { throw IndexError("\(url.path): cannot open (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw IndexError("\(url.path): cannot stat") }
        length = Int(st.st_size)
        if length == 0 { pointer = nil; return }
        guard let p = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw IndexError("\(url.path): cannot map (\(String(cString: strerror(errno))))")
        }
        pointer = UnsafeRawPointer(p)
    }

    deinit {
        if let p = pointer { munmap(UnsafeMutableRawPointer(mutating: p), length) }
    }

    func buffer<T>(of: T.Type) -> UnsafeBufferPointer<T> {
        guard let p = pointer else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: p.assumingMemoryBound(to: T.self), count: length / MemoryLayout<T>.stride)
    }
}

/// A problem with an index or a query, printed as one line.
public struct IndexError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
