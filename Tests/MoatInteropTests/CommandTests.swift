import Foundation
import MoatCore
import Testing

/// `moat import`, `moat export`, and the other commands reading foreign files directly (runs the built binary).
@Suite(.serialized) struct CommandTests {
    @Test func importWritesCanonicalMoatAndNeverOverwrites() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("example.moat").path
        let first = try moat(["import", Shared.path("threagile/example.yaml"), "-o", out])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("wrote \(out): 14 elements, 20 flows, 5 boundaries, 12 data assets;"))
        #expect(first.stderr.contains("warning: communication link 'backoffice-client>erp-internal-access': not mapped: tags (some-erp)"))
        let written = try String(contentsOfFile: out, encoding: .utf8)
        let check = try moat(["fmt", "--check", out])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(try moat(["validate", out]).status == 0)

        try "keep me\n".write(toFile: out, atomically: true, encoding: .utf8)
        let again = try moat(["import", Shared.path("threagile/example.yaml"), "-o", out])
        #expect(again.status == 2)
        #expect(again.stderr.contains("already exists; use --force"))
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "keep me\n")
        let forced = try moat(["import", Shared.path("threagile/example.yaml"), "-o", out, "--force"])
        #expect(forced.status == 0)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == written)
    }

    @Test func importToStandardOutputAndWithAnExplicitFormat() throws {
        let r = try moat(["import", Shared.path("otm/EXAMPLE.yaml"), "--from", "otm"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("model \"Test project\" {"))
        let wrong = try moat(["import", Shared.path("otm/EXAMPLE.yaml"), "--from", "threagile"])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("not a Threagile model"))
    }

    @Test func aMalformedFileExitsWithStatus2() throws {
        for command in [["import"], ["validate"], ["analyze"]] {
            let r = try moat(command + [Shared.path(Shared.malformed)])
            #expect(r.status == 2, "\(command)")
            #expect(r.stderr.contains("error: not a valid Threat Dragon model: no 'detail'; found 'details'"))
        }
    }

    @Test func analyzeValidateAndDiagramReadForeignFilesDirectly() throws {
        let analyze = try moat(["analyze", Shared.path("threat-dragon/v2-threat-model.json"), "--format", "json", "--as-of", asOf])
        #expect(analyze.status == 0, "\(analyze.stderr)")
        #expect(analyze.stdout.contains("\"secrets-at-rest-unprotected@worker-config\""))
        let validate = try moat(["validate", Shared.path("otm/mobile-cloud.otm.json")])
        #expect(validate.status == 0)
        #expect(validate.stdout.contains("ok — 4 elements, 6 flows, 2 boundaries"))
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let dot = folder.appendingPathComponent("example.dot").path
        let diagram = try moat(["diagram", Shared.path("threagile/example.yaml"), "-o", dot, "--as-of", asOf])
        #expect(diagram.status == 0, "\(diagram.stderr)")
        #expect(FileManager.default.fileExists(atPath: dot))
    }

    @Test func exportWritesSchemaValidOTM() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("shop.otm.json")
        let sample = Shared.packageRoot.appendingPathComponent("Samples/online-shop.moat").path
        let r = try moat(["export", sample, "--to", "otm", "-o", out.path, "--as-of", asOf])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try validateWithJSONSchema(out, schema: Shared.schemas.appendingPathComponent("otm_schema.json")) == nil)
        let yaml = try moat(["export", sample, "--to", "otm", "--format", "yaml", "--no-threats", "--as-of", asOf])
        #expect(yaml.stdout.hasPrefix("otmVersion: 0.2.0\n"))
        #expect(!yaml.stdout.contains("\nthreats:"))
        // And back: the exported file imports to the same model.
        let back = try moat(["import", out.path, "-o", folder.appendingPathComponent("back.moat").path])
        #expect(back.status == 0, "\(back.stderr)")
    }

    @Test(arguments: ["import", "export"])
    func helpHasAnExample(_ command: String) throws {
        let r = try moat([command, "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Example:"))
        #expect(r.stdout.contains("moat \(command) "))
    }
}

/// `moat import --trust`, empty models and refused files, through the binary.
@Suite(.serialized) struct ImportCommandOptionTests {
    @Test func trustChoicesOnTheCommandLine() throws {
        let wallet = Fixture.path("crypto-wallet-lines.json")
        let r = try moat(["import", wallet, "--trust", "Trust zone 1=dmz", "--trust", "ELECTRUM-WALLET=restricted"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("# trust dmz: set on import (--trust Trust zone 1=dmz)"))
        #expect(r.stdout.contains("# trust restricted: set on import (--trust ELECTRUM-WALLET=restricted)"))
        let alias = try moat(["import", wallet, "--trust", "zone-1=internet"])  // an alias of a level is accepted
        #expect(alias.status == 0)
        #expect(alias.stdout.contains("trust untrusted"))
        let bad = try moat(["import", wallet, "--trust", "zone-1=sorta"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("'sorta' is not a trust level"))
        let unknown = try moat(["import", wallet, "--trust", "nowhere=dmz"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("--trust nowhere=…: the model has no boundary with that id or name"))
        let malformed = try moat(["import", wallet, "--trust", "zone-1"])
        #expect(malformed.status == 2)
        #expect(malformed.stderr.contains("--trust takes ZONE=LEVEL"))
    }

    @Test func anEmptyModelImportsWithAWarningAndExitsZero() throws {
        let r = try moat(["import", Shared.path("otm/startleft/minimal_content.yaml")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("warning: the Open Threat Model file has no components"))
        #expect(r.stdout.contains("model \"Minimal Project\""))
        #expect(try moat(["validate", Shared.path("otm/startleft/minimal_content.yaml")]).status == 0)
    }

    @Test func threagilesAnalysisOutputAndIncludeCyclesExitWithStatus2() throws {
        let risks = try moat(["import", Fixture.path("threagile-risks.json")])
        #expect(risks.status == 2)
        #expect(risks.stderr.contains("error: this is Threagile's analysis output"))
        let cycle = try moat(["validate", Fixture.path("threagile-include-cycle/a.yaml")])
        #expect(cycle.status == 2)
        #expect(cycle.stderr.contains("error: include cycle: a.yaml -> b.yaml -> a.yaml"))
    }

    @Test func aTMBOMIsReadByEveryCommand() throws {
        let r = try moat(["import", Fixture.path("clinic.tmbom.json"), "--from", "tm-bom"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("threat appointment-idor"))
        let validate = try moat(["validate", Fixture.path("clinic.tmbom.json")])
        #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
    }
}
