import Foundation
import Hummingbird
import Custos
import CustosPolicy
import CustosStore

/// The service accounts: which services can reach personal data, as which policy actor, for
/// which purposes, at what rate. An officer revokes a token from here at once (a leaked token
/// is a breach in the making) or sets an account's own rate limit; tokens are made with
/// `custos service add` and `custos service rotate`, which show one once: the keyring keeps
/// only a keyed hash, so there is no token to show here. An old token still working after a
/// rotation is shown with its end.
extension Console {
    /// The forms of one account's row: each token is bound to the account's name, so a token
    /// for one account's form cannot change another.
    static func serviceForm(_ action: String, _ name: String) -> String { "service-\(action):\(name)" }

    func servicesPage(_ visit: Visit) async throws -> Response {
        let office = self.office, language = visit.language
        let accounts = try await call { try office.accounts.services() }
        let policy = office.policy, now = Instant.now  // token ends are on real time, as rotations are
        let rows = accounts.sorted { ($0.revokedAt != nil ? 1 : 0, $0.name) < ($1.revokedAt != nil ? 1 : 0, $1.name) }.map { account -> [String: Any] in
            let declared = policy.actors.id(account.actor) != nil
            let purposes = policy.policy.purposes.filter { $0.actors?.contains { $0.id == account.actor } ?? true }.map(\.id.id)
            let limit = account.requestsPerSecond.map { pages.text("services.ownLimit", language, ["rate": "\($0)"]) }
                ?? serverRequestLimit.map { pages.text("services.serverLimit", language, ["rate": "\($0)"]) }
                ?? pages.text("services.noLimit", language)
            return Self.compact([
                "name": account.name, "actor": account.actor, "declared": declared,
                "purposes": declared ? purposes.enumerated().map { ["purpose": $0.element, "last": $0.offset == purposes.count - 1] } : nil,
                "noPurpose": declared && purposes.isEmpty ? pages.text("services.noPurpose", language) : nil,
                "limit": limit, "ownLimit": account.requestsPerSecond.map(String.init),
                "created": Self.day(account.createdAt, office),
                "revoked": account.revokedAt.map { Self.day($0, office) },
                "oldTokenUntil": account.previousTokenWorks(at: now) ? account.previousTokenUntil.map { Self.minute($0, office) } : nil,
                "active": account.revokedAt == nil,
                // An active account whose actor the policy lost is marked; a revoked one is greyed.
                "rowClass": account.revokedAt != nil ? "muted" : declared ? nil : "overdue",
                "limitCsrf": visit.canAct && account.revokedAt == nil ? csrf(visit, Self.serviceForm("limit", account.name)) : nil,
                "revokeCsrf": visit.canAct && account.revokedAt == nil ? csrf(visit, Self.serviceForm("revoke", account.name)) : nil,
            ])
        }
        let values: [String: Any] = [
            "accounts": rows, "hasAccounts": !rows.isEmpty,
            "activeCount": accounts.filter { $0.revokedAt == nil }.count, "revokedCount": accounts.filter { $0.revokedAt != nil }.count,
            "defaultLimit": serverRequestLimit.map { pages.text("services.defaultLimit", language, ["rate": "\($0)"]) } ?? pages.text("services.noDefaultLimit", language),
            "maximum": ServiceAccount.maximumRequestsPerSecond,
        ]
        return page("services", visit, title: pages.text("nav.services", language), here: "/console/services", values: values)
    }

    /// Revokes a service account, after the box that names it was ticked.
    func revokeService(_ visit: Visit, name: String, form: FormBody) async throws -> Response {
        let language = visit.language, office = self.office
        let back = ("/console/services", pages.text("nav.services", language))
        guard form["confirm"] == "on" else {
            return outcome(visit, heading: pages.text("refused", language), lines: [pages.text("services.notConfirmed", language)], back: back, refused: true)
        }
        do {
            try await call { try office.accounts.revokeService(name: name) }
            return outcome(visit, heading: pages.text("services.revoked", language, ["name": name]), lines: [pages.text("services.revokedNext", language)], back: back)
        } catch {
            return refused(visit, error, back: back)
        }
    }

    /// Sets an account's own rate limit, or with `clear` gives it the server's again.
    func limitService(_ visit: Visit, name: String, form: FormBody) async throws -> Response {
        let language = visit.language, office = self.office
        let back = ("/console/services", pages.text("nav.services", language))
        let rate: Int?
        if let clear = form["clear"] {
            // The "server's limit" button: whatever the number box holds is not asked for.
            guard clear == "on" else {
                return outcome(visit, heading: pages.text("refused", language), lines: [pages.text("page.badForm.text", language)], back: back, refused: true)
            }
            rate = nil
        } else if let text = form["requests-per-second"]?.trimmingCharacters(in: .whitespaces), let number = Int(text),
                  (1...ServiceAccount.maximumRequestsPerSecond).contains(number) {
            rate = number
        } else {
            return outcome(visit, heading: pages.text("refused", language),
                           lines: [pages.text("services.badLimit", language, ["maximum": "\(ServiceAccount.maximumRequestsPerSecond)"])], back: back, refused: true)
        }
        do {
            try await call { try office.accounts.limitService(name: name, requestsPerSecond: rate) }
            let line = rate.map { pages.text("services.limitSet", language, ["name": name, "rate": "\($0)"]) }
                ?? pages.text("services.limitCleared", language, ["name": name])
            return outcome(visit, heading: line, lines: [pages.text("services.limitNext", language)], back: back)
        } catch {
            return refused(visit, error, back: back)
        }
    }
}
