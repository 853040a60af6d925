import MoatSyntax
import MoatSource
import MoatText

/// The commented starter model written by `moat init`.
public enum StarterModel {
    /// A small, valid model that shows every construct, titled `name`.
    public static func text(name: String) -> String {
        """
        # A Moat model. Syntax: docs/language.md; attributes: run `moat vocabulary` (one in full: `moat vocabulary trust`).
        # Check it with `moat validate`, tidy it with `moat fmt`.

        # The header: who owns the system and the maturity level you claim (1-5).
        model \(MoatFormatter.quoted(name)) {
          owner "your team"
          maturity 2
          practices security-policies, security-reviews
        }

        # Data assets: what must be protected, and how sensitive it is.
        data account "Customer account" { classification confidential; pii }
        data password "Password" { classification secret; credentials }

        # Boundaries are trust zones; they nest.
        boundary internet "Internet" {
          trust untrusted

          actor user "User" { type user }
        }

        boundary cloud "Cloud account" {
          trust internal

          process app "Web application" { type web-app; internet-facing; authn session; validates-input }
          datastore db "Accounts DB" { type sql; tech postgres; encrypted-at-rest; stores account, password }
        }

        # Flows: source -> target "label" { attributes }.
        user -> app "Sign in and use the app" { protocol https; carries account, password }
        app -> db "Read and write accounts" { protocol postgres-tls; carries account, password }

        # Tracking records decisions about findings (rule-id@element-id).
        # accept tampering-in-transit@app->db "private subnet" owner "ops" until 2027-06-30

        """
    }
}
