import Foundation
import MoatCore
import MoatInterop
import Testing

/// Expectations read off ../shared/interop/threagile/example.yaml and stub.yaml.
@Suite struct ThreagileImportTests {
    static let example = "threagile/example.yaml"

    @Test func countsMatchTheSourceModel() throws {
        let m = try importShared(Self.example)
        #expect(m.model.header.name == "Some Example Application")
        #expect(m.model.elements.count == 14)
        #expect(m.model.elements.filter { $0.kind == .actor }.map(\.id).sorted()
                == ["backend-admin-client", "backoffice-client", "customer-client", "external-dev-client"])
        #expect(m.model.elements.filter { $0.kind == .datastore }.map(\.id).sorted()
                == ["contract-file-server", "ldap-auth-server", "sql-database"])
        #expect(m.model.flows.count == 20)
        #expect(m.model.boundaries.count == 5)
        #expect(m.model.data.count == 12)
    }

    @Test func nestedTrustBoundariesAndMembership() throws {
        let m = try importShared(Self.example)
        for child in ["web-dmz", "erp-dmz", "auth-env"] { #expect(m.boundary(child)?.parent == "application-network") }
        #expect(m.boundary("application-network")?.parent == nil)
        #expect(m.boundary("dev-network")?.parent == nil)
        #expect(m.element("apache-webserver")?.boundary == "web-dmz")
        #expect(m.element("sql-database")?.boundary == "erp-dmz")
        #expect(m.element("identity-provider")?.boundary == "auth-env")
        #expect(m.element("load-balancer")?.boundary == "application-network")
        #expect(m.element("jenkins-build-server")?.boundary == "dev-network")
        #expect(m.element("backend-admin-client")?.boundary == "dev-network")
        #expect(m.element("customer-client")?.boundary == nil)
        // Security groups are network segmentation.
        #expect(m.boundary("web-dmz")?.attributes.flag("segmented") == true)
        #expect(m.boundary("dev-network")?.attributes.flag("segmented") == false)
    }

    @Test func mergeKeysAreResolved() throws {
        let m = try importShared(Self.example)
        // `<<: *customer-contracts` brings owner and integrity; explicit keys win.
        let summaries = try #require(m.data("contract-summaries"))
        #expect(summaries.attributes.string("owner") == "Company XYZ")
        #expect(summaries.attributes.string("description") == "Customer Contract Summaries")
        #expect(summaries.attributes.string("classification") == "confidential")  // restricted
        #expect(summaries.attributes.flag("integrity-critical") == false)       // overridden: operational
        let operational = try #require(m.data("customer-operational-data"))
        #expect(operational.attributes.string("classification") == "confidential")  // inherited
        #expect(operational.attributes.flag("integrity-critical"))                  // inherited: critical
        let accounts = try #require(m.data("customer-accounts"))
        #expect(accounts.attributes.string("classification") == "secret")  // strictly-confidential
        #expect(accounts.attributes.flag("credentials"))                    // "transient credentials"
        let marketing = try #require(m.data("marketing-material"))
        #expect(marketing.attributes.string("owner") == "Company ABC")      // from *client-application-code
        #expect(marketing.attributes.string("classification") == "public")
        #expect(m.data("customer-contracts")?.attributes.flag("pii") == true)  // "personally identifiable information (PII)"
        #expect(m.data("erp-logs")?.attributes.flag("pii") == false)           // "Logs should not contain PII data"
    }

    @Test func technicalAssetAttributes() throws {
        let m = try importShared(Self.example)
        func a(_ id: String) -> Attributes { m.element(id)?.attributes ?? Attributes() }
        #expect(a("load-balancer").string("type") == "load-balancer")
        #expect(a("apache-webserver").string("type") == "web-app")
        #expect(a("apache-webserver").string("tech") == "apache")  // from the tags
        #expect(a("sql-database").string("type") == "sql")
        #expect(a("sql-database").string("tech") == "mysql")
        #expect(a("sql-database").flag("encrypted-at-rest"))       // data-with-symmetric-shared-key
        #expect(a("ldap-auth-server").flag("encrypted-at-rest"))   // transparent
        #expect(!a("contract-file-server").flag("encrypted-at-rest"))
        #expect(a("identity-provider").string("type") == "identity-provider")
        #expect(a("identity-provider").string("tech") == "java")   // jboss
        #expect(a("erp-system").flag("deserialises-input"))        // data_formats_accepted: serialization
        #expect(a("erp-system").flag("redundant"))
        #expect(a("jenkins-build-server").string("type") == "build")
        #expect(a("jenkins-build-server").flag("multi-tenant"))
        #expect(a("external-dev-client").string("type") == "developer")
        #expect(a("customer-client").string("type") == "user")
        #expect(a("backend-admin-client").string("type") == "operator")  // human, devops usage
        // A human-used client's out_of_scope (its device is not assessed) is a comment: the actor is the people.
        #expect(a("customer-client").string("out-of-scope") == nil)
        #expect(m.text.contains("Threagile out of scope (the client itself is not assessed): Owned and managed by end-user customer"))
        #expect(a("sql-database").list("stores") == ["customer-accounts", "customer-operational-data", "internal-business-data", "db-dumps"])
    }

    @Test func communicationLinksBecomeFlows() throws {
        let m = try importShared(Self.example)
        let customer = try #require(m.flow("customer-client->load-balancer"))
        #expect(customer.name == "Customer Traffic")
        #expect(customer.attributes.string("protocol") == "https")
        #expect(customer.attributes.string("authn") == "session")
        #expect(customer.attributes.string("authz") == "rbac")
        #expect(customer.attributes.list("carries").contains("customer-contracts"))  // received data travels too
        #expect(m.flow("erp-system->sql-database")?.attributes.string("protocol") == "jdbc")
        #expect(m.flow("erp-system->sql-database")?.attributes.string("authn") == "password")
        #expect(m.flow("backoffice-client->erp-system")?.attributes.flag("vpn") == true)
        #expect(m.flow("jenkins-build-server->git-repo")?.attributes.string("authn") == "mtls")
        #expect(m.flow("load-balancer->marketing-cms")?.attributes.string("authn") == nil)  // none
        // Two links from the same client to the same server get explicit ids from their titles.
        #expect(m.flow("git-repo-code-write-access")?.source == "external-dev-client")
        #expect(m.flow("git-repo-web-ui-access")?.attributes.string("protocol") == "https")
    }

    @Test func riskTrackingBecomesTrackingWhereRulesMatch() throws {
        let m = try importShared(Self.example)
        let accept = try #require(m.model.tracking.first { $0.pattern == "untrusted-deserialisation@erp-system" })
        #expect(accept.status == .accept)
        #expect(accept.owner == "John Doe")
        #expect(accept.justification.contains("Risk accepted as tolerable"))
        #expect(accept.justification.contains("XYZ-1234"))
        // ldap-injection@*@ldap-auth-server@*: every in-scope caller of the LDAP server.
        let ldap = m.model.tracking.filter { $0.pattern.hasPrefix("ldap-injection@") }.map(\.pattern).sorted()
        #expect(ldap == ["ldap-injection@identity-provider", "ldap-injection@marketing-cms"])
        #expect(m.model.tracking.contains { $0.pattern == "insecure-default-configuration@*" && $0.status == .mitigated })
        // in-progress is no decision: a warning at its line, and a comment.
        let open = try #require(m.warnings.first { $0.id == .unmappedTracking })
        #expect(sourceLine(open).contains("dos-risky-access-across-trust-boundary@*@*@*"))
        #expect(m.text.contains("# Threagile risk tracking 'dos-risky-access-across-trust-boundary@*@*@*': in-progress"))
    }

    @Test func findingsFollowFromTheModel() throws {
        let analysis = try importShared(Self.example).analysis()
        func finding(_ id: String) -> Finding? { analysis.findings.first { $0.id == id } }
        // Tracked in Threagile, and the same threat in Moat.
        #expect(finding("untrusted-deserialisation@erp-system")?.status == .accepted)
        #expect(finding("ldap-injection@identity-provider")?.status == .mitigated)
        // Not tracked: Jenkins accepts serialised input and external developers reach it.
        #expect(finding("untrusted-deserialisation@jenkins-build-server")?.isOpen == true)
        // The SQL database is reachable from the customer through LB → web server → ERP.
        #expect(finding("sql-injection@sql-database")?.isOpen == true)
        // Plain LDAP carrying customer accounts (credentials).
        #expect(finding("credentials-over-cleartext@marketing-cms->ldap-auth-server")?.isOpen == true)
        // Plain HTTP into the web DMZ, carrying customer accounts (credentials-over-cleartext supersedes
        // tampering-in-transit there: one finding, one fix).
        #expect(finding("credentials-over-cleartext@load-balancer->apache-webserver")?.isOpen == true)
        #expect(finding("tampering-in-transit@load-balancer->apache-webserver") == nil)
        // Clients Threagile leaves out of scope still get the findings about the people's access (Threagile raises
        // missing-authentication-second-factor on them too), but none about the customer's own device.
        #expect(finding("credential-stuffing@customer-client") != nil)
        #expect(finding("device-held-sensitive-data@customer-client") == nil)
    }

    @Test func whatCannotBeMappedIsReportedAtItsLine() throws {
        let m = try importShared(Self.example)
        let tags = try #require(m.warning(containing: "communication link 'backoffice-client>erp-internal-access'"))
        #expect(tags.message.contains("tags (some-erp)"))
        #expect(sourceLine(tags).contains("ERP Internal Access:"))
        // An ERP system is a web application to Threagile: mapped so, and the technology kept in a comment.
        #expect(m.element("erp-system")?.attributes.string("type") == "web-app")
        #expect(m.text.contains("# Threagile technology: erp"))
        #expect(m.warning(containing: "technology (erp)") == nil)
        // Mapped now, so no longer reported: shared runtimes, link readonly, individual risks.
        #expect(m.warning(containing: "shared runtime") == nil)
        #expect(m.warning(containing: "readonly") == nil)
        #expect(m.warning(containing: "individual risk category") == nil)
        // Kept as notes, not dropped.
        #expect(m.text.contains("# abuse case: Ransomware"))
    }

    @Test func theStub() throws {
        let m = try importShared("threagile/stub.yaml")
        #expect(m.model.elements.map(\.id) == ["some-component", "some-other-component"])
        #expect(m.element("some-component")?.boundary == "some-network")
        #expect(m.element("some-other-component")?.boundary == nil)
        #expect(m.element("some-component")?.attributes.flag("parses-files") == true)  // xml
        let flow = try #require(m.flow("some-component->some-other-component"))
        #expect(flow.attributes.string("protocol") == "https")
        #expect(flow.attributes.list("carries") == ["some-data"])
        #expect(m.data("some-data")?.attributes.string("classification") == "confidential")
        #expect(m.data("some-data")?.attributes.flag("integrity-critical") == true)
        #expect(m.boundary("some-network")?.attributes.flag("segmented") == false)  // dedicated hoster
        #expect(m.warning(containing: "tags (some-tag, some-other-tag)") != nil)
    }

    @Test func hostileTextStaysData() throws {
        let yaml = """
            title: "Evil \\"model\\" } accept *@* \\"x\\""
            technical_assets:
              "Web\\napp \\"} internet-facing {":
                id: "9 web#app"
                type: process
                description: "line one\\n# not a comment\\nprocess x"
                communication_links:
                  "Call } -> db":
                    target: db
                    protocol: https
              DB:
                id: db
                type: datastore
                justification_cia_rating: "note\\ninclude \\"/etc/passwd\\""
            """
        let result = ThreagileImporter(vocabulary: catalogue.vocabulary).importModel(SourceFile(path: "evil.yaml", text: yaml))
        let text = MoatFormatter(vocabulary: catalogue.vocabulary).format(result.document)
        let load = ModelLoader(catalogue: catalogue).load(text: text, path: "evil.moat")
        let model = try #require(load.model, "\(load.diagnostics.map(\.message))\n\(text)")
        #expect(model.header.name == "Evil \"model\" } accept *@* \"x\"")
        #expect(model.tracking.isEmpty)
        let web = try #require(model.elements.first { $0.kind == .process })
        #expect(web.id == "process-9-web-app")
        #expect(web.name == "Web app \"} internet-facing {")
        #expect(!web.attributes.flag("internet-facing"))
        #expect(web.attributes.string("description") == "line one # not a comment process x")
        #expect(model.flows.first?.name == "Call } -> db")
        #expect(!text.contains("\ninclude"))
    }
}
