/// Index into a line of `n` samples extended by mirroring with the edge repeated
/// (`d c b a | a b c d`), scipy.ndimage's "reflect" mode, which every filter here uses.
@inline(__always)
func reflectIndex(_ i: Int, _ n: Int) -> Int {
    if i >= 0 && i < n { return i }
    let period = 2 * n
    let m = ((i % period) + period) % period
    return m < n ? m : period - 1 - m
}
