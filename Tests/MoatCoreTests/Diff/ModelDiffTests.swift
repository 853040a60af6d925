import Foundation
import Testing
import MoatCore

@Suite("Diff: model")
struct ModelDiffTests {
    typealias Change = ModelDiff.EntityChange

    @Test func identicalModelsGiveAnEmptyDiff() throws {
        let a = try diffModel(diffBaseModel), b = try diffModel(diffBaseModel)
        let diff = ModelDiff(old: a, new: b)
        #expect(diff.isEmpty)
        #expect(diff == ModelDiff())
    }

    @Test func reorderingAndReformattingIsNoChange() throws {
        // The same architecture written in another order and layout, with a list reordered.
        let reordered = """
            model "Shop" {
              maturity 2
            }
            boundary core "Core" {
              datastore db "Orders DB" {
                encrypted-at-rest
                stores customer
                type sql
              }
            }
            web -> db "Persist" { carries customer; protocol postgres }
            boundary dmz "DMZ" { process web "Storefront" { authn session; internet-facing; type web-app } }
            boundary internet "Internet" { trust untrusted; actor user "Shopper" { type user } }
            data customer "Customer profile" { pii; classification confidential }
            user -> web "Browse" { protocol https; carries customer }
            """
        let diff = ModelDiff(old: try diffModel(diffBaseModel), new: try diffModel(reordered))
        #expect(diff.isEmpty, "\(diff)")
    }

    @Test func removingAnAttributeIsAnAttributeChange() throws {
        let new = edit(diffBaseModel, "stores customer; encrypted-at-rest", "stores customer")
        let diff = ModelDiff(old: try diffModel(diffBaseModel), new: try diffModel(new))
        #expect(diff.elements == [
            Change(id: "db", kind: .datastore, name: "Orders DB", change: .changed, details: [
                .attribute(.init(name: "encrypted-at-rest", old: .flag(true), new: nil)),
            ]),
        ])
        #expect(diff.flows.isEmpty && diff.boundaries.isEmpty && diff.data.isEmpty && diff.header.isEmpty)
        guard case .attribute(let c) = diff.elements.first?.details.first else { Issue.record("no attribute change"); return }
        #expect(c.kind == .removed)
    }

    @Test func attributeValuesAddedAndChanged() throws {
        var new = edit(diffBaseModel, "protocol postgres; carries customer", "protocol http; carries customer, order")
        new = edit(new, "data customer", "data order \"Order\" { classification internal }\ndata customer")
        new = edit(new, "type sql;", "type sql; internet-facing;")
        let diff = ModelDiff(old: try diffModel(diffBaseModel), new: try diffModel(new))
        #expect(diff.flows == [
            Change(id: "web->db", kind: .flow, name: "Persist", change: .changed, details: [
                .attribute(.init(name: "carries", old: .list(["customer"]), new: .list(["customer", "order"]))),
                .attribute(.init(name: "protocol", old: .word("postgres"), new: .word("http"))),
            ]),
        ])
        #expect(diff.elements.map(\.id) == ["db"])
        #expect(diff.elements.first?.details == [.attribute(.init(name: "internet-facing", old: nil, new: .flag(true)))])
        #expect(diff.data == [Change(id: "order", kind: .data, name: "Order", change: .added)])
        guard case .attribute(let carries) = diff.flows.first?.details.first else { Issue.record("no carries change"); return }
        #expect(carries.kind == .changed)
        #expect(carries.addedItems == ["order"])
        #expect(carries.removedItems.isEmpty)
    }

    @Test func renamingAnElement() throws {
        let new = edit(diffBaseModel, "datastore db \"Orders DB\"", "datastore db \"Order database\"")
        let diff = ModelDiff(old: try diffModel(diffBaseModel), new: try diffModel(new))
        #expect(diff.elements == [
            Change(id: "db", kind: .datastore, name: "Order database", change: .changed,
                   details: [.renamed(old: "Orders DB", new: "Order database")]),
        ])
    }

    @Test func renamingTheModelAndChangingTheHeader() throws {
        let new = edit(diffBaseModel, "model \"Shop\" { maturity 2 }", "model \"Web shop\" { maturity 3; owner \"shop team\" }")
        let diff = ModelDiff(old: try diffModel(diffBaseModel), new: try diffModel(new))
        #expect(diff.header == [
            .renamed(old: "Shop", new: "Web shop"),
            .attribute(.init(name: "maturity", old: .number(2), new: .number(3))),
            .attribute(.init(name: "owner", old: nil, new: .string("shop team"))),
        ])
        #expect(diff.entities.isEmpty)
        #expect(!diff.isEmpty)
    }

    @Test func movingAnElementToAnotherBoundary() throws {
        // The database moves from the core zone into the DMZ.
        var new = edit(diffBaseModel, """
              process web "Storefront" { type web-app; internet-facing; authn session }
            """, """
              process web "Storefront" { type web-app; internet-facing; authn session }
              datastore db "Orders DB" { type sql; stores customer; encrypted-at-rest }
            """)
        new = edit(new, """
            boundary core "Core" {
              datastore db "Orders DB" { type sql; stores customer; encrypted-at-rest }
            }
            """, "boundary core \"Core\" { process api \"API\" }")
        let diff = ModelDiff(old: try diffModel(diffBaseModel), new: try diffModel(new))
        #expect(diff.elements == [
            Change(id: "api", kind: .process, name: "API", change: .added),
            Change(id: "db", kind: .datastore, name: "Orders DB", change: .changed, details: [.boundary(old: "core", new: "dmz")]),
        ])
        #expect(diff.boundaries.isEmpty)
    }

    @Test func nestingABoundaryAndChangingItsTrust() throws {
        let new = edit(diffBaseModel, """
            boundary core "Core" {
              datastore db "Orders DB" { type sql; stores customer; encrypted-at-rest }
            }
            """, """
            boundary dc "Data centre" {
              boundary core "Core" {
                trust internal
                datastore db "Orders DB" { type sql; stores customer; encrypted-at-rest }
              }
            }
            """)
        let diff = ModelDiff(old: try diffModel(diffBaseModel), new: try diffModel(new))
        #expect(diff.boundaries == [
            Change(id: "core", kind: .boundary, name: "Core", change: .changed, details: [
                .boundary(old: nil, new: "dc"),
                .attribute(.init(name: "trust", old: nil, new: .word("internal"))),
            ]),
            Change(id: "dc", kind: .boundary, name: "Data centre", change: .added),
        ])
        #expect(diff.elements.isEmpty, "the database stays in 'core'")
    }

    @Test func changingAnElementsKind() throws {
        let new = edit(diffBaseModel, "actor user \"Shopper\" { type user }", "process user \"Shopper\"")
        let diff = ModelDiff(old: try diffModel(diffBaseModel), new: try diffModel(new))
        #expect(diff.elements == [
            Change(id: "user", kind: .process, name: "Shopper", change: .changed, details: [
                .kind(old: .actor, new: .process),
                .attribute(.init(name: "type", old: .word("user"), new: nil)),
            ]),
        ])
    }

    @Test func addingAndRemovingFlows() throws {
        var new = edit(diffBaseModel, "user -> web \"Browse\" { protocol https; carries customer }\n", "")
        new += "\nprocess cache \"Cache\"\nweb <-> cache \"Sessions\" { protocol redis }\naudit: web -> user \"Receipt\" { protocol https }\n"
        let diff = ModelDiff(old: try diffModel(diffBaseModel), new: try diffModel(new))
        #expect(diff.flows == [
            Change(id: "audit", kind: .flow, name: "Receipt", change: .added),
            Change(id: "user->web", kind: .flow, name: "Browse", change: .removed),
            Change(id: "web<->cache", kind: .flow, name: "Sessions", change: .added),
        ])
        #expect(diff.count(.added, in: \.flows) == 2)
        #expect(diff.count(.removed, in: \.flows) == 1)
        #expect(diff.count(.changed, in: \.flows) == 0)
    }

    @Test func removingAnElementRemovesItsFlows() throws {
        var new = edit(diffBaseModel, "user -> web \"Browse\" { protocol https; carries customer }\n", "")
        new = edit(new, "  actor user \"Shopper\" { type user }\n", "  actor bot \"Crawler\"\n")
        let diff = ModelDiff(old: try diffModel(diffBaseModel), new: try diffModel(new))
        #expect(diff.elements.map { "\($0.change.rawValue) \($0.id)" } == ["added bot", "removed user"])
        #expect(diff.flows.map { "\($0.change.rawValue) \($0.id)" } == ["removed user->web"])
    }

    @Test func trackingEntriesByPattern() throws {
        let old = diffBaseModel + """

            accept regulated-data-at-rest-unencrypted@db "disk encryption by the provider" owner "ops"
            false-positive sql-injection@* "no SQL built from input"
            """
        let new = diffBaseModel + """

            accept regulated-data-at-rest-unencrypted@db "provider encrypts disks (SEC-9)" owner "ops" until 2027-01-01
            accept tampering-in-transit@* "internal network"
            """
        let diff = ModelDiff(old: try diffModel(old), new: try diffModel(new))
        #expect(diff.tracking == [
            Change(id: "regulated-data-at-rest-unencrypted@db", kind: .tracking, name: "accept", change: .changed, details: [
                .field(name: "justification", old: "disk encryption by the provider", new: "provider encrypts disks (SEC-9)"),
                .field(name: "until", old: nil, new: "2027-01-01"),
            ]),
            Change(id: "sql-injection@*", kind: .tracking, name: "false-positive", change: .removed),
            Change(id: "tampering-in-transit@*", kind: .tracking, name: "accept", change: .added),
        ])
    }

    @Test func orderIsByIdWhateverTheDeclarationOrder() throws {
        let new = diffBaseModel + "\nprocess zeta\nprocess alpha\nprocess mid\n"
        let diff = ModelDiff(old: try diffModel(diffBaseModel), new: try diffModel(new))
        #expect(diff.elements.map(\.id) == ["alpha", "mid", "zeta"])
        // Computing it again gives the same value.
        #expect(diff == ModelDiff(old: try diffModel(diffBaseModel), new: try diffModel(new)))
    }
}
