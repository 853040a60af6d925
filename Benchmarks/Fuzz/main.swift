import Foundation

// moat-fuzz: one libFuzzer target over Moat's front end, semantic pass, analysis and formatter.
// FuzzTarget.swift says what an input goes through; docs/fuzzing.md how to run it.
//
// Two builds of the same file:
// - `swift build --product moat-fuzz --sanitize=fuzzer --sanitize=address`: SwiftPM compiles the target
//   as a library (`-parse-as-library`) and renames its entry point, so libFuzzer's `main` runs and calls
//   `LLVMFuzzerTestOneInput`. Top-level statements would not compile there, which is why this file has none.
// - plain `swift build`: an ordinary executable that replays files and corpus folders through the same
//   function (`moat-fuzz Tests/Fuzz/corpus/moat Samples`). In that build main.swift is script code and
//   its globals are initialised in order at start, so `replayed` below runs the replay; in the fuzzer build
//   globals are lazy and it never runs.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// Replays every file named on the command line (folders: every file inside, in name order).
let replayed: Int = {
    var count = 0
    for argument in CommandLine.arguments.dropFirst() {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
            FileHandle.standardError.write(Data("moat-fuzz: no such file or folder '\(argument)'\n".utf8))
            exit(2)
        }
        let paths = isDirectory.boolValue
            ? ((try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []).sorted().map { argument + "/" + $0 }
            : [argument]
        for path in paths {
            guard let bytes = FileManager.default.contents(atPath: path) else { continue }
            let input = [UInt8](bytes)
            input.withUnsafeBufferPointer { buffer in
                // An empty input still needs a valid pointer.
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1) { empty in
                    _ = fuzz(buffer.baseAddress ?? UnsafePointer(empty.baseAddress!), buffer.count)
                }
            }
            count += 1
        }
    }
    print("moat-fuzz: \(count) inputs replayed without a crash (notation: \(FuzzTarget.modeName))")
    return count
}()
