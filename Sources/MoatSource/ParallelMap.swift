import Dispatch
import Foundation
import MoatText
import Synchronization

/// The processors online, from the C library: `ProcessInfo.activeProcessorCount` reads and parses the process's
/// cgroup files, 4 M instructions.
package let processorsOnline = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))

extension Array where Element: Sendable {
    /// `map` over the elements on every core, results in the original order.
    public func parallelMap<T: Sendable>(_ transform: @Sendable (Element) -> T) -> [T] {
        if count < 2 { return map(transform) }
        let slots = ResultSlots<T>(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { i in slots.set(i, transform(self[i])) }
        return slots.values
    }
}

/// `work(&state, i)` for every i in `0..<count`, on `lanes` cores, results in index order. Each core makes its
/// own `state` once (`setUp`) and takes the next index whenever it finishes one, so pieces of uneven cost even
/// out across the cores, where a fixed share each would leave one core idle while the other finishes. With
/// `releasingStates`, the states are let go of in the background (`releaseInBackground`).
package func parallelPieces<State, T: Sendable>(count: Int, lanes: Int, releasingStates: Bool = false, setUp: @Sendable () -> State,
                                                _ work: @Sendable (inout State, Int) -> T) -> [T] {
    let slots = ResultSlots<T>(count: count)
    let next = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: max(1, min(lanes, count))) { _ in
        var state = setUp()
        while true {
            let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard i < count else { return releasingStates ? releaseInBackground(state) : () }
            slots.set(i, work(&state, i))
        }
    }
    return slots.values
}

/// Lets go of `value` on a background thread. Freeing a structure of many small arrays (an evaluator's caches at
/// 100,000 elements: 70 ms) need not hold up what the caller does next; a command that exits first skips it.
private func releaseInBackground<T>(_ value: T) {
    let held = Held(value)
    DispatchQueue.global(qos: .utility).async { _ = held }
}

/// A value handed to the thread that releases it; nothing else uses it after.
private final class Held<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
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
