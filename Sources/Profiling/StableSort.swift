/// Sorts stably (Swift's `sort` is not documented as stable): ties keep input order.
func stableSorted<T>(_ xs: [T], by areInIncreasingOrder: (T, T) -> Bool) -> [T] {
    xs.enumerated().sorted { a, b in
        if areInIncreasingOrder(a.element, b.element) { return true }
        if areInIncreasingOrder(b.element, a.element) { return false }
        return a.offset < b.offset
    }.map(\.element)
}
