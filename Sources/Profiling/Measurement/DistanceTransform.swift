import Imaging

/// Exact Euclidean distance transform of an object crop (Felzenszwalb & Huttenlocher's
/// two-pass lower envelope of parabolas), as `scipy.ndimage.distance_transform_edt`.
///
/// Returns squared distances from each crop pixel to the nearest background pixel. Object
/// pixels are never sources; margin pixels outside the image are sources only when
/// `borderIsBackground` (scikit-image pads the object's box with zeros, whereas
/// CellProfiler's `distance_to_edge` sees only the image).
enum DistanceTransform {
    static func squared(_ object: ObjectMask, borderIsBackground: Bool) -> [Double] {
        let w = object.width
        return squaredDistanceToNearestSource(width: w, height: object.height) { i in
            !object.mask[i] && (borderIsBackground || object.inImage(i % w, i / w))
        }
    }
}
