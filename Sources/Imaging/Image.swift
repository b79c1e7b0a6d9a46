/// A single-channel raster image, row-major, origin at the top-left.
///
/// Microscopy sites are stored one channel per file, so the basic unit is a plane of one
/// pixel type: `UInt16` for raw 16-bit acquisitions, `UInt8` for 8-bit files and
/// thumbnails, `Float` for corrected and filtered intermediates, `Int32` for label masks.
public struct Image<Pixel>: Sendable where Pixel: Sendable {
    public let width: Int
    public let height: Int
    /// `width * height` pixels, row after row.
    public var pixels: [Pixel]

    /// An image of the given size with every pixel set to `value`.
    public init(width: Int, height: Int, repeating value: Pixel) {
        precondition(width >= 0 && height >= 0, "image size must be non-negative")
        self.width = width
        self.height = height
        self.pixels = Array(repeating: value, count: width * height)
    }

    /// An image over existing pixels; `pixels.count` must be `width * height`.
    public init(width: Int, height: Int, pixels: [Pixel]) {
        precondition(pixels.count == width * height,
                     "image of \(width)x\(height) needs \(width * height) pixels, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    @inlinable
    public subscript(x: Int, y: Int) -> Pixel {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }

    /// The same geometry with each pixel transformed by `transform`.
    @inlinable
    public func map<T>(_ transform: (Pixel) throws -> T) rethrows -> Image<T> {
        Image<T>(width: width, height: height, pixels: try pixels.map(transform))
    }
}

extension Image: Equatable where Pixel: Equatable {}
