import Foundation
import Testing
import MoatCore

@Suite("Diff: findings")
struct FindingsDiffTests {
    @Test func identicalAnalysesGiveAnEmptyDelta() throws {
        let a = try diffAnalysis(diffBaseModel), b = try diffAnalysis(diffBaseModel)
        #expect(!a.findings.isEmpty)
        let delta = FindingsDiff(old: a, new: b)
        #expect(delta.isEmpty)
        #expect(delta.opened.isEmpty && delta.closed.isEmpty)
    }

    /// Removing `encrypted-at-rest` is one attribute change in the model and reopens the finding it mitigated.
    @Test func removingEncryptionAtRestReopensAFinding() throws {
        let newText = edit(diffBaseModel, "stores customer; encrypted-at-rest", "stores customer")
        let old = try diffAnalysis(diffBaseModel), new = try diffAnalysis(newText)

        let model = ModelDiff(old: old.model, new: new.model)
        #expect(model.elements.count == 1)
        #expect(model.elements.first?.details == [.attribute(.init(name: "encrypted-at-rest", old: .flag(true), new: nil))])

        let delta = FindingsDiff(old: old, new: new)
        let id = "regulated-data-at-rest-unencrypted@db"
        let change = try #require(delta.changed.first { $0.id == id }, "\(delta.changed.map(\.id))")
        #expect(change.old.status == .mitigated)
        #expect(change.new.status == .gap)
        #expect(change.statusChanged && change.reopened && !change.closed)
        #expect(delta.statusChanged.map(\.id).contains(id))
        #expect(delta.opened.map(\.id).contains(id), "a reopened finding is a new threat")
        #expect(delta.closed.isEmpty)
        #expect(delta.new.isEmpty && delta.resolved.isEmpty, "same ids on both sides")
        #expect(delta.opened(atLeast: change.new.severity).map(\.id).contains(id))
    }

    @Test func exposingADatastoreAddsANewFinding() throws {
        let newText = edit(diffBaseModel, "type sql;", "type sql; internet-facing;")
        let old = try diffAnalysis(diffBaseModel), new = try diffAnalysis(newText)
        let delta = FindingsDiff(old: old, new: new)
        let added = try #require(delta.new.first { $0.id == "public-datastore@db" }, "\(delta.new.map(\.id))")
        #expect(added.isOpen)
        #expect(added.severity >= .high)
        #expect(delta.opened.contains { $0.id == added.id })
        #expect(delta.opened(atLeast: .high).contains { $0.id == added.id })
        #expect(!delta.opened(atLeast: .critical).contains { $0.id == added.id } || added.severity == .critical)
        // Exposure raises the likelihood of the datastore's other findings: severity changes, same ids.
        for c in delta.severityChanged {
            #expect(c.new.severity != c.old.severity)
            #expect(c.new.elementID == "db" || c.new.elementID.contains("db"), "\(c.id)")
        }
    }

    @Test func removingAnElementResolvesItsFindings() throws {
        var newText = edit(diffBaseModel, "web -> db \"Persist\" { protocol postgres; carries customer }", "")
        newText = edit(newText, "  datastore db \"Orders DB\" { type sql; stores customer; encrypted-at-rest }\n", "  process worker \"Worker\"\n")
        let old = try diffAnalysis(diffBaseModel), new = try diffAnalysis(newText)
        let delta = FindingsDiff(old: old, new: new)
        let gone = Set(delta.resolved.map(\.elementID))
        #expect(gone.contains("db"))
        #expect(gone.contains("web->db"))
        #expect(!gone.contains("web"))
        // Resolved findings are reported as they were, in the old analysis's order.
        let oldOrder = old.findings.map(\.id).filter { id in delta.resolved.contains { $0.id == id } }
        #expect(delta.resolved.map(\.id) == oldOrder)
        // `closed` holds the resolved findings that were open.
        #expect(Set(delta.closed.map(\.id)).isSuperset(of: delta.resolved.filter(\.isOpen).map(\.id)))
        #expect(delta.closed.allSatisfy { $0.isOpen }, "closed findings are shown as they were: open")
    }

    @Test func encryptingAFlowClosesItsFinding() throws {
        // Plain HTTP across the internet boundary: transport findings open; HTTPS closes them.
        let plain = edit(diffBaseModel, "user -> web \"Browse\" { protocol https", "user -> web \"Browse\" { protocol http")
        let old = try diffAnalysis(plain), new = try diffAnalysis(diffBaseModel)
        let delta = FindingsDiff(old: old, new: new)
        #expect(!delta.closed.isEmpty, "\(delta.changed.map { "\($0.id) \($0.old.status) → \($0.new.status)" }) \(delta.resolved.map(\.id))")
        #expect(delta.opened.isEmpty)
        #expect(delta.closed.allSatisfy { $0.elementID == "user->web" || $0.elementID == "web" }, "\(delta.closed.map(\.id))")
        // And the reverse edit opens exactly what this one closed.
        let reverse = FindingsDiff(old: new, new: old)
        #expect(Set(reverse.opened.map(\.id)) == Set(delta.closed.map(\.id)))
    }

    @Test func raisingTheDeclaredLevelTurnsRoadmapIntoGaps() throws {
        let higher = edit(diffBaseModel, "maturity 2", "maturity 4")
        let delta = FindingsDiff(old: try diffAnalysis(diffBaseModel), new: try diffAnalysis(higher))
        #expect(!delta.statusChanged.isEmpty)
        for c in delta.statusChanged {
            #expect(c.old.status == .roadmap && c.new.status == .gap, "\(c.id): \(c.old.status) → \(c.new.status)")
            #expect(!c.reopened && !c.closed, "open on both sides")
        }
        #expect(delta.opened.isEmpty && delta.closed.isEmpty && delta.new.isEmpty && delta.resolved.isEmpty)
    }

    @Test func openedIsWorstFirstThenById() throws {
        let newText = edit(diffBaseModel, "stores customer; encrypted-at-rest", "stores customer; internet-facing")
        let delta = FindingsDiff(old: try diffAnalysis(diffBaseModel), new: try diffAnalysis(newText))
        let opened = delta.opened
        #expect(opened.count >= 2)
        for (a, b) in zip(opened, opened.dropFirst()) {
            #expect(a.severity > b.severity || (a.severity == b.severity && a.id < b.id), "\(a.id) before \(b.id)")
        }
    }
}
