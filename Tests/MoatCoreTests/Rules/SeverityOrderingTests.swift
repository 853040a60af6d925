import Testing
import MoatCore

/// Severity that ranks what a reviewer fixes first (issue 14, point 4): small models written from first
/// principles, with the order of their top findings asserted. Each case says why a security architect
/// would rank it so; the severity model (docs/analysis.md, "Severity") must agree.
@Suite("Severity ordering")
struct SeverityOrderingTests {
    /// The open findings of a model, in the analysis order (worst first).
    func open(_ text: String) throws -> [Finding] {
        let catalogue = try Catalogue.builtIn.get()
        let result = ModelLoader(catalogue: catalogue).load(text: text)
        let model = try #require(result.model, "\(result.diagnostics.map(\.message))")
        return Analyzer(catalogue: catalogue).analyze(model, options: AnalysisOptions(asOf: "2026-11-29"))
            .findings.filter(\.isOpen)
    }

    func rank(_ id: String, in findings: [Finding], sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Int {
        try #require(findings.firstIndex { $0.id == id }, "no open finding \(id); have \(findings.map(\.id))",
                     sourceLocation: sourceLocation)
    }

    /// An internet-facing lock API that sends unlock commands to a door lock (physical harm), next to a
    /// reporting app whose SQL store holds internal usage statistics.
    static let smartLock = """
        model "Smart lock" { maturity 2 }
        boundary internet { trust untrusted; actor owner "Owner" { type user } }
        boundary cloud {
          process lock-api "Lock API" { type api; internet-facing }
          process reports "Reporting" { type web-app }
          datastore analytics "Analytics DB" { type sql; stores usage }
        }
        boundary home { process lock "Door lock" { type device; safety } }
        data usage "Usage statistics" { classification internal }
        data unlock "Unlock command" { classification confidential; integrity critical }
        owner -> lock-api "Unlock" { protocol https; carries unlock }
        owner -> reports "View usage" { protocol https }
        lock-api -> lock "Send unlock" { protocol mqtt; carries unlock }
        reports -> analytics "Query usage" { protocol postgres; carries usage }
        """

    @Test("an unauthenticated remote unlock ranks first, and above SQL injection into an internal statistics store")
    func unauthenticatedUnlockAboveInternalSQLInjection() throws {
        let findings = try open(Self.smartLock)
        // Anyone on the internet can open the door: exposed directly, integrity-critical command.
        #expect(findings.first?.id == "missing-authentication-entry-point@lock-api")
        #expect(findings.first?.severity == .critical)
        let sql = try rank("sql-injection@analytics", in: findings)
        #expect(try rank("missing-authentication-entry-point@lock-api", in: findings) < sql)
        // Forged commands to a device that can hurt someone rank above the statistics store too.
        #expect(try rank("forged-device-commands@lock-api->lock", in: findings) < sql)
        #expect(findings[sql].severity < .critical, "internal statistics, two hops in: not critical")
    }

    /// A password-only admin console with authority over every device, unsigned firmware over HTTP to a
    /// heater controller, and an internal ticket store.
    static let fleet = """
        model "Fleet" { maturity 2 }
        boundary internet { trust untrusted; actor customer "Customer" { type user } }
        boundary corp { trust internal; actor admin "Fleet admin" { type admin } }
        boundary cloud {
          process console "Admin console" { type web-app; authn password; authority all }
          process ota "Update server" { type api; internet-facing; authn oauth }
          datastore tickets "Support tickets" { type sql; stores notes }
        }
        boundary field { process device "Heater controller" { type device; safety } }
        data notes "Ticket notes" { classification internal }
        data image "Firmware image" { classification internal; integrity critical }
        admin -> console "Manage fleet" { protocol https }
        ota -> device "Firmware download" { protocol http; carries image }
        customer -> ota { protocol https }
        console -> tickets { protocol postgres; carries notes }
        """

    @Test("a password-only admin with authority over every device and unsigned firmware are high, above the ticket store")
    func privilegedAccessAndFirmwareAboveRoutineStoreFindings() throws {
        let findings = try open(Self.fleet)
        let mfa = try rank("privileged-account-without-mfa@admin", in: findings)
        let firmware = try rank("unsigned-firmware-update@device", in: findings)
        #expect(findings[mfa].severity >= .high, "authority over every device")
        #expect(findings[firmware].severity >= .high, "unsigned code on a device that can cause harm")
        let store = findings.indices.filter { findings[$0].elementID == "tickets" }
        #expect(!store.isEmpty)
        for i in store {
            #expect(mfa < i && firmware < i, "\(findings[i].id) ranks above the admin and firmware findings")
            #expect(findings[i].severity <= .medium)
        }
    }

    @Test("an intranet wiki with internal data and no untrusted input has nothing above medium")
    func quietIntranetStaysLow() throws {
        let findings = try open("""
            model "Intranet" { maturity 2 }
            boundary office { trust internal
              actor clerk "Clerk" { type user }
              process wiki "Wiki" { type web-app; authn session }
              datastore pages "Pages" { type sql; stores page }
            }
            data page "Wiki page" { classification internal }
            clerk -> wiki { protocol https }
            wiki -> pages { protocol postgres; carries page }
            """)
        #expect(!findings.isEmpty)
        #expect(findings.allSatisfy { $0.severity <= .medium }, "\(findings.map { "\($0.id) \($0.severity)" })")
    }

    @Test("within a band, findings sort by score, then by rule id")
    func scoreOrdersWithinABand() throws {
        let findings = try open(Self.smartLock)
        for (a, b) in zip(findings, findings.dropFirst()) where a.severity == b.severity {
            let sa = a.likelihood * a.impact, sb = b.likelihood * b.impact
            #expect(sa > sb || (sa == sb && a.rule.id + "@" <= b.rule.id + "@"),
                    "\(a.id) (\(a.likelihood)×\(a.impact)) before \(b.id) (\(b.likelihood)×\(b.impact))")
        }
    }
}
