/// The few vector kernels the indexes need, written so the compiler vectorizes them.
enum VectorMath {
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var s0: SIMD8<Float> = .zero, s1: SIMD8<Float> = .zero
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 16 <= n {
            s0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            s1 += ra.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
            i += 16
        }
        var s = (s0 + s1).sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    @inline(__always)
    static func squaredDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var s: Float = 0
        for i in 0..<n { let t = a[i] - b[i]; s += t * t }
        return s
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in dot(pa.baseAddress!, pb.baseAddress!, a.count) } }
    }

    /// Checks back-to-back rows as `prepared` would, without keeping a prepared copy of
    /// them all; a bad row throws naming it.
    static func checkRows(_ flat: [Float], dimension: Int, metric: Metric) throws {
        guard flat.count % dimension == 0 else {
            throw IndexError("\(flat.count) floats are not whole rows of \(dimension)")
        }
        for i in 0..<flat.count / dimension {
            do {
                _ = try prepared(Array(flat[i * dimension ..< (i + 1) * dimension]), dimension: dimension, metric: metric)
            } catch let e as IndexError {
                throw IndexError("row \(i): \(e.message)")
            }
        }
    }

    /// Checks a vector's size and values, and normalizes it for cosine.
    static func prepared(_ v: [Float], dimension: Int, metric: Metric) throws -> [Float] {
        guard v.count == dimension else {
            throw IndexError("vector has \(v.count) dimensions, index has \(dimension)")
        }
        if let bad = v.firstIndex(where: { !$0.isFinite }) {
            throw IndexError("vector component \(bad) is \(v[bad]); expected a finite number")
        }
        // Squares of components above ~1.8e19 overflow float32: cosine would divide by an
        // infinite norm and store a zero vector, L2 and inner products would be infinite.
        let squaredNorm = dot(v, v)
        guard squaredNorm.isFinite else {
            let big = v.indices.max { abs(v[$0]) < abs(v[$1]) } ?? 0
            throw IndexError("squared norm overflows float32 (component \(big) is \(v[big])); expected values that square without overflow, e.g. scaled features")
        }
        guard metric.normalizes else { return v }
        let norm = squaredNorm.squareRoot()
        guard norm > 0 else { throw IndexError("zero vector has no direction for cosine similarity") }
        return v.map { $0 / norm }
    }
}
