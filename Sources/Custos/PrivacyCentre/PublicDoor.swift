package import Foundation
package import CustosPolicy
package import CustosStore
internal import CustosCrypto

/// What the privacy centre stands on, on either backend: the request book and the consent
/// ledger, the stored answers, the outbox, and the e-mail codes and status links.
package typealias PublicDoorStore = RightsStore & OutboxStore & WebSessionStore

/// The privacy centre's rules (DESIGN §11) over any vault: e-mail codes, requests opened from
/// the web with their identity evidence and status link, stored answers, and the preference
/// centre's consents and objections. Gated reads, requests and consent go through the vault's
/// `ServiceEngine`, so they are decided and logged as every other call is.
///
/// ```swift
/// let door = engine.publicDoor
/// let challenge = try door.startEmailChallenge(kind: "request", email: "jan@example.nl", payload: form) { code in ("Your code", code) }
/// ```
package struct PublicDoor: Sendable {
    package let engine: any ServiceEngine
    package let store: any PublicDoorStore
    let clock: @Sendable () -> Instant

    package init(engine: any ServiceEngine, store: any PublicDoorStore, clock: @escaping @Sendable () -> Instant) {
        self.engine = engine
        self.store = store
        self.clock = clock
    }

    package var policy: CompiledPolicy { engine.policy }
    package var now: Instant { clock() }
    package var mailroom: Mailroom { Mailroom(store: store, clock: clock) }
    /// The controller's name and contacts, for page headers and footers.
    package var controllerContacts: (name: String, contact: String, dpo: String?) { policy.controllerContacts }

    /// A keyed BLAKE2b of `input` in `domain`, under a key only this vault's keyring holds: for
    /// CSRF tokens and the evidence reference of a client address (never the address itself).
    package func keyedDigest(_ domain: String, _ input: String) -> Data { store.keyring.keyedDigest(domain, input) }

    /// A subject's categories, or `subjectUnknown`.
    func categories(of subject: String) throws -> [String] {
        guard let categories = try store.factsAndCiphertexts(of: subject, fields: []).facts?.subject?.categories else {
            throw StoreError.subjectUnknown(subject)
        }
        return categories
    }
}

extension CompiledPolicy {
    /// The controller's name and contacts, as pages, notifications and letters give them.
    package var controllerContacts: (name: String, contact: String, dpo: String?) {
        let controller = policy.controller
        return (controller?.name ?? "", controller?.contact ?? "", controller?.dpo?.contact)
    }
}

extension PrivacyEngine {
    /// The privacy centre's rules over this vault.
    package var publicDoor: PublicDoor { PublicDoor(engine: self, store: store, clock: clock) }

    /// The controller's name and contacts, for page headers and footers.
    package var controllerContacts: (name: String, contact: String, dpo: String?) { policy.controllerContacts }
}

extension Data {
    /// The bytes in base64url without padding, for tokens in cookies and forms.
    package var base64URL: String { Base64URL.encode(self) }
}
