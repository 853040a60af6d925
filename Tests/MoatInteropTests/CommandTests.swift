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
        #expect(first.stderr.contains("warning: technical asset 'erp-system': not mapped: technology (erp)"))
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
