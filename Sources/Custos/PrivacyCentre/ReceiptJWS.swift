import Foundation
internal import CustosCrypto
import CustosStore

/// Consent receipts as a JWS (RFC 7515, compact serialisation) signed with EdDSA over Ed25519
/// (RFC 8037): the payload is the ISO/IEC TS 27560 receipt body, so anyone can verify one with
/// an ordinary JOSE library and the controller's keys at `/.well-known/jwks.json`.
///
/// ```swift
/// let jws = try engine.consentReceiptJWS(subject: "PR-1", purpose: "P-NEWSLETTER-EMAIL")
/// engine.verifyReceipt(jws: jws) == .valid   // true
/// ```
/// The same on either backend: the signing key lives with the keyring.
extension ServiceEngine {
    /// The receipt of one purpose's consent as a compact JWS.
    package func consentReceiptJWS(subject: String, purpose: String) throws -> String {
        let body = try consentReceipt(subject: subject, purpose: purpose).receipt
        let header = #"{"alg":"EdDSA","kid":"\#(signingKeyId)","typ":"JOSE","cty":"custos-consent-receipt+json"}"#
        let signingInput = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(body.canonicalBytes)
        return signingInput + "." + Base64URL.encode(signingKeyring.sign(Array(signingInput.utf8)))
    }

    /// The controller's public signing keys as a JWK Set (RFC 7517, OKP keys per RFC 8037).
    package var receiptJWKS: String {
        #"{"keys":[{"kty":"OKP","crv":"Ed25519","use":"sig","alg":"EdDSA","kid":"\#(signingKeyId)","x":"\#(Base64URL.encode(signingKeyring.signingPublicKey))"}]}"#
    }

    /// The key id: the first 16 bytes of the public key's BLAKE2b, in hexadecimal.
    var signingKeyId: String { Hex.encode(Array(Blake2b.hash(signingKeyring.signingPublicKey).prefix(16))) }

    /// Verifies a receipt's JSON form against this vault's key.
    package func verifyReceipt(_ receipt: ConsentReceipt) -> ConsentReceipt.Verification { ConsentDesk.verify(receipt, keyring: signingKeyring) }

    /// Verifies a compact JWS receipt against this vault's key; its payload must be a receipt.
    package func verifyReceipt(jws: String) -> (verification: ConsentReceipt.Verification, body: ConsentReceipt.Body?) {
        let parts = jws.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(String(parts[0])), let payload = Base64URL.decode(String(parts[1])),
              let signature = Base64URL.decode(String(parts[2])),
              let header = try? JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any] else { return (.signatureInvalid, nil) }
        let body = try? JSONDecoder().decode(ConsentReceipt.Body.self, from: Data(payload))
        guard header["alg"] as? String == "EdDSA" else { return (.signatureInvalid, body) }
        guard header["kid"] as? String == signingKeyId else { return (.otherVault, body) }
        guard signingKeyring.verifySignature(signature, of: Array("\(parts[0]).\(parts[1])".utf8)), body != nil else { return (.signatureInvalid, body) }
        return (.valid, body)
    }
}
