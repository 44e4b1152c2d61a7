import Foundation
import Hummingbird
import Custos
import CustosStore

/// `audit verify` in the page: the hash chain recomputed, and the comparison with a signed
/// checkpoint kept elsewhere: the file named in the settings (one click), or one pasted.
extension Console {
    func auditPage(_ visit: Visit, checkpoint form: FormBody?) async throws -> Response {
        let office = self.office, language = visit.language
        var compared: [String]?
        var comparedOK = false
        if let form {
            var text = form["checkpoint"] ?? ""
            if form["use-file"] == "on" || text.isEmpty, let path = settings.checkpoint {
                // Read on the engine's threads: no file access on an event loop.
                text = try await call { FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? "" }
                if text.isEmpty { compared = [pages.text("audit.fileMissing", language, ["path": path])] }
            }
            if compared == nil {
                if let parsed = try? JSONDecoder().decode(AuditCheckpoint.self, from: Data(text.utf8)) {
                    let result = try await call { try office.verify(parsed) }
                    let (line, ok): (String, Bool) = switch result {
                    case .holds: ("checkpoint #\(parsed.seq) of \(parsed.at) holds", true)
                    case .signatureInvalid: ("checkpoint signature is not valid for this vault's signing key", false)
                    case .otherVault: ("the checkpoint belongs to another vault", false)
                    case let .entriesMissing(head, seq): ("the log ends at #\(head) but the checkpoint saw #\(seq): newer entries were deleted", false)
                    case let .headDiffers(seq): ("entry #\(seq) differs from the checkpoint: the log was rewritten", false)
                    case let .pruned(anchor): ("checkpoint #\(parsed.seq) predates the retention pruning (entries up to #\(anchor) were pruned); the chain from the signed anchor holds", true)
                    }
                    compared = [line]
                    comparedOK = ok
                } else {
                    compared = [pages.text("audit.notCheckpoint", language)]
                }
            }
        }
        let (verification, last) = try await call { (try office.verifyLog(), try office.overview.lastCheckpoint()) }
        var values: [String: Any] = [
            "intact": verification.isIntact, "entries": verification.entries, "head": verification.headSeq, "headHash": verification.headHash,
            "broken": verification.firstBroken.map(String.init) ?? "", "problem": verification.problem ?? "",
            "csrf": csrf(visit, "audit"),
            "file": settings.checkpoint ?? "", "hasFile": settings.checkpoint != nil,
        ]
        if let anchor = verification.anchor { values["anchor"] = "#\(anchor.seq)" }
        if let last { values["last"] = pages.text("today.checkpoint", language, ["seq": "\(last.seq)", "at": Self.minute(last.at, office)]) }
        if let compared {
            values["compared"] = compared
            values["comparedOK"] = comparedOK
        }
        return page("audit", visit, title: pages.text("nav.audit", language), here: "/console/audit", values: values)
    }
}
