import Foundation
import TestSupport
import Testing

// The CI integration files cannot run here (no GitHub runner, no pre-commit), so these tests run what they
// would run: the shell steps of action.yml, with the action's inputs substituted as GitHub would, and each
// hook of .pre-commit-hooks.yaml as pre-commit would (entry, then args, then the staged file names), all
// against the built `moat`. The YAML is read with python3 + PyYAML.

/// A YAML file of the package as JSON-like values.
private func yamlFile(_ name: String) throws -> Any {
    let outcome = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), [
        "python3", "-c", "import json,sys,yaml; json.dump(yaml.safe_load(open(sys.argv[1], encoding='utf-8')), sys.stdout)",
        packageRoot.appendingPathComponent(name).path,
    ])
    try #require(outcome.status == 0, "cannot read \(name): \(outcome.stderr)")
    return try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8))
}

/// The composite action in action.yml: its inputs, and its steps run the way a runner runs them.
private struct CompositeAction {
    let inputs: [String: [String: Any]]
    let steps: [[String: Any]]

    init() throws {
        let action = try #require(try yamlFile("action.yml") as? [String: Any])
        inputs = try #require(action["inputs"] as? [String: [String: Any]])
        let runs = try #require(action["runs"] as? [String: Any])
        #expect(runs["using"] as? String == "composite")
        steps = try #require(runs["steps"] as? [[String: Any]])
    }

    func step(_ id: String) throws -> [String: Any] {
        try #require(steps.first { $0["id"] as? String == id }, "action.yml has no step with id '\(id)'")
    }

    /// Evaluates the `${{ … }}` expressions this action uses: `inputs.NAME` (given, else the input's
    /// default), `steps.ID.outputs.NAME` and `a || b`.
    func expand(_ text: String, inputs given: [String: String], outputs: [String: String]) throws -> String {
        let pattern = try NSRegularExpression(pattern: #"\$\{\{\s*(.*?)\s*\}\}"#)
        var result = text
        for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).reversed() {
            let expression = String(text[Range(match.range(at: 1), in: text)!])
            var value = ""
            for alternative in expression.components(separatedBy: "||").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                if alternative.hasPrefix("inputs.") {
                    let name = String(alternative.dropFirst("inputs.".count))
                    let declared = try #require(inputs[name], "action.yml uses undeclared input '\(name)'")
                    value = given[name] ?? (declared["default"] as? String ?? "")
                } else if alternative.hasPrefix("steps.") {
                    value = outputs[alternative] ?? ""
                } else {
                    Issue.record("unexpected expression in a shell step's env: \(expression)")
                }
                if !value.isEmpty { break }
            }
            result.replaceSubrange(Range(match.range, in: result)!, with: value)
        }
        return result
    }

    /// Runs a shell step as GitHub runs `shell: bash` (bash --noprofile --norc -eo pipefail FILE) in
    /// `directory`, with its env expanded; returns the exit status, the output and what it wrote to
    /// $GITHUB_OUTPUT.
    func run(_ id: String, inputs given: [String: String], outputs: [String: String] = [:],
             environment extra: [String: String] = [:],
             in directory: TempDir) throws -> (status: Int32, log: String, outputs: [String: String]) {
        let step = try step(id)
        #expect(step["shell"] as? String == "bash")
        let script = try #require(step["run"] as? String)
        #expect(!script.contains("${{"), "step '\(id)' puts an expression into its script; pass it through env")
        var environment: [String: String] = ["RUNNER_OS": "Linux", "RUNNER_TEMP": directory.url.path]
        environment.merge(extra) { _, new in new }
        for (name, value) in step["env"] as? [String: Any] ?? [:] {
            environment[name] = try expand("\(value)", inputs: given, outputs: outputs)
        }
        let scriptFile = directory.file("step-\(id).sh"), outputFile = directory.file("github-output-\(id)")
        try Data(script.utf8).write(to: scriptFile)
        try Data().write(to: outputFile)
        environment["GITHUB_OUTPUT"] = outputFile.path
        let outcome = try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                     ["bash", "--noprofile", "--norc", "-eo", "pipefail", scriptFile.path],
                                     in: directory.url, environment: environment, mergeOutput: true, timeLimit: 120)
        var written: [String: String] = [:]
        for line in try String(contentsOf: outputFile, encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { written["steps.\(id).outputs.\(parts[0])"] = String(parts[1]) }
        }
        return (outcome.status, outcome.stdout, written)
    }
}

/// Checks that `path` is a SARIF 2.1.0 log with results, and returns how many.
private func sarifResults(_ path: URL) throws -> Int {
    try #require(FileManager.default.fileExists(atPath: path.path), "no SARIF file was written at \(path.path)")
    let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: path)) as? [String: Any],
                              "\(path.lastPathComponent) is not a JSON object")
    #expect(object["version"] as? String == "2.1.0")
    let runs = try #require(object["runs"] as? [[String: Any]])
    let results = try #require(runs.first?["results"] as? [Any])
    return results.count
}

@Suite("CI integration files")
struct CIIntegrationTests {
    /// A work tree with two sample models under models/, as a repository using the action would have.
    private func workTree() throws -> TempDir {
        let dir = try TempDir()
        try FileManager.default.createDirectory(at: dir.file("models"), withIntermediateDirectories: true)
        for name in ["online-shop.moat", "iot-fleet.moat"] {
            try FileManager.default.copyItem(at: packageRoot.appendingPathComponent("Samples/\(name)"),
                                             to: dir.file("models/\(name)"))
        }
        return dir
    }

    private var moatPath: String {
        get throws { try #require(BuiltBinary.url("moat"), "build moat first (swift build --build-tests)").path }
    }

    @Test("action.yml declares the inputs and uploads SARIF with codeql-action")
    func actionShape() throws {
        let action = try CompositeAction()
        for input in ["models", "fail-on", "baseline", "sarif"] {
            #expect(action.inputs[input]?["description"] is String, "input \(input)")
        }
        #expect(action.inputs["models"]?["required"] as? Bool == true)
        #expect(action.inputs["fail-on"]?["default"] as? String == "high")
        let upload = try #require(action.steps.first { ($0["uses"] as? String)?.hasPrefix("github/codeql-action/upload-sarif@") == true })
        #expect((upload["with"] as? [String: Any])?["sarif_file"] as? String == "${{ steps.check.outputs.sarif }}")
        #expect((upload["if"] as? String)?.contains("always()") == true, "SARIF is uploaded even when the check fails")
        // The check step runs moat check with the four inputs.
        let script = try #require(try action.step("check")["run"] as? String)
        #expect(script.contains(#""$MOAT" check "${models[@]}" --fail-on "$MOAT_FAIL_ON" --sarif "$MOAT_SARIF" "${baseline[@]}""#))
        // The Swift it installs to build moat is the oldest that reads the manifest: its tools version.
        let manifest = try String(contentsOf: packageRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        let toolsVersion = try #require(manifest.split(separator: "\n").first?.split(separator: ":").last)
        #expect(action.inputs["swift-version"]?["default"] as? String == String(toolsVersion))
    }

    @Test("the action's steps: findings fail the job after the SARIF is written; a baseline lets it pass")
    func actionRuns() throws {
        let action = try CompositeAction()
        let dir = try workTree()
        defer { dir.cleanup() }
        let moat = try moatPath

        // Find moat: an explicit binary is used as it is.
        let found = try action.run("find", inputs: ["models": "models/*.moat", "moat": moat], in: dir)
        #expect(found.status == 0, "\(found.log)")
        #expect(found.outputs["steps.find.outputs.path"] == moat)
        #expect(found.outputs["steps.find.outputs.build"] == nil)

        // Findings at or above high: the step itself succeeds (so that the SARIF upload runs), records exit 1.
        let gated = try action.run("check", inputs: ["models": "models/*.moat"], outputs: found.outputs, in: dir)
        #expect(gated.status == 0, "\(gated.log)")
        #expect(gated.outputs["steps.check.outputs.exit-code"] == "1", "\(gated.log)")
        #expect(gated.outputs["steps.check.outputs.sarif"] == "moat.sarif")
        #expect(gated.log.contains("error: [high]"), "gating findings are printed: \(gated.log)")
        #expect(try sarifResults(dir.file("moat.sarif")) > 0)

        // The last step fails the job with moat's status.
        let fail = try action.run("fail", inputs: ["models": "models/*.moat"], outputs: gated.outputs, in: dir)
        #expect(fail.status == 1)
        #expect(fail.log.contains("::error::moat check: open findings at or above high"))

        // With a baseline of today's findings, the same models pass; the SARIF file is still written.
        let written = try runBuilt("moat", ["check", "models/online-shop.moat", "models/iot-fleet.moat",
                                            "--write-baseline", ".moat-baseline.json"], in: dir.url)
        #expect(written.status == 1)
        let passing = try action.run("check", inputs: ["models": "models/online-shop.moat models/iot-fleet.moat",
                                                       "baseline": ".moat-baseline.json", "sarif": "out/moat.sarif",
                                                       "fail-on": "medium"],
                                     outputs: found.outputs, in: dir)
        // out/ does not exist yet: the step creates the SARIF file's folder.
        #expect(passing.status == 0, "\(passing.log)")
        #expect(passing.outputs["steps.check.outputs.exit-code"] == "0", "\(passing.log)")
        #expect(passing.log.contains("in the baseline"), "\(passing.log)")
        #expect(try sarifResults(dir.file("out/moat.sarif")) > 0, "baselined findings stay in SARIF")
        #expect(try String(contentsOf: dir.file("out/moat.sarif"), encoding: .utf8).contains("\"baselineState\""))

        // A pattern that matches nothing fails the step (no silent pass on an empty set of models).
        let none = try action.run("check", inputs: ["models": "model/*.moat"], outputs: found.outputs, in: dir)
        #expect(none.status == 2)
        #expect(none.log.contains("no model file matches 'model/*.moat'"))

        // Invalid input: exit 2 recorded, no SARIF claimed.
        try Data("model \"Broken\" {\n  maturity 9\n}\n".utf8).write(to: dir.file("models/broken.moat"))
        let broken = try action.run("check", inputs: ["models": "models/broken.moat", "sarif": "broken.sarif"],
                                    outputs: found.outputs, in: dir)
        #expect(broken.status == 0)
        #expect(broken.outputs["steps.check.outputs.exit-code"] == "2", "\(broken.log)")
    }

    @Test("the action's find step: a release archive is downloaded and unpacked; otherwise moat is built")
    func actionFindsMoat() throws {
        let action = try CompositeAction()
        let dir = try workTree()
        defer { dir.cleanup() }
        // A release archive as download-url describes it: moat and its catalogues, here from this build.
        let binary = try #require(BuiltBinary.url("moat"))
        let archive = dir.file("moat-release.tar.gz")
        let packed = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), [
            "tar", "-czf", archive.path, "-C", binary.deletingLastPathComponent().path, "moat", "Moat_BundledModels.resources",
        ])
        try #require(packed.status == 0, "\(packed.stderr)")
        let found = try action.run("find", inputs: ["models": "models/*.moat", "download-url": archive.absoluteString], in: dir)
        #expect(found.status == 0, "\(found.log)")
        let path = try #require(found.outputs["steps.find.outputs.path"], "\(found.log)")
        #expect(path.hasPrefix(dir.url.path) && path.hasSuffix("/moat"))
        // The unpacked moat finds its catalogues: the check runs as with the built one.
        let checked = try action.run("check", inputs: ["models": "models/online-shop.moat"], outputs: found.outputs, in: dir)
        #expect(checked.outputs["steps.check.outputs.exit-code"] == "1", "\(checked.log)")

        // Neither: build from source, installing Swift only when the runner's is older than swift-version.
        let build = try action.run("find", inputs: ["models": "models/*.moat"], in: dir)
        #expect(build.outputs["steps.find.outputs.build"] == "true", "\(build.log)")
        #expect(build.outputs["steps.find.outputs.setup-swift"] == nil, "this machine's Swift is new enough: \(build.log)")
        let bin = dir.file("old-swift")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try Data("#!/bin/sh\necho 'Swift version 5.10.1 (swift-5.10.1-RELEASE)'\n".utf8).write(to: bin.appendingPathComponent("swift"))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin.appendingPathComponent("swift").path)
        let path0 = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let old = try action.run("find", inputs: ["models": "models/*.moat"], environment: ["PATH": "\(bin.path):\(path0)"], in: dir)
        #expect(old.outputs["steps.find.outputs.setup-swift"] == "true", "\(old.log)")
        #expect(action.steps.contains { ($0["uses"] as? String)?.hasPrefix("swift-actions/setup-swift@") == true
            && ($0["if"] as? String)?.contains("steps.find.outputs.setup-swift == 'true'") == true })

        // A binary that does not exist is an error, not a silent build.
        let missing = try action.run("find", inputs: ["models": "models/*.moat", "moat": dir.file("nope").path], in: dir)
        #expect(missing.status == 2)
        #expect(missing.log.contains("is not an executable"))
    }

    /// The hooks of .pre-commit-hooks.yaml, by id.
    private func hooks() throws -> [String: [String: Any]] {
        let list = try #require(try yamlFile(".pre-commit-hooks.yaml") as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: list.compactMap { hook in (hook["id"] as? String).map { ($0, hook) } })
    }

    /// Runs a hook as pre-commit does: the entry's words, the hook's args plus `extra`, then the file names.
    private func runHook(_ hook: [String: Any], extra: [String] = [], files: [String], in dir: TempDir) throws -> Run {
        let entry = try #require(hook["entry"] as? String).split(separator: " ").map(String.init)
        #expect(entry.first == "moat", "a language: system hook runs the moat on PATH")
        let args = (hook["args"] as? [String] ?? []) + extra
        return try runBuilt("moat", Array(entry.dropFirst()) + args + files, in: dir.url)
    }

    @Test("pre-commit hooks: moat-check gates on findings, moat-fmt on layout")
    func preCommitHooks() throws {
        let hooks = try hooks()
        let check = try #require(hooks["moat-check"]), fmt = try #require(hooks["moat-fmt"])
        for hook in [check, fmt] {
            #expect(["system", "script"].contains(hook["language"] as? String ?? ""))
            let files = try NSRegularExpression(pattern: try #require(hook["files"] as? String))
            func matches(_ s: String) -> Bool { files.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil }
            #expect(matches("models/shop.moat") && !matches("models/shop.moat.bak") && !matches("action.yml"))
        }
        let dir = try workTree()
        defer { dir.cleanup() }
        let models = ["models/online-shop.moat", "models/iot-fleet.moat"]

        let gated = try runHook(check, files: models, in: dir)
        #expect(gated.status == 1, "\(gated.stderr)")
        #expect(gated.stderr.contains("models/online-shop.moat:") && gated.stderr.contains("error: [high]"))
        #expect(try runBuilt("moat", ["check"] + models + ["--write-baseline", "baseline.json"], in: dir.url).status == 1)
        let baselined = try runHook(check, extra: ["--baseline", "baseline.json"], files: models, in: dir)
        #expect(baselined.status == 0, "\(baselined.stderr)")

        let formatted = try runHook(fmt, files: models, in: dir)
        #expect(formatted.status == 0, "\(formatted.stdout)\(formatted.stderr)")
        try Data("model \"Tiny\"{owner \"me\"}\nactor a \"A\"  # the user\n".utf8).write(to: dir.file("models/tiny.moat"))
        let unformatted = try runHook(fmt, files: models + ["models/tiny.moat"], in: dir)
        #expect(unformatted.status == 1)
        #expect((unformatted.stdout + unformatted.stderr).contains("models/tiny.moat"))
        #expect(!(unformatted.stdout + unformatted.stderr).contains("online-shop"))
        // --check writes nothing.
        #expect(try dir.read("models/tiny.moat").hasPrefix("model \"Tiny\"{owner"))
    }
}
