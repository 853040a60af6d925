import Dispatch
import Testing
@testable import MoatRules
@testable import MoatSource

/// The bundled rules are compiled by `JoinablePieces`: the thread loading the catalogue runs them, and the
/// command's thread, once it needs the catalogue, helps with the rules still left. Whoever makes a piece, the
/// results come back in order, and `run` returns only once a helper's last piece is made.
@Suite("Pieces a waiting thread can help with")
struct JoinablePiecesTests {
    @Test func resultsComeInOrderWhoeverMakesThem() {
        for helpers in 0...3 {
            let pieces = JoinablePieces(count: 500) { i in i * i + 1 }
            let started = DispatchGroup()
            for _ in 0..<helpers {
                started.enter()
                DispatchQueue.global().async { pieces.help(); started.leave() }
            }
            #expect(pieces.run(lanes: 1) == (0..<500).map { $0 * $0 + 1 })
            started.wait()
        }
    }

    @Test func runWaitsForThePieceAHelperIsStillMaking() {
        // The helper takes piece 0 and holds it until the runner has made the last piece; `run` must still
        // return piece 0's result (a run that returned without waiting would find its slot empty).
        let helperHasPiece = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let made = Counter()
        let pieces = JoinablePieces(count: 4) { i -> String in
            if i == 0 {
                helperHasPiece.signal()
                release.wait()
            }
            if i == 3 { release.signal() }
            made.add()
            return "piece \(i)"
        }
        let helped = DispatchGroup()
        helped.enter()
        DispatchQueue.global().async { pieces.help(); helped.leave() }
        helperHasPiece.wait()
        #expect(pieces.run(lanes: 1) == ["piece 0", "piece 1", "piece 2", "piece 3"])
        #expect(made.value == 4)
        helped.wait()
    }

    @Test func helpingWithNothingUnderWayReturnsAtOnce() throws {
        Catalogue.helpLoadBuiltIn()  // no load is compiling rules: nothing to take, nothing to wait for
        let pieces = JoinablePieces(count: 3) { $0 }
        #expect(pieces.run(lanes: 2) == [0, 1, 2])
        pieces.help()  // every piece taken: returns without making any
        #expect(try Catalogue.builtIn.get().rules.count > 100)
    }
}

/// A count that several threads add to.
private final class Counter: @unchecked Sendable {
    private let lock = DispatchSemaphore(value: 1)
    private var count = 0
    func add() { lock.wait(); count += 1; lock.signal() }
    var value: Int { lock.wait(); defer { lock.signal() }; return count }
}
