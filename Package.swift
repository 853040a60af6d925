// swift-tools-version:6.2
import PackageDescription

/// The pipeline's stages, which `import MoatCore` re-exports. Every target above them lists them all as
/// dependencies: with only the umbrella listed, an incremental build did not recompile a target when a
/// stage below the umbrella changed.
let pipeline: [Target.Dependency] = ["MoatCore", "MoatAnalysis", "MoatRules", "MoatModel", "MoatSyntax", "MoatSource", "MoatText"]

let package = Package(
    name: "Moat",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "moat", targets: ["moat"]),
        .executable(name: "moat-watch", targets: ["moat-watch"]),
        .executable(name: "moat-lsp", targets: ["moat-lsp"]),
        .library(name: "MoatCore", targets: ["MoatCore"]),
        .library(name: "MoatReports", targets: ["MoatReports"]),
        .library(name: "MoatDiagram", targets: ["MoatDiagram"]),
        .library(name: "MoatInterop", targets: ["MoatInterop"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
        // `swift package generate-documentation`: the DocC catalogue in Sources/MoatCore/MoatCore.docc.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
    ],
    targets: [
        // The catalogues shipped with the tool (vocabulary, rules, maturity model, schema), and the snapshot
        // `moat` loads them from (catalogue.snapshot, written by moat-catalogue-snapshot; CatalogueSnapshot.swift).
        .target(
            name: "BundledModels",
            path: "Models",
            resources: [
                .copy("vocabulary.yaml"), .copy("rules"), .copy("maturity"), .copy("moat.schema.json"),
                .copy("catalogue.snapshot"),
            ]
        ),
        // The pipeline, one module per stage; each imports only the stages before it (DESIGN §2):
        // text → MoatSyntax → MoatModel → MoatRules → MoatAnalysis → reports and diagrams.
        // Text layouts shared by every output: JSON, markup escaping, terminal-safe text.
        .target(name: "MoatText"),
        // Source files, positions, diagnostics and their rendering, suggestions.
        .target(name: "MoatSource", dependencies: ["MoatText"]),
        // Lexer, parser and syntax tree of the Moat language; the YAML/JSON model reader.
        .target(name: "MoatSyntax", dependencies: ["MoatSource", "MoatText", "Yams"]),
        // The vocabulary, semantics (names, types, includes), the resolved model and its graph; `moat fmt`.
        .target(name: "MoatModel", dependencies: ["MoatSyntax", "MoatSource", "MoatText", "Yams"]),
        // The maturity model, the rule condition language, rules and the catalogue that holds them.
        .target(name: "MoatRules", dependencies: ["MoatModel", "MoatSyntax", "MoatSource", "MoatText", "BundledModels", "Yams"]),
        // The analysis: findings, severity, tracking, maturity assessment, attack paths, diffs, rule examples.
        .target(name: "MoatAnalysis", dependencies: ["MoatRules", "MoatModel", "MoatSyntax", "MoatSource", "MoatText"]),
        // The library as one import (the stages above, re-exported).
        .target(name: "MoatCore", dependencies: ["MoatAnalysis", "MoatRules", "MoatModel", "MoatSyntax", "MoatSource", "MoatText"]),
        // The system Graphviz library (apt libgraphviz-dev, brew graphviz), through a thin shim header.
        .systemLibrary(
            name: "CGraphviz",
            pkgConfig: "libgvc",
            providers: [.apt(["libgraphviz-dev"]), .brew(["graphviz"])]
        ),
        // DOT building (pure Swift, all DOT escaping) and the one actor that calls Graphviz.
        .target(name: "MoatDiagram", dependencies: pipeline + ["CGraphviz"]),
        // One writer per output format; all escaping of user text lives here, per format.
        .target(name: "MoatReports", dependencies: pipeline),
        // Importers (Threagile, OWASP Threat Dragon, Open Threat Model) and the OTM exporter.
        .target(name: "MoatInterop", dependencies: pipeline + ["Yams"]),
        // The live workbench behind `moat watch`: a loopback HTTP server (its own, on FlyingFox's FlyingSocks
        // sockets) and a file poller.
        .target(name: "MoatWatch", dependencies: pipeline + ["MoatReports", "MoatDiagram", "MoatWatchHTTP",
                                                  .product(name: "FlyingSocks", package: "FlyingFox")],
                exclude: ["HTTP"]),
        // What the watch server decides before any route runs: the bounded request-head reader and the
        // token/Host/Origin policy. Pure Swift with no dependencies, so that moat-watch-fuzz builds it alone.
        .target(name: "MoatWatchHTTP", path: "Sources/MoatWatch/HTTP"),
        // The language server behind `moat lsp` (LSP 3.17 over stdio; JSON-RPC framing and types of its own).
        .target(name: "MoatLSP", dependencies: pipeline),
        // What both programs share: options, command errors, console output (colour), exit codes, `main`.
        .target(name: "MoatCommandSupport", dependencies: pipeline + ["MoatInterop", "MoatDiagram",
                                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // The command-line tool: one file per subcommand. Build releases with `--static-swift-stdlib`:
        // a `moat` linked dynamically to the Swift runtime and Foundation spends about 5 ms of every run loading them.
        .executableTarget(
            name: "moat",
            dependencies: pipeline + ["MoatReports", "MoatDiagram", "MoatInterop", "MoatCommandSupport",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // `moat watch`, a program of its own so that only it links the HTTP server and FoundationNetworking.
        .executableTarget(
            name: "moat-watch",
            dependencies: pipeline + ["MoatWatch", "MoatCommandSupport", "MoatInterop",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // `moat lsp`, a program of its own so that the server's code adds nothing to the start of other commands.
        .executableTarget(
            name: "moat-lsp",
            dependencies: pipeline + ["MoatLSP", "MoatCommandSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Writes Models/catalogue.snapshot from Models/*.yaml with the catalogue's own loaders; run it after
        // editing Models/ (`--check` says whether the snapshot is current; CatalogueSnapshotTests fails if not).
        .executableTarget(name: "moat-catalogue-snapshot", dependencies: ["MoatRules", "MoatModel", "MoatSyntax", "MoatSource", "MoatText"]),
        // In-process stage timings: swift run -c release moat-bench FILE.
        .executableTarget(name: "moat-bench", dependencies: pipeline + ["MoatReports", "MoatDiagram"],
                          path: "Benchmarks/MoatBench"),
        // libFuzzer target (Benchmarks/Fuzz, docs/fuzzing.md): a corpus replayer in normal builds; with
        // `swift build --product moat-fuzz --sanitize=fuzzer --sanitize=address` libFuzzer supplies `main`.
        .executableTarget(name: "moat-fuzz", dependencies: pipeline + ["MoatReports", "MoatInterop"],
                          path: "Benchmarks/Fuzz", exclude: ["moat.dict", "import.dict", "run.sh", "Watch"]),
        // The same for the watch server's request handling: bytes as a request head, through the head
        // reader and the request policy (Benchmarks/Fuzz/Watch, docs/fuzzing.md).
        .executableTarget(name: "moat-watch-fuzz", dependencies: ["MoatWatchHTTP"], path: "Benchmarks/Fuzz/Watch",
                          exclude: ["watch.dict", "run.sh"]),
        // How the tests run other programs (moat, python3, git): one runner for every test target.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "MoatCoreTests", dependencies: pipeline + ["MoatReports", "TestSupport"]),
        .testTarget(name: "MoatReportsTests", dependencies: pipeline + ["MoatReports", "TestSupport"]),
        .testTarget(name: "MoatDiagramTests", dependencies: pipeline + ["MoatDiagram", "MoatReports"], exclude: ["Golden"]),
        .testTarget(name: "MoatCLITests", dependencies: pipeline + ["MoatCommandSupport", "TestSupport"]),
        .testTarget(name: "MoatLSPTests", dependencies: pipeline + ["MoatLSP"]),
        .testTarget(name: "MoatWatchTests", dependencies: pipeline + ["MoatWatch", "MoatWatchHTTP"]),
        .testTarget(name: "MoatInteropTests", dependencies: pipeline + ["MoatInterop", "MoatDiagram", "TestSupport"]),
    ]
)

// `moat mcp` (docs/mcp.md): the Model Context Protocol server on the official MCP Swift SDK, in a program of its
// own so that the SDK adds nothing to the start of the other commands. MoatMCP reads only files under its root
// folder (ServerRoot) and calls the libraries through CoreAdapter.swift. Every target lists the pipeline's
// stages, not only the umbrella, so that an incremental build recompiles it when a stage changes.
let mcpPipeline: [Target.Dependency] = ["MoatCore", "MoatAnalysis", "MoatRules", "MoatModel", "MoatSyntax", "MoatSource", "MoatText"]
package.dependencies.append(.package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"))
package.products.append(.executable(name: "moat-mcp", targets: ["moat-mcp"]))
package.targets += [
    .target(name: "MoatMCP", dependencies: mcpPipeline + ["MoatReports", "MoatDiagram", "MoatInterop",
                                                          .product(name: "MCP", package: "swift-sdk")]),
    .executableTarget(name: "moat-mcp", dependencies: mcpPipeline + ["MoatMCP", "MoatCommandSupport", .product(name: "MCP", package: "swift-sdk"),
                                                       .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    .testTarget(name: "MoatMCPTests", dependencies: mcpPipeline + ["MoatMCP", "MoatReports", "TestSupport",
                                                                   .product(name: "MCP", package: "swift-sdk")]),
]

// Release builds of Moat's own modules (docs/performance.md, round 7):
// - `-disable-concrete-type-metadata-mangled-name-accessors`: Swift otherwise names the metadata of a concrete
//   generic type (`[ElementKind: CompiledCondition]`, `Set<Int>`) by a mangled string that the runtime decodes on
//   first use, proving each requirement (`ElementKind: Hashable`) by scanning every protocol conformance in the
//   binary, about 6,200 in a static `moat`. With the flag the compiler passes the witness tables it knows.
// - `-cross-module-optimization`: generic and small functions of one module specialise and inline in the next.
// SwiftPM 6.2 and later accept a dependency with unsafe flags when its manifest's tools version is 6.2 or later,
// so the libraries stay usable as a dependency.
let releaseSettings: [SwiftSetting] = [
    .unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors", "-cross-module-optimization"],
                 .when(configuration: .release)),
]
for target in package.targets where target.type != .test && target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + releaseSettings
}
