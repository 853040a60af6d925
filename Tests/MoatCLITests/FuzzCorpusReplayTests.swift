import Foundation
import Testing

// Replays the committed fuzz corpus (Tests/Fuzz/corpus/{moat,yaml,import}) and the saved crash inputs
// (Tests/Fuzz/crashes) through the fuzz target itself, so its stages and invariant checks
// (Benchmarks/Fuzz/FuzzTarget.swift) are not duplicated here. In a plain build `moat-fuzz` is an ordinary
// executable that feeds every file named on its command line (folders: every file inside) to
// LLVMFuzzerTestOneInput and stops with `Fatal error: invariant: …` on a broken invariant; otherwise it
// prints how many inputs it replayed. `swift build --build-tests` builds it beside the test bundle, where
// `runBuilt` finds it as it finds `moat`. docs/fuzzing.md says how the corpus is grown and minimised.

/// One run of `moat-fuzz`: files or folders (relative to the package root) in one notation.
struct FuzzReplay: Sendable, CustomTestStringConvertible {
    var name: String
    /// MOAT_FUZZ_NOTATION: moat, yaml, json, or import (the importers of MoatInterop).
    var notation: String
    var paths: [String]
    /// How many inputs the paths hold: what moat-fuzz must report having replayed.
    var inputCount: Int
    var testDescription: String { "\(name) (\(notation), \(inputCount) inputs)" }

    /// The regular files directly inside a folder of the package (moat-fuzz replays no subfolders).
    static func files(in folder: String) -> [String] {
        let url = packageRoot.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path, isDirectory: &isDirectory)
                && !isDirectory.boolValue
        }.sorted()
    }

    static let notations = ["moat", "yaml", "json", "import"]

    /// Each corpus folder as a whole, and the crash inputs grouped by the notation their name starts with
    /// (libFuzzer's `-artifact_prefix` in run.sh: `yaml-crash-…`).
    static let all: [FuzzReplay] = {
        var runs = ["moat", "yaml", "import"].map { notation in
            let folder = "Tests/Fuzz/corpus/\(notation)"
            return FuzzReplay(name: folder, notation: notation, paths: [folder], inputCount: files(in: folder).count)
        }
        let crashes = files(in: "Tests/Fuzz/crashes")
        for notation in notations {
            let mine = crashes.filter { $0.hasPrefix(notation + "-") }.map { "Tests/Fuzz/crashes/" + $0 }
            if !mine.isEmpty {
                runs.append(FuzzReplay(name: "Tests/Fuzz/crashes/\(notation)-*", notation: notation, paths: mine, inputCount: mine.count))
            }
        }
        return runs
    }()
}

@Suite("Fuzz corpus replay")
struct FuzzCorpusReplayTests {
    @Test(arguments: FuzzReplay.all)
    func replayThroughTheFuzzTarget(_ replay: FuzzReplay) throws {
        #expect(replay.inputCount > 0, "\(replay.name) is empty")
        let run = try runBuilt("moat-fuzz", replay.paths, in: packageRoot,
                               environment: ["MOAT_FUZZ_NOTATION": replay.notation], timeLimit: 300)
        #expect(!run.crashed, "moat-fuzz died (signal \(run.status)) on \(replay.name):\n\(run.stderr.suffix(4000))")
        #expect(run.status == 0, "moat-fuzz exited \(run.status) on \(replay.name):\n\(run.stderr.suffix(4000))")
        #expect(!run.stderr.contains("Fatal error"), "\(run.stderr.suffix(4000))")
        #expect(run.stdout.contains("moat-fuzz: \(replay.inputCount) inputs replayed without a crash (notation: \(replay.notation))"),
                "expected \(replay.inputCount) inputs replayed; moat-fuzz printed: \(run.stdout.suffix(500))")
    }

    /// Every crash input is replayed: its name says its notation, and it is small.
    @Test func everyCrashInputHasANotation() {
        let crashes = FuzzReplay.files(in: "Tests/Fuzz/crashes")
        #expect(!crashes.isEmpty)
        for name in crashes {
            #expect(FuzzReplay.notations.contains { name.hasPrefix($0 + "-") }, "\(name) does not start with moat-, yaml-, json- or import-")
        }
        let replayed = FuzzReplay.all.filter { $0.name.hasPrefix("Tests/Fuzz/crashes/") }.map(\.inputCount).reduce(0, +)
        #expect(replayed == crashes.count)
    }

    /// The committed corpus stays small (docs/fuzzing.md): files of at most 4 KB, at most ~150 files and
    /// 300 KB per notation (import: 50 files, 150 KB).
    @Test(arguments: ["moat", "yaml", "import"])
    func corpusStaysSmall(notation: String) throws {
        let folder = "Tests/Fuzz/corpus/\(notation)"
        var total = 0
        for name in FuzzReplay.files(in: folder) {
            let size = try FileManager.default.attributesOfItem(atPath: packageRoot.appendingPathComponent(folder + "/" + name).path)[.size] as? Int ?? 0
            #expect(size <= 4096, "\(folder)/\(name) has \(size) bytes")
            total += size
        }
        // The import corpus is smaller (Benchmarks/Fuzz/run.sh minimise: 50 files, 150 KB): its seeds are larger.
        let (files, bytes) = notation == "import" ? (50, 150 * 1024) : (160, 300 * 1024)
        #expect(FuzzReplay.files(in: folder).count <= files)
        #expect(total <= bytes, "\(folder) holds \(total) bytes")
    }
}
