import Foundation
import Testing
import MoatCore
import MoatReports
@testable import MoatRules
@testable import MoatAnalysis

/// Status, expected and evidenced maturity levels, --level, tracking, severity and explain.
@Suite("Analyzer")
struct AnalyzerTests {
    func analyze(_ text: String, level: Int? = nil, asOf: String = "2026-11-29") throws -> Analysis {
        let catalogue = try Catalogue.builtIn.get()
        let result = ModelLoader(catalogue: catalogue).load(text: text)
        let model = try #require(result.model, "\(result.diagnostics.map(\.message))")
        return Analyzer(catalogue: catalogue).analyze(model, options: AnalysisOptions(declaredLevel: level, asOf: asOf))
    }

    func finding(_ analysis: Analysis, _ id: String) throws -> Finding {
        try #require(analysis.findings.first { $0.id == id }, "no finding \(id); have \(analysis.findings.map(\.id))")
    }

    static let exposedAPI = """
        model "M" { maturity 2 }
        boundary net { trust untrusted; actor u { type user } }
        process api { internet-facing }
        u -> api { protocol https }
        """

    @Test("the default as-of date is today's in UTC, as YYYY-MM-DD")
    func todayInUTC() throws {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = "yyyy-MM-dd"
        // Read around the call: a run at midnight may see either day.
        let before = format.string(from: Date()), today = AnalysisOptions.today(), after = format.string(from: Date())
        #expect(today == before || today == after)
        #expect(today.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}/) != nil)
    }

    @Test("an open finding is a gap at or below the declared level and roadmap above it")
    func gapAndRoadmap() throws {
        // missing-authentication-entry-point is mitigated by authentication, a level-2 control.
        let atTwo = try analyze(Self.exposedAPI)
        let f = try finding(atTwo, "missing-authentication-entry-point@api")
        #expect(f.status == .gap && f.expectedLevel == 2)
        let atOne = try analyze(Self.exposedAPI, level: 1)
        #expect(try finding(atOne, "missing-authentication-entry-point@api").status == .roadmap)
        #expect(atOne.maturity.declared == 1)
    }

    @Test("a mitigating control on the element mitigates the finding")
    func mitigated() throws {
        let a = try analyze(Self.exposedAPI.replacingOccurrences(of: "{ internet-facing }", with: "{ internet-facing; authn oidc }"))
        let f = try finding(a, "missing-authentication-entry-point@api")
        #expect(f.status == .mitigated && f.presentControls == ["authentication"])
    }

    @Test("an organisation practice mitigates the findings its control covers")
    func practice() throws {
        let text = """
            model "M" { maturity 3; practices threat-modelling }
            boundary net { trust untrusted; actor u { type user } }
            process llm { type llm }
            process app
            u -> app { protocol https }
            app -> llm
            """
        // prompt-injection is mitigated only by llm-guardrails (element-scoped): still open.
        #expect(try finding(try analyze(text), "prompt-injection@llm").isOpen)
    }

    @Test("the evidenced level needs the practices of every level up to it and no open finding expected there")
    func evidenced() throws {
        let clean = """
            model "M" { maturity 2; practices security-policies, periodic-audits, security-reviews, security-training }
            actor u
            process p { authn oidc; authz rbac; hardened; logs audit; validates-input }
            u -> p { protocol https }
            """
        let a = try analyze(clean)
        let open = a.findings.filter(\.isOpen)
        let lowest = open.map(\.expectedLevel).min() ?? 6
        // Level 2's practices are all declared; level 3's are not, so 3 cannot be evidenced.
        #expect(a.maturity.evidenced == min(2, lowest - 1 > 0 ? lowest - 1 : 1))
        #expect(a.maturity.missingPractices.map(\.id).contains("threat-modelling"))
        let withoutPractices = try analyze(clean.replacingOccurrences(of: "practices security-policies, periodic-audits, security-reviews, security-training", with: "practices security-policies"))
        #expect(withoutPractices.maturity.evidenced == 1)
        #expect(withoutPractices.maturity.missingPractices.map(\.id) == ["periodic-audits", "security-reviews", "security-training"])
    }

    @Test("tracking: accept, false-positive, wildcard patterns, expiry reopens, unmatched entries are reported")
    func tracking() throws {
        let text = Self.exposedAPI + """

            accept missing-authentication-entry-point@api "public endpoint by design" owner "team" until 2027-01-01
            false-positive exposed-*@api "fronted by the CDN's logging and rate limits"
            not-applicable no-such-rule@api "typo"
            """
        let a = try analyze(text)
        #expect(try finding(a, "missing-authentication-entry-point@api").status == .accepted)
        #expect(try finding(a, "exposed-endpoint-not-rate-limited@api").status == .falsePositive)
        #expect(try finding(a, "exposed-requests-unlogged@api").status == .falsePositive)
        #expect(a.unmatchedTracking.map(\.pattern) == ["no-such-rule@api"])
        #expect(a.diagnostics.contains { $0.id == .unmatchedTracking && $0.range?.start.line == 7 })
        // After the expiry date the acceptance lapses and the finding is open again, with a warning.
        let later = try analyze(text, asOf: "2027-01-02")
        let f = try finding(later, "missing-authentication-entry-point@api")
        #expect(f.isOpen && f.trackingExpired)
        #expect(later.diagnostics.contains { $0.id == .expiredTracking })
    }

    @Test("severity: exposure raises likelihood, secret data raises impact, one step at most; internal elements are discounted")
    func severity() throws {
        let a = try analyze("""
            data key { classification secret; keys }
            boundary net { trust untrusted; actor u }
            process web { internet-facing; processes key }
            process internal
            datastore db { type sql }
            u -> web { protocol https }
            internal -> db { protocol postgres }
            """)
        let exposed = try finding(a, "exposed-endpoint-not-rate-limited@web")
        // Exposure raises the likelihood one step, the secret key the impact one step: never more per dimension.
        #expect(exposed.likelihood == exposed.rule.likelihood + 1 && exposed.impact == exposed.rule.impact + 1)
        #expect(exposed.factors.map(\.reason) == ["exposed to untrusted callers directly", "handles secret data"])
        let quiet = try finding(a, "missing-backups@db")
        #expect(quiet.likelihood == quiet.rule.likelihood - 1)
        #expect(quiet.factors.map(\.reason) == ["no input from any untrusted or partner zone reaches it"])
        #expect(Severity(score: 16) == .critical && Severity(score: 12) == .high && Severity(score: 8) == .medium && Severity(score: 4) == .low)
    }

    @Test("explain prints the condition's sub-terms, the controls, the status and the severity arithmetic")
    func explain() throws {
        let a = try analyze(Self.exposedAPI)
        let text = ExplanationTextWriter().write(try Explainer(catalogue: try Catalogue.builtIn.get()).explain("missing-authentication-entry-point@api", in: a))
        #expect(text.contains("condition: exposed and not type in [edge]"))
        #expect(text.contains("    exposed") && text.contains("true"))
        #expect(text.contains("absent  authentication (level 2; evidence: authn != none)"))
        #expect(text.contains("status: gap — expected level 2 ≤ declared level 2"))
        #expect(text.contains("likelihood: 3 (rule) +1 (exposed to untrusted callers directly) = 4"))
        // A rule that did not fire is explained too.
        let quiet = ExplanationTextWriter().write(try Explainer(catalogue: try Catalogue.builtIn.get()).explain("sql-injection@api", in: a))
        #expect(quiet.contains("The rule does not apply to a process"))
        #expect(throws: Explainer.NotFound.self) { try Explainer(catalogue: try Catalogue.builtIn.get()).explain("nope@api", in: a) }
    }

    @Test("findings are ordered worst first and the analysis is deterministic")
    func order() throws {
        let a = try analyze(Self.exposedAPI), b = try analyze(Self.exposedAPI)
        #expect(a.findings.map(\.id) == b.findings.map(\.id))
        for (x, y) in zip(a.findings, a.findings.dropFirst()) {
            #expect(x.severity > y.severity || (x.severity == y.severity && (x.isOpen || !y.isOpen)))
        }
    }

    /// A model of `n` exposed APIs, each with a datastore: over 64 entities, so the rules run in lanes.
    static func manyAPIs(_ n: Int) -> String {
        var text = "model \"M\" { maturity 2; practices security-policies }\nboundary net { trust untrusted; actor u { type user } }\n"
        for i in 0..<n {
            text += "process api\(i) { internet-facing\(i % 3 == 0 ? "; authn oidc" : "") }\ndatastore db\(i) { type sql\(i % 2 == 0 ? "; encrypted-at-rest" : "") }\n"
                + "u -> api\(i) { protocol https }\napi\(i) -> db\(i) { protocol postgres }\n"
        }
        return text
    }

    @Test("findings made in lanes come out in the report's order, and the maturity agrees with the findings one by one")
    func lanesAndMaturity() throws {
        let a = try analyze(Self.manyAPIs(120))
        // The cores take the pieces in whatever order they get to them; the findings must not depend on it.
        for _ in 0..<3 { #expect(try analyze(Self.manyAPIs(120)).findings.map(\.id) == a.findings.map(\.id)) }
        // Worst first, then open first, then higher score, then by id (`rule@element` ranked as `rule@` then element).
        func key(_ f: Finding) -> (Int, Int, Int, String, String) {
            (-f.severity.rank, f.isOpen ? 0 : 1, -(f.likelihood * f.impact), f.rule.id + "@", f.elementID)
        }
        for (x, y) in zip(a.findings, a.findings.dropFirst()) { #expect(key(x) < key(y), "\(x.id) before \(y.id)") }
        #expect(Set(a.findings.map(\.id)).count == a.findings.count)
        // Each component's evidenced level from its own open findings, as `assess` defines it.
        let m = a.maturity
        #expect(m.components.ids == m.components.ids.sorted() && m.componentIDs == m.components.ids)
        let met2 = Set(a.model.header.practices).isSuperset(of: ["security-policies", "periodic-audits", "security-reviews", "security-training"])
        for (id, level) in zip(m.components.ids, m.components.levels) {
            let lowest = a.findings.filter { $0.elementID == id && $0.isOpen }.map(\.expectedLevel).min() ?? 6
            #expect(level == max(1, min(5, lowest - 1)), "\(id)")
            #expect(m.components[id] == level)
        }
        #expect(m.components["no-such-component"] == nil && m.components["api"] == nil && m.components["zzz"] == nil)
        let lowest = a.findings.filter(\.isOpen).map(\.expectedLevel).min() ?? 6
        #expect(m.evidenced == (met2 && lowest > 2 ? 2 : 1))
        let target = min(5, m.evidenced + 1)
        #expect(m.blockingFindings.map(\.id) == a.findings.filter { $0.isOpen && $0.expectedLevel <= target }.map(\.id))
        #expect(!m.blockingFindings.isEmpty)
    }

    @Test("permuting in place gives what mapping the order gives, for every cycle shape")
    func permuteInPlace() {
        var generator = SystemRandomNumberGenerator()
        for n in [0, 1, 2, 3, 10, 257] {
            for _ in 0..<20 {
                let order = Array(0..<n).shuffled(using: &generator)
                var values = (0..<n).map { "v\($0)" }
                let expected = order.map { values[$0] }
                values.permute(by: order)
                #expect(values == expected, "\(order)")
            }
        }
    }

    @Test("out-of-scope elements are not analysed")
    func outOfScope() throws {
        let a = try analyze(Self.exposedAPI.replacingOccurrences(of: "{ internet-facing }", with: "{ internet-facing; out-of-scope \"vendor\" }"))
        #expect(!a.findings.contains { $0.elementID == "api" })
    }
}
