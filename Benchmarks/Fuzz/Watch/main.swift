#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// moat-watch-fuzz: a libFuzzer target over the watch server's request handling (WatchFuzzTarget.swift says
// what an input goes through; docs/fuzzing.md how to run it). Built like moat-fuzz:
// - `swift build --product moat-watch-fuzz --sanitize=fuzzer --sanitize=address` (plus
//   `-Xswiftc -sanitize=fuzzer,address`, see run.sh): libFuzzer's `main` calls `LLVMFuzzerTestOneInput`;
// - plain `swift build`: an executable that replays files and folders (`moat-watch-fuzz Tests/Fuzz/corpus/watch`).
// It links only MoatWatchHTTP (no Foundation), so the sanitised build takes a minute, not the whole package.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    WatchFuzzTarget.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// Reads a whole file; nil when it cannot be opened.
func readFile(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = fread(&buffer, 1, buffer.count, file)
        if n <= 0 { break }
        bytes += buffer[0..<n]
    }
    return bytes
}

/// Replays every file named on the command line (folders: every file inside, in name order).
let replayed: Int = {
    var count = 0
    for argument in CommandLine.arguments.dropFirst() {
        var paths: [String] = []
        if let dir = opendir(argument) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { paths.append(argument + "/" + name) }
            }
            closedir(dir)
            paths.sort()
        } else {
            paths = [argument]
        }
        for path in paths {
            guard let input = readFile(path) else {
                let message = Array("moat-watch-fuzz: cannot read '\(path)'\n".utf8)
                _ = write(2, message, message.count)
                exit(2)
            }
            input.withUnsafeBufferPointer { buffer in
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1) { empty in
                    _ = fuzz(buffer.baseAddress ?? UnsafePointer(empty.baseAddress!), buffer.count)
                }
            }
            count += 1
        }
    }
    print("moat-watch-fuzz: \(count) inputs replayed without a crash")
    return count
}()
