/// The last step of an erasure request, written by `RightsStore.applyErasure`: the keyring's
/// erasure ledger first (and the subject's key destroyed when nothing is kept), then, in one
/// vault transaction, the fields destroyed (or the whole subject), the kept fields marked for
/// the purposes that keep them, the recipients' tasks and the request closed.
///
/// The request's closing commits with what it closes: an erasure interrupted before that
/// commit leaves the request open with its certificate stored (`GateTransaction
/// .recordErasureCertificate`), and fulfilling it again finishes this same step, once. Before,
/// a kill after the subject's rows went and before the request closed left a request that no
/// command could finish ("subject is not in the vault").
///
/// ```swift
/// try store.applyErasure(ErasureApplication(subject: "PR-1", destroy: ["email"], keep: [:], wholeSubject: true, tasks: [],
///                                           closing: RequestClosing(request: "RQ-2026-0001", outcome: words, actor: "officer")), at: .now)
/// ```
package struct ErasureApplication: Sendable {
    package var subject: String
    /// Fields destroyed; with `wholeSubject`, every field the subject had.
    package var destroy: [String]
    /// Field to the purposes that keep it.
    package var keep: [String: [String]]
    /// Nothing is kept: the subject's key and rows go (crypto-shredding), leaving a
    /// pseudonymous proof of its consents.
    package var wholeSubject: Bool
    /// Art. 19 and Art. 28(3) tasks for the recipients of destroyed fields.
    package var tasks: [RecipientTask]
    /// The erasure request, closed with the destruction.
    package var closing: RequestClosing

    package init(subject: String, destroy: [String], keep: [String: [String]], wholeSubject: Bool, tasks: [RecipientTask], closing: RequestClosing) {
        self.subject = subject
        self.destroy = destroy
        self.keep = keep
        self.wholeSubject = wholeSubject
        self.tasks = tasks
        self.closing = closing
    }

    /// What the keyring's erasure ledger records.
    package var ledgerRecord: ErasureRecord {
        wholeSubject ? ErasureRecord(subject: subject, wholeSubject: true) : ErasureRecord(subject: subject, wholeSubject: false, destroyed: destroy, kept: keep)
    }
}
