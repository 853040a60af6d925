import Foundation
import MoatRules

// Writes Models/catalogue.snapshot from the YAML in Models/ (CatalogueSnapshot, docs/performance.md): run it
// after editing the vocabulary, the maturity model or a rule file.
//
//   swift run moat-catalogue-snapshot [MODELS_DIR]          (default: Models in the current folder)
//   swift run moat-catalogue-snapshot --check [MODELS_DIR]  (exit 1 when the snapshot is out of date)
var arguments = Array(CommandLine.arguments.dropFirst())
let check = arguments.first == "--check"
if check { arguments.removeFirst() }
let directory = URL(fileURLWithPath: arguments.first ?? "Models")
let target = directory.appendingPathComponent(CatalogueSnapshot.fileName)
do {
    let bytes = try CatalogueSnapshot.make(from: directory)
    if check {
        let current = FileManager.default.contents(atPath: target.path).map { [UInt8]($0) }
        guard current == bytes else {
            FileHandle.standardError.write(Data("\(target.path) is out of date: run swift run moat-catalogue-snapshot\n".utf8))
            exit(1)
        }
        print("\(target.path) is up to date")
    } else {
        try Data(bytes).write(to: target)
        print("wrote \(target.path) (\(bytes.count) bytes)")
    }
} catch {
    FileHandle.standardError.write(Data("moat-catalogue-snapshot: \(error)\n".utf8))
    exit(2)
}
