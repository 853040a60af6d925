import Foundation
import MoatCore
import MoatInterop
import Testing

/// Expectations read off the Threat Dragon demo models in ../shared/interop/threat-dragon.
@Suite struct ThreatDragonImportTests {
    @Test func theDemoModel() throws {
        let m = try importShared("threat-dragon/v2-threat-model.json")
        #expect(m.model.header.name == "Demo Threat Model")
        #expect(m.model.header.owner == "Mike Goodwin")
        #expect(m.model.elements.filter { $0.kind == .actor }.map(\.id) == ["browser"])
        #expect(m.model.elements.filter { $0.kind == .process }.map(\.id).sorted() == ["background-worker-process", "web-application"])
        #expect(m.model.elements.filter { $0.kind == .datastore }.count == 4)
        #expect(m.model.flows.count == 10)
        // Store and process properties.
        #expect(m.element("database")?.attributes.string("type") == "log")                  // isALog
        #expect(m.element("worker-config")?.attributes.list("stores") == ["credentials"])    // storesCredentials
        #expect(m.data("credentials")?.attributes.flag("credentials") == true)
        // Out of scope without a reason, yet with open threats written on it: kept in scope, with a comment.
        #expect(m.element("web-application-config")?.attributes.string("out-of-scope") == nil)
        #expect(m.text.contains("open threats are written on it: kept in scope"))
        #expect(m.element("web-application")?.attributes.flag("internet-facing") == true)   // public-network request
        // Flow properties.
        #expect(m.flow("browser->web-application")?.attributes.string("protocol") == "https")  // "HTTP/S"
        #expect(m.flow("web-application->database")?.attributes.flag("encrypted") == true)
        #expect(m.flow("web-application-config->web-application")?.attributes.string("out-of-scope")
                == "This data flow represents a read from the file system")
        // The request's source end is loose in the diagram, 10 px from the browser.
        let loose = try #require(m.warning(containing: "flow 'Web Request': its source is not attached"))
        #expect(loose.message.contains("'browser' (10 px away)"))
        #expect(sourceLine(loose).contains("\"source\""))
    }

    @Test func boundaryLinesSplitTheDemoIntoZones() throws {
        let m = try importShared("threat-dragon/v2-threat-model.json")
        // Three curves: one cuts off the browser, one the message queue, one arcs over the database.
        #expect(m.model.boundaries.count == 3)
        #expect(m.element("browser")?.boundary == nil)
        let queueZone = try #require(m.element("message-queue")?.boundary)
        let dbZone = try #require(m.element("database")?.boundary)
        let appZone = try #require(m.element("web-application")?.boundary)
        #expect(Set([queueZone, dbZone, appZone]).count == 3)
        for id in ["background-worker-process", "worker-config", "web-application-config"] {
            #expect(m.element(id)?.boundary == appZone)
        }
        #expect(m.model.elements.filter { $0.boundary == queueZone }.map(\.id) == ["message-queue"])
        #expect(m.warning(containing: "draws 3 trust boundaries as lines") != nil)
    }

    @Test func threatsBecomeWrittenThreatsWithTheirStatus() throws {
        let m = try importShared("threat-dragon/v2-threat-model.json")
        #expect(m.model.threats.count == 14)
        let credentials = try #require(m.model.threats.first { $0.title == "Accessing DB credentials" })
        #expect(credentials.subject == "worker-config")
        #expect(credentials.attributes.list("stride") == ["information-disclosure"])
        #expect(credentials.attributes.string("severity") == "high")
        #expect(credentials.attributes.string("origin")?.hasPrefix("threat-dragon:") == true)
        // Mitigated in Threat Dragon: a `mitigated` tracking entry for the written threat's finding.
        let fake = try #require(m.model.threats.first { $0.title == "Fake messages could be placed on the queue" })
        #expect(fake.attributes.list("stride") == ["spoofing"])
        let mitigated = m.model.tracking.filter { $0.status == .mitigated }.map(\.pattern)
        #expect(mitigated.contains("\(fake.id)@\(fake.subject)"))
        #expect(!m.model.tracking.contains { $0.pattern == "\(credentials.id)@\(credentials.subject)" })
        // The analysis lists them as findings of their own.
        let analysis = m.analysis()
        #expect(analysis.findings.contains { $0.id == "\(credentials.id)@worker-config" && $0.isOpen })
        #expect(analysis.findings.contains { $0.id == "\(fake.id)@\(fake.subject)" && $0.status == .mitigated })
    }

    @Test func demoFindings() throws {
        let analysis = try importShared("threat-dragon/v2-threat-model.json").analysis()
        func finding(_ id: String) -> Finding? { analysis.findings.first { $0.id == id } }
        // The worker config stores credentials (Threat Dragon's open "Accessing DB credentials").
        #expect(finding("secrets-at-rest-unprotected@worker-config")?.isOpen == true)
        // Put Message crosses from the application zone to the queue's zone in clear ("should use HTTP/S").
        #expect(finding("tampering-in-transit@web-application->message-queue")?.isOpen == true)
        // The browser reaches the internet-facing web application.
        #expect(finding("missing-authentication-entry-point@web-application")?.isOpen == true)
        // The config store is marked out of scope without a reason but carries open threats, so it is analysed:
        // its unencrypted credentials are found (Threat Dragon's "Credentials should be encrypted").
        #expect(finding("secrets-at-rest-unprotected@web-application-config")?.isOpen == true)
    }

    @Test func genericCMSBoxMembership() throws {
        let m = try importShared("threat-dragon/generic-cms.json")
        #expect(m.model.elements.count == 5)
        #expect(m.model.flows.count == 5)
        #expect(m.model.boundaries.map(\.id) == ["internet"])
        #expect(m.model.elements.filter { $0.boundary == "internet" }.map(\.id).sorted() == ["databse", "web-server"])
        #expect(m.element("cdn-network")?.boundary == nil)
        #expect(m.element("admin")?.kind == .actor)
        #expect(m.flow("admin<->databse")?.twoWay == true)  // isBidirectional
        #expect(m.flow("generic-privilege-user->cdn-network")?.attributes.string("protocol") == "http")
        #expect(m.flow("generic-privilege-user->web-server")?.attributes.string("protocol") == "https")
        let analysis = m.analysis()
        #expect(analysis.findings.contains { $0.id == "tampering-in-transit@generic-privilege-user->cdn-network" && $0.isOpen })
    }

    @Test func paymentFlowsBetweenTheSamePairGetIDs() throws {
        let m = try importShared("threat-dragon/payment-online.json")
        #expect(m.model.elements.count == 5)
        #expect(m.model.flows.count == 10)
        #expect(m.model.boundaries.count == 3)
        #expect(m.element("customer-client")?.boundary == "customer-internet")
        #expect(m.element("merchant-web-server")?.boundary == "merchant-web")
        #expect(m.model.elements.filter { $0.boundary == "stripe-web" }.map(\.id).sorted() == ["stripe-api-service", "stripe-payment-service"])
        let fromCustomer = m.model.flows.filter { $0.source == "customer" && $0.target == "customer-client" }
        #expect(fromCustomer.count == 3)
        let allExplicit = fromCustomer.allSatisfy { $0.hasExplicitID }
        #expect(allExplicit)
        #expect(m.model.flows.first { $0.id == "customer-client<->merchant-web-server" } != nil)
        #expect(m.boundary("customer-internet")?.name == "Customer / Internet")
    }

    @Test func threeTierUnnamedBoxes() throws {
        let m = try importShared("threat-dragon/three-tier-web-app.json")
        #expect(m.model.elements.map(\.id) == ["web-ui", "web-service", "postgressql"])
        // The boxes' names are in their labels (attrs.label.text), and the names say how far to trust them.
        #expect(m.model.boundaries.map(\.id) == ["internet", "public-cloud"])
        #expect(m.element("web-ui")?.boundary == "internet")
        #expect(m.boundary("internet")?.attributes.string("trust") == "untrusted")
        #expect(m.element("postgressql")?.boundary == "public-cloud")
        #expect(m.flow("web-service<->postgressql")?.twoWay == true)
        let stored = try #require(m.model.threats.first { $0.title == "Store Sensitive Data" })
        #expect(stored.attributes.list("stride") == ["information-disclosure"])
        #expect(m.model.tracking.contains { $0.status == .mitigated && $0.pattern == "\(stored.id)@\(stored.subject)" })
    }

    /// A small v1 model (cells under `diagramJson`, names in `attrs`, one boundary line).
    @Test func version1Diagrams() throws {
        let json = """
            {"summary": {"title": "V1 model", "owner": "team"},
             "detail": {"contributors": [], "diagrams": [{"title": "Main", "diagramType": "STRIDE", "diagramJson": {"cells": [
               {"type": "tm.Actor", "id": "a1", "size": {"width": 100, "height": 60}, "position": {"x": 0, "y": 0},
                "attrs": {"text": {"text": "User"}}, "outOfScope": false, "threats": []},
               {"type": "tm.Process", "id": "p1", "size": {"width": 100, "height": 100}, "position": {"x": 300, "y": 0},
                "attrs": {"text": {"text": "Web App"}}, "privilegeLevel": "root",
                "threats": [{"title": "Spoofed user", "status": "Open", "severity": "High", "type": "Spoofing"}]},
               {"type": "tm.Store", "id": "s1", "size": {"width": 100, "height": 60}, "position": {"x": 300, "y": 300},
                "attrs": {"text": {"text": "DB"}}, "isEncrypted": true, "storesCredentials": true},
               {"type": "tm.Flow", "id": "f1", "source": {"id": "a1"}, "target": {"id": "p1"},
                "labels": [{"position": 0.5, "attrs": {"text": {"text": "Login"}}}], "protocol": "HTTPS", "isPublicNetwork": true},
               {"type": "tm.Flow", "id": "f2", "source": {"id": "p1"}, "target": {"id": "s1"},
                "labels": [{"position": 0.5, "attrs": {"text": {"text": "Query"}}}]},
               {"type": "tm.Boundary", "id": "b1", "source": {"x": 200, "y": -100}, "target": {"x": 200, "y": 500}, "vertices": []}
             ]}}]}}
            """
        let result = ThreatDragonImporter(vocabulary: catalogue.vocabulary).importModel(SourceFile(path: "v1.json", text: json))
        #expect(!result.hasErrors, "\(result.diagnostics.diagnostics.map(\.message))")
        let text = MoatFormatter(vocabulary: catalogue.vocabulary).format(result.document)
        let model = try #require(ModelLoader(catalogue: catalogue).load(text: text, path: "v1.moat").model, "\(text)")
        #expect(model.elements.map(\.id).sorted() == ["db", "user", "web-app"])
        let user = try #require(model.elements.first { $0.id == "user" })
        #expect(user.boundary == nil)
        let app = try #require(model.elements.first { $0.id == "web-app" })
        #expect(app.boundary != nil)
        #expect(app.attributes.flag("privileged"))
        #expect(app.attributes.flag("internet-facing"))
        #expect(model.elements.first { $0.id == "db" }?.boundary == app.boundary)
        #expect(model.elements.first { $0.id == "db" }?.attributes.flag("encrypted-at-rest") == true)
        #expect(model.flows.map(\.name) == ["Login", "Query"])
        #expect(model.flows.first?.attributes.string("protocol") == "https")
        let spoofed = try #require(model.threats.first { $0.title == "Spoofed user" })
        #expect(spoofed.subject == "web-app")
        #expect(spoofed.attributes.list("stride") == ["spoofing"])
        #expect(spoofed.attributes.string("severity") == "high")
    }
}
