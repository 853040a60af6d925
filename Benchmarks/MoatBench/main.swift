import Foundation
import MoatCore
import MoatDiagram
import MoatReports

// In-process stage timings (medians over repeated runs) for one model:
//   swift run -c release moat-bench FILE [--runs N] [--render]
// Stages: catalogue (vocabulary, maturity model and rules loaded and compiled), read+parse, resolve (semantic pass), graph, analyse, JSON report, DOT build, render (optional).

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Carries a duration out of the render task; written once before the semaphore is signalled.
final class Elapsed: @unchecked Sendable {
    var milliseconds = 0.0
    var failure: String?
}

/// The process's peak resident memory so far, in MiB: VmHWM on Linux (getrusage's maximum survives
/// exec, so a child of a large process would report its parent's peak), getrusage elsewhere.
func peakMiB() -> Double {
    if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
       let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
       let kB = Double(line.split(separator: " ").dropFirst().first ?? "") {
        return kB / 1024
    }
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// Peak memory after each stage of the first run: what each stage adds to the process's high-water mark.
var peaks: [String: Double] = [:]
var currentStage = ""

@MainActor func time(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    if peaks[currentStage] == nil { peaks[currentStage] = peakMiB() }
    return elapsed
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard let path = arguments.first, !path.hasPrefix("-") else {
    FileHandle.standardError.write(Data("usage: moat-bench FILE [--runs N] [--render]\n".utf8))
    exit(2)
}
var runs = 7
if let i = arguments.firstIndex(of: "--runs"), i + 1 < arguments.count, let n = Int(arguments[i + 1]) { runs = n }
let render = arguments.contains("--render")

let catalogue = try Catalogue.builtIn.get()
var stages: [String: [Double]] = [:]
var findings = 0, elements = 0
for _ in 0..<runs {
    currentStage = "catalogue"
    stages["catalogue", default: []].append(time { _ = try! Catalogue.load() })
    var file: SourceFile!
    var document: Document!
    currentStage = "read+parse"
    stages["read+parse", default: []].append(time {
        file = try! SourceLoader().load(path).get()
        document = Parser.parse(file).0
    })
    _ = document
    var result: LoadResult!
    currentStage = "parse+resolve"
    stages["parse+resolve", default: []].append(time { result = ModelLoader(catalogue: catalogue).load(file: file) })
    guard let model = result.model else { print("model has errors"); exit(2) }
    elements = model.elements.count
    var graph: ArchitectureGraph!
    currentStage = "graph"
    stages["graph", default: []].append(time { graph = ArchitectureGraph(model: model, vocabulary: catalogue.vocabulary) })
    var analysis: Analysis!
    currentStage = "analyse"
    stages["analyse", default: []].append(time {
        analysis = Analyzer(catalogue: catalogue).analyze(graph, options: AnalysisOptions(asOf: "2026-11-29"))
    })
    findings = analysis.findings.count
    currentStage = "json report"
    stages["json report", default: []].append(time {
        _ = JSONReportWriter().bytes(analysis)
    })
    var dot = ""
    currentStage = "dot build"
    stages["dot build", default: []].append(time {
        dot = try! DiagramBuilder(vocabulary: catalogue.vocabulary).build(analysis).write()
    })
    if render {
        // Detached: top-level code runs on the main actor, and a plain Task would wait for the main
        // thread that the semaphore blocks (a deadlock).
        let semaphore = DispatchSemaphore(value: 0)
        let elapsed = Elapsed()
        let dotText = dot
        Task.detached {
            let start = DispatchTime.now().uptimeNanoseconds
            do {
                _ = try await GraphvizRenderer.shared.render(dot: dotText, format: .svg, layout: .dot)
            } catch {
                elapsed.failure = "\(error)"
            }
            elapsed.milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            semaphore.signal()
        }
        semaphore.wait()
        if let failure = elapsed.failure { print("render failed: \(failure)"); exit(3) }
        stages["render svg", default: []].append(elapsed.milliseconds)
    }
}
print("\(path): \(elements) elements, \(findings) findings, median of \(runs) runs (ms); peak memory after the stage in the first run (MiB)")
for stage in ["catalogue", "read+parse", "parse+resolve", "graph", "analyse", "json report", "dot build", "render svg"] {
    if let xs = stages[stage] {
        print("  \(stage.padding(toLength: 14, withPad: " ", startingAt: 0)) \(String(format: "%9.1f", median(xs)))"
              + (peaks[stage].map { String(format: "   %7.0f MiB", $0) } ?? ""))
    }
}
