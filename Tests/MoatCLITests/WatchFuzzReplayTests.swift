import Foundation
import Testing

// Replays the committed corpus of the watch server's fuzz target (Tests/Fuzz/corpus/watch) through
// `moat-watch-fuzz` itself (Benchmarks/Fuzz/Watch), so that its invariants (bounded reads, limits, the
// same results however the bytes are split, allow only with the token, one loopback Host and no foreign
// Origin) are checked on every run of the suite without duplicating them here.
@Suite("Watch fuzz corpus replay")
struct WatchFuzzReplayTests {
    @Test func replayThroughTheWatchFuzzTarget() throws {
        let folder = "Tests/Fuzz/corpus/watch"
        let count = FuzzReplay.files(in: folder).count
        #expect(count > 0, "\(folder) is empty")
        let run = try runBuilt("moat-watch-fuzz", [folder], in: packageRoot, timeLimit: 300)
        #expect(!run.crashed, "moat-watch-fuzz died (signal \(run.status)):\n\(run.stderr.suffix(4000))")
        #expect(run.status == 0 && !run.stderr.contains("Fatal error"), "\(run.stderr.suffix(4000))")
        #expect(run.stdout.contains("moat-watch-fuzz: \(count) inputs replayed without a crash"), "\(run.stdout.suffix(500))")
    }

    /// The committed corpus stays small: files of at most 4 KB, at most 100 files and 100 KB in all.
    @Test func corpusStaysSmall() throws {
        let folder = "Tests/Fuzz/corpus/watch"
        var total = 0
        for name in FuzzReplay.files(in: folder) {
            let path = packageRoot.appendingPathComponent(folder + "/" + name).path
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
            #expect(size <= 4096, "\(folder)/\(name) has \(size) bytes")
            total += size
        }
        #expect(FuzzReplay.files(in: folder).count <= 100)
        #expect(total <= 100 * 1024, "\(folder) holds \(total) bytes")
    }
}
