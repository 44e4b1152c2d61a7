import Custos
import CustosStore
import Logging
import ServiceLifecycle

/// Keeps the index of subjects' trails close behind the decision log while the server runs, so
/// that the console's dossier reads only the last few seconds' entries from the log itself.
///
/// On SQLite the index is kept behind the log rather than on it, so that no gated read pays
/// for it (`LogSubjectBlocks`); a server is what grows the log, so it catches up here, on the
/// blocking threads, in transactions of 4,096 entries. On PostgreSQL the call does nothing.
/// A round that fails is logged without its detail (an error may quote a statement) and
/// retried at the next; nothing is lost meanwhile: a trail reads the log after the mark.
///
/// ```swift
/// services.append(TrailUpkeep(store: office.overview.store, executor: executor, logger: logger))
/// ```
struct TrailUpkeep: Service {
    let store: any OverviewStore
    let executor: EngineExecutor
    var interval: Duration = .seconds(5)
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return
                }
                await round()
            }
        }
    }

    /// Catches up to the log's head, 64 transactions (262,144 entries) a call, so that a
    /// shutdown waits for one call at most, however far behind an upgraded vault starts.
    func round() async {
        let store = store
        do {
            while try await executor.run({ try store.indexSubjectTrails(transactions: 64) }) > 0, !Task.isCancelled {}
        } catch {
            logger.warning("the index of subjects' trails was not caught up; the next round retries", metadata: ["error": "\(type(of: error))"])
        }
    }
}
