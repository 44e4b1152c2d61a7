public import CustosStore

// The vault's types that a library call takes or returns. The store itself (the vault, the
// keyring, the decision log) is internal to the package; these few value types cross the
// facade, so `import Custos` names them without importing the store.

/// Where the master key comes from: a key file (32 random bytes, mode 0600) or a passphrase.
///
/// ```swift
/// let engine = try PrivacyEngine.open(vault: "vault.db", masterKey: .file("master.key"))
/// ```
public typealias MasterKeySource = CustosStore.MasterKeySource

/// A new subject's values and metadata, for ``PrivacyEngine/addSubject(_:by:)`` and
/// ``PrivacyEngine/createSubject(_:purpose:actor:)``.
///
/// ```swift
/// try engine.addSubject(NewSubject(id: "D-1", category: "debtor", values: ["email": "jan@example.nl"]), by: "crm")
/// ```
public typealias NewSubject = CustosStore.NewSubject

/// A data-subject request as the vault holds it: type, status, deadline and history, no values.
public typealias RightsRequest = CustosStore.RightsRequest
/// The right a request exercises (access, erasure, objection, …).
public typealias RightsRequestType = CustosStore.RightsRequestType
/// Where a request stands (received, awaiting identity, in progress, extended, completed, rejected).
public typealias RightsRequestStatus = CustosStore.RightsRequestStatus
/// Whether the requester's identity was verified.
public typealias IdentityState = CustosStore.IdentityState

/// One consent event as the ledger holds it, from ``PrivacyEngine/consents(for:)``.
public typealias ConsentLedgerEvent = CustosStore.ConsentLedgerEvent
/// A consent attempt refused at the door, with its reason code.
public typealias ConsentRefusal = CustosStore.ConsentRefusal

/// The decision log's hash chain recomputed, from ``PrivacyEngine/verifyLog()``.
public typealias LogVerification = CustosStore.LogVerification
/// The signed head of log entries pruned under the log's retention.
public typealias LogAnchor = CustosStore.LogAnchor
/// A signed statement of the log's head at a moment, from ``PrivacyEngine/checkpoint()``.
public typealias AuditCheckpoint = CustosStore.AuditCheckpoint
/// Whether the log still holds what a checkpoint saw, from ``PrivacyEngine/verify(_:)->CheckpointVerification``.
public typealias CheckpointVerification = CustosStore.CheckpointVerification
