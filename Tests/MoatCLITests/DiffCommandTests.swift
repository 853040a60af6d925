import Foundation
import TestSupport
import Testing

private let baseModel = (try? String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/diff-shop.moat"), encoding: .utf8)) ?? ""

/// The base model with the database exposed to the internet and no longer encrypted at rest.
private let exposedModel = baseModel.replacingOccurrences(of: "stores customer; encrypted-at-rest",
                                                          with: "stores customer; internet-facing")

/// Runs git in a directory; the test fails when git does.
@discardableResult
private func git(_ arguments: [String], in directory: URL, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> String {
    let environment = ["GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
                       "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
                       "GIT_CONFIG_NOSYSTEM": "1", "HOME": directory.path]
    let outcome = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["git"] + arguments, in: directory,
                                 environment: environment, mergeOutput: true)
    let text = outcome.stdout
    #expect(outcome.status == 0, "git \(arguments.joined(separator: " ")): \(text)", sourceLocation: sourceLocation)
    return text
}

/// A temporary git repository with two commits of `models/shop.moat` (which includes `data.moat`):
/// the base model, then the exposed one with a renamed data asset in the included file.
private func twoCommitRepository() throws -> TempDir {
    let dir = try TempDir()
    try FileManager.default.createDirectory(at: dir.file("models"), withIntermediateDirectories: true)
    try git(["init", "-q"], in: dir.url)
    let include = "include \"data.moat\"\n"
    try dir.write("models/shop.moat", include + baseModel.replacingOccurrences(of: "data customer \"Customer profile\" { classification confidential; pii }\n", with: ""))
    try dir.write("models/data.moat", "data customer \"Customer profile\" { classification confidential; pii }\n")
    try git(["add", "."], in: dir.url)
    try git(["commit", "-q", "-m", "first"], in: dir.url)
    try dir.write("models/shop.moat", include + exposedModel.replacingOccurrences(of: "data customer \"Customer profile\" { classification confidential; pii }\n", with: ""))
    try dir.write("models/data.moat", "data customer \"Customer record\" { classification confidential; pii }\n")
    try git(["commit", "-q", "-a", "-m", "second"], in: dir.url)
    return dir
}

@Suite("moat diff", .serialized)
struct DiffCommandTests {
    @Test func twoFilesAsText() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("old.moat", baseModel)
        try dir.write("new.moat", exposedModel)
        let run = try moat(["diff", "old.moat", "new.moat", "--as-of", "2026-01-01"], in: dir.url)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.crashed)
        #expect(run.stdout.hasPrefix("Shop: old.moat → new.moat\n"), "\(run.stdout)")
        #expect(run.stdout.contains("new threats ("))
        #expect(run.stdout.contains("public-datastore@db"))
        #expect(run.stdout.contains("reopened"))
        #expect(run.stdout.contains("  ~ datastore db \"Orders DB\"\n      -encrypted-at-rest\n      +internet-facing\n"))
        #expect(run.stderr.isEmpty, "\(run.stderr)")
    }

    @Test("a lowered declared maturity level is flagged and gates like the worst gap it defers")
    func loweredDeclaredLevel() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let declared = try #require(baseModel.range(of: #"maturity \d"#, options: .regularExpression))
        try dir.write("old.moat", baseModel.replacingCharacters(in: declared, with: "maturity 3"))
        try dir.write("new.moat", baseModel.replacingCharacters(in: declared, with: "maturity 1"))
        let run = try moat(["diff", "old.moat", "new.moat", "--as-of", "2026-01-01", "--fail-on-new", "medium"], in: dir.url)
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("  ! declared maturity lowered from 3 to 1: "), "\(run.stdout)")
        #expect(run.stdout.contains("become roadmap items; nothing was fixed"))
        #expect(run.stderr.contains("moat diff: declared maturity lowered from 3 to 1"))
        let json = try moat(["diff", "old.moat", "new.moat", "--as-of", "2026-01-01", "--format", "json"], in: dir.url)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let lowered = try #require((object["summary"] as? [String: Any])?["loweredDeclaredLevel"] as? [String: Any])
        #expect(lowered["old"] as? Int == 3 && lowered["new"] as? Int == 1 && !((lowered["gapsDeferred"] as? [String]) ?? []).isEmpty)
        // Raising it back is not flagged.
        let raised = try moat(["diff", "new.moat", "old.moat", "--as-of", "2026-01-01", "--fail-on-new", "low"], in: dir.url)
        #expect(!raised.stdout.contains("lowered"))
    }

    @Test func identicalFilesExitZeroEvenWithTheGate() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("a.moat", baseModel)
        try dir.write("b.moat", baseModel)
        let run = try moat(["diff", "a.moat", "b.moat", "--fail-on-new", "low"], in: dir.url)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("threats: no change in open threats"))
        #expect(run.stdout.contains("model: no model changes"))
    }

    @Test func failOnNew() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("old.moat", baseModel)
        try dir.write("new.moat", exposedModel)
        let high = try moat(["diff", "old.moat", "new.moat", "--fail-on-new", "high", "--format", "markdown"], in: dir.url)
        #expect(high.status == 1, "\(high.stderr)")
        #expect(high.stdout.hasPrefix("### Threat model diff: Shop\n"))
        #expect(high.stderr.contains("new open threats at or above high: "), "\(high.stderr)")
        #expect(high.stderr.contains("public-datastore@db (critical)"))
        // The reverse change only closes threats: nothing new to fail on.
        let reverse = try moat(["diff", "new.moat", "old.moat", "--fail-on-new", "low"], in: dir.url)
        #expect(reverse.status == 0, "\(reverse.stderr)")
        #expect(reverse.stdout.contains("resolved"))
    }

    @Test func jsonOutputToAFile() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("old.moat", baseModel)
        try dir.write("new.moat", exposedModel)
        let run = try moat(["diff", "old.moat", "new.moat", "--format", "json", "-o", "diff.json"], in: dir.url)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.isEmpty)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(try dir.read("diff.json").utf8)) as? [String: Any])
        let findings = try #require(object["findings"] as? [String: Any])
        #expect((findings["opened"] as? [String])?.contains("public-datastore@db") == true)
        #expect((findings["opened"] as? [String])?.contains("regulated-data-at-rest-unencrypted@db") == true)
    }

    @Test func invalidInputExitsTwo() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try dir.write("old.moat", baseModel)
        try dir.write("bad.moat", "proces web\n")
        let bad = try moat(["diff", "old.moat", "bad.moat"], in: dir.url)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("bad.moat:1:1: error: unknown keyword 'proces'"), "\(bad.stderr)")
        #expect(bad.stderr.contains("moat: error: bad.moat does not load"))
        let missing = try moat(["diff", "old.moat", "nope.moat"], in: dir.url)
        #expect(missing.status == 2)
        let one = try moat(["diff", "old.moat"], in: dir.url)
        #expect(one.status == 2)
        #expect(one.stderr.contains("give OLD and NEW model files, or one FILE with --rev A..B"), "\(one.stderr)")
        let notRepo = try moat(["diff", "old.moat", "--rev", "HEAD"], in: dir.url)
        #expect(notRepo.status == 2)
        #expect(notRepo.stderr.contains("is not in a git repository"), "\(notRepo.stderr)")
    }

    @Test func helpHasAnExample() throws {
        let run = try moat(["diff", "--help"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("Example:\n  moat diff shop.moat --rev origin/main...HEAD --format markdown"), "\(run.stdout)")
        #expect(run.stdout.contains("--fail-on-new <SEVERITY>"))
    }

    // MARK: git revisions

    @Test func revisionRange() throws {
        let dir = try twoCommitRepository()
        defer { dir.cleanup() }
        let run = try moat(["diff", "models/shop.moat", "--rev", "HEAD~1..HEAD"], in: dir.url)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("Shop: models/shop.moat at HEAD~1 → models/shop.moat at HEAD\n"), "\(run.stdout)")
        #expect(run.stdout.contains("public-datastore@db"))
        // The included file is read at each revision too.
        #expect(run.stdout.contains("  ~ data customer \"Customer record\"\n      renamed \"Customer profile\" → \"Customer record\"\n"),
                "\(run.stdout)")
        let gated = try moat(["diff", "models/shop.moat", "--rev", "HEAD~1..HEAD", "--fail-on-new", "critical"], in: dir.url)
        #expect(gated.status == 1, "\(gated.stderr)")
    }

    @Test func revisionFromASubfolder() throws {
        let dir = try twoCommitRepository()
        defer { dir.cleanup() }
        let run = try moat(["diff", "shop.moat", "--rev", "HEAD~1..HEAD", "--format", "json"], in: dir.file("models"))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\"label\": \"shop.moat at HEAD~1\""))
    }

    @Test func revisionAgainstTheWorkingTree() throws {
        let dir = try twoCommitRepository()
        defer { dir.cleanup() }
        // Uncommitted: the database is encrypted again.
        try dir.write("models/shop.moat", try dir.read("models/shop.moat")
            .replacingOccurrences(of: "stores customer; internet-facing", with: "stores customer; internet-facing; encrypted-at-rest"))
        let run = try moat(["diff", "models/shop.moat", "--rev", "HEAD"], in: dir.url)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("Shop: models/shop.moat at HEAD → models/shop.moat (working tree)\n"), "\(run.stdout)")
        #expect(run.stdout.contains("      +encrypted-at-rest\n"))
        #expect(run.stdout.contains("resolved"))
        #expect(!run.stdout.contains("+internet-facing"))
    }

    @Test func badRevisionExitsTwo() throws {
        let dir = try twoCommitRepository()
        defer { dir.cleanup() }
        let unknown = try moat(["diff", "models/shop.moat", "--rev", "no-such-branch..HEAD"], in: dir.url)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("moat: error: unknown revision 'no-such-branch'"), "\(unknown.stderr)")
        let tooFar = try moat(["diff", "models/shop.moat", "--rev", "HEAD~7"], in: dir.url)
        #expect(tooFar.status == 2)
        let option = try moat(["diff", "models/shop.moat", "--rev=--output=x"], in: dir.url)
        #expect(option.status == 2)
        #expect(!FileManager.default.fileExists(atPath: dir.file("x").path))
        let missing = try moat(["diff", "models/other.moat", "--rev", "HEAD~1..HEAD"], in: dir.url)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("moat: error: 'models/other.moat' does not exist at revision 'HEAD~1'"), "\(missing.stderr)")
        let twoFiles = try moat(["diff", "models/shop.moat", "models/data.moat", "--rev", "HEAD"], in: dir.url)
        #expect(twoFiles.status == 2)
    }
}
