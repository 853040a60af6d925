// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Moat",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "moat", targets: ["moat"]),
        .executable(name: "moat-watch", targets: ["moat-watch"]),
        .executable(name: "moat-lsp", targets: ["moat-lsp"]),
        .library(name: "MoatCore", targets: ["MoatCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        // The catalogues shipped with the tool (vocabulary, rules, maturity model, schema).
        .target(
            name: "BundledModels",
            path: "Models",
            resources: [
                .copy("vocabulary.yaml"), .copy("rules"), .copy("maturity"), .copy("moat.schema.json"),
            ]
        ),
        // Language, model, graph, rules and analysis: pure Swift plus Yams.
        .target(name: "MoatCore", dependencies: ["BundledModels", "Yams"]),
        // The system Graphviz library (apt libgraphviz-dev, brew graphviz), through a thin shim header.
        .systemLibrary(
            name: "CGraphviz",
            pkgConfig: "libgvc",
            providers: [.apt(["libgraphviz-dev"]), .brew(["graphviz"])]
        ),
        // DOT building (pure Swift, all DOT escaping) and the one actor that calls Graphviz.
        .target(name: "MoatDiagram", dependencies: ["MoatCore", "CGraphviz"]),
        // One writer per output format; all escaping of user text lives here, per format.
        .target(name: "MoatReports", dependencies: ["MoatCore"]),
        // Importers (Threagile, OWASP Threat Dragon, Open Threat Model) and the OTM exporter.
        .target(name: "MoatInterop", dependencies: ["MoatCore", "Yams"]),
        // The live workbench behind `moat watch`: a loopback HTTP server (FlyingFox) and a file poller.
        .target(name: "MoatWatch", dependencies: ["MoatCore", "MoatReports", "MoatDiagram",
                                                  .product(name: "FlyingFox", package: "FlyingFox")]),
        // The language server behind `moat lsp` (LSP 3.17 over stdio; JSON-RPC framing and types of its own).
        .target(name: "MoatLSP", dependencies: ["MoatCore"]),
        // What both programs share: catalogue and analysis options, console output, exit codes, `main`.
        .target(name: "MoatCommandSupport", dependencies: ["MoatCore", "MoatInterop",
                                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // The command-line tool: one file per subcommand. Build releases with `--static-swift-stdlib`:
        // a `moat` linked dynamically to the Swift runtime and Foundation spends about 5 ms of every run loading them.
        .executableTarget(
            name: "moat",
            dependencies: ["MoatCore", "MoatReports", "MoatDiagram", "MoatInterop", "MoatCommandSupport",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // `moat watch`, a program of its own so that only it links the HTTP server and FoundationNetworking.
        .executableTarget(
            name: "moat-watch",
            dependencies: ["MoatCore", "MoatWatch", "MoatCommandSupport",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // `moat lsp`, a program of its own so that the server's code adds nothing to the start of other commands.
        .executableTarget(
            name: "moat-lsp",
            dependencies: ["MoatLSP", "MoatCommandSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // In-process stage timings: swift run -c release moat-bench FILE.
        .executableTarget(name: "moat-bench", dependencies: ["MoatCore", "MoatReports", "MoatDiagram"],
                          path: "Benchmarks/MoatBench"),
        // libFuzzer target (Benchmarks/Fuzz, docs/fuzzing.md): a corpus replayer in normal builds; with
        // `swift build --product moat-fuzz --sanitize=fuzzer --sanitize=address` libFuzzer supplies `main`.
        .executableTarget(name: "moat-fuzz", dependencies: ["MoatCore"], path: "Benchmarks/Fuzz",
                          exclude: ["moat.dict", "run.sh"]),
        // How the tests run other programs (moat, python3, git): one runner for every test target.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "MoatCoreTests", dependencies: ["MoatCore", "TestSupport"]),
        .testTarget(name: "MoatReportsTests", dependencies: ["MoatReports", "MoatCore", "TestSupport"]),
        .testTarget(name: "MoatDiagramTests", dependencies: ["MoatDiagram"], exclude: ["Golden"]),
        .testTarget(name: "MoatCLITests", dependencies: ["MoatCore", "TestSupport"]),
        .testTarget(name: "MoatLSPTests", dependencies: ["MoatLSP", "MoatCore"]),
        .testTarget(name: "MoatWatchTests", dependencies: ["MoatWatch", "MoatCore"]),
        .testTarget(name: "MoatInteropTests", dependencies: ["MoatInterop", "MoatCore", "MoatDiagram", "TestSupport"]),
    ]
)
