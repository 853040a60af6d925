import Dispatch
import MoatText

extension Array where Element: Sendable {
    /// `map` over the elements on every core, results in the original order.
    public func parallelMap<T: Sendable>(_ transform: @Sendable (Element) -> T) -> [T] {
        if count < 2 { return map(transform) }
        let slots = ResultSlots<T>(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { i in slots.set(i, transform(self[i])) }
        return slots.values
    }
}

/// One slot per iteration of a concurrent loop; each slot is written by exactly one iteration, and read
/// only after the loop has finished.
private final class ResultSlots<T>: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<T?>
    init(count: Int) { slots = .allocate(capacity: count); slots.initialize(repeating: nil) }
    deinit { slots.deinitialize(); slots.deallocate() }
    func set(_ i: Int, _ value: T) { slots[i] = value }
    var values: [T] { slots.map { $0! } }
}

/// Runs `a` and `b` side by side and returns both results.
package func inParallel<A: Sendable, B: Sendable>(_ a: @Sendable () -> A, _ b: @Sendable () -> B) -> (A, B) {
    let pair = ResultPair<A, B>()
    DispatchQueue.concurrentPerform(iterations: 2) { i in
        if i == 0 { pair.first = a() } else { pair.second = b() }
    }
    return (pair.first!, pair.second!)
}

/// Two results, each written by one side of `inParallel` and read after both have finished.
private final class ResultPair<A, B>: @unchecked Sendable {
    var first: A?
    var second: B?
}
