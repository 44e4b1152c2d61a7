import Custos
import CustosStore
import Prometheus
import Synchronization

/// The server's Prometheus metrics (`GET /metrics`, text format 0.0.4), kept in a registry of
/// its own rather than through a process-wide metrics bootstrap (a library must not bootstrap).
/// Label values come from bounded sets only: a purpose the policy does not declare is counted
/// as `undeclared`, a path that matches no route as `unknown`, so a caller cannot grow the
/// registry without bound.
final class ServerMetrics: DecisionLogObserver {
    let registry = PrometheusCollectorRegistry()
    let policy: CompiledPolicy
    let inFlight: Gauge
    let openConnections: Gauge
    let logAppend: DurationHistogram
    let logCommit: DurationHistogram
    let logGroupSize: ValueHistogram
    static let latencyBuckets: [Duration] = [.microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
                                             .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1)]

    init(policy: CompiledPolicy, log engine: any ServiceEngine) {
        self.policy = policy
        inFlight = registry.makeGauge(descriptor: Self.name("http_requests", "in_flight", "Requests being answered now"))
        openConnections = registry.makeGauge(descriptor: Self.name("http_connections", "open", "Open client connections"))
        logAppend = registry.makeDurationHistogram(descriptor: Self.name("log_append_duration", "seconds", "Time from a decision's append to its durable commit"),
                                                   buckets: Self.latencyBuckets)
        logCommit = registry.makeDurationHistogram(descriptor: Self.name("log_commit_duration", "seconds", "Time to write and commit one group of log entries"),
                                                   buckets: Self.latencyBuckets)
        logGroupSize = registry.makeValueHistogram(descriptor: Self.name("log_group", "size", "Log entries written by one group commit"),
                                                   buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024])
        engine.observeLog(self)
    }

    func appended(in duration: Duration) { logAppend.record(duration) }

    func committed(group size: Int, in duration: Duration) {
        logCommit.record(duration)
        logGroupSize.record(Double(size))
    }

    /// The counters and histograms of each label set, kept once made: the registry builds and
    /// hashes its label arrays on every lookup, which showed on the fastest routes.
    private struct DecisionKey: Hashable { let outcome: Outcome, action: Action, purpose: String, via: String }
    private struct RequestKey: Hashable { let route: String, status: Int }
    private let decisionCounters = Mutex<[DecisionKey: Counter]>([:])
    private let reasonCounters = Mutex<[ReasonCode: Counter]>([:])
    private let requestCounters = Mutex<[RequestKey: Counter]>([:])
    private let durations = Mutex<[String: DurationHistogram]>([:])
    private let limitedCounters = Mutex<[String: Counter]>([:])

    private let replacedTokenCounters = Mutex<[String: Counter]>([:])

    /// A request refused by its account's rate limit, counted by account (names only service
    /// accounts in the keyring, so the label set stays as small as the list of accounts), so an
    /// operator can see which service needs a higher limit.
    func rateLimited(account: String) {
        count(account, in: limitedCounters, Self.name("rate_limited", "total", "Requests refused by their service account's rate limit"))
    }

    /// A request made with the token a rotation replaced, by account: when it stays at the
    /// same count, every service has taken the new token and the old one can be ended early
    /// (`custos service end-old-token NAME`).
    func replacedTokenUsed(account: String) {
        count(account, in: replacedTokenCounters, Self.name("replaced_token_requests", "total", "Requests made with a token that a rotation replaced"))
    }

    /// One more in the counter of `descriptor` labelled with the account, made on first use.
    private func count(_ account: String, in counters: borrowing Mutex<[String: Counter]>, _ descriptor: @autoclosure () -> MetricNameDescriptor) {
        counters.withLock { counters in
            if let counter = counters[account] { return counter }
            let counter = registry.makeCounter(descriptor: descriptor(), labels: [("account", account)])
            counters[account] = counter
            return counter
        }.increment()
    }

    func decided(_ decision: Decision, via route: String) {
        let purpose = policy.purposes.id(decision.purpose) != nil ? decision.purpose : "undeclared"
        let key = DecisionKey(outcome: decision.outcome, action: decision.action, purpose: purpose, via: route)
        let counter = decisionCounters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = registry.makeCounter(descriptor: Self.name("decisions", "total", "Decisions made through the server"),
                                               labels: [("outcome", key.outcome.rawValue), ("action", key.action.rawValue), ("purpose", purpose), ("via", route)])
            counters[key] = counter
            return counter
        }
        counter.increment()
        for reason in decision.reasons {
            reasonCounters.withLock { counters in
                if let counter = counters[reason.code] { return counter }
                let counter = registry.makeCounter(descriptor: Self.name("decision_reasons", "total", "Reason codes in decisions made through the server"),
                                                   labels: [("code", reason.code.rawValue)])
                counters[reason.code] = counter
                return counter
            }.increment()
        }
    }

    func answered(route: String, status: Int, after duration: Duration) {
        requestCounters.withLock { counters in
            let key = RequestKey(route: route, status: status)
            if let counter = counters[key] { return counter }
            let counter = registry.makeCounter(descriptor: Self.name("http_requests", "total", "HTTP requests answered"),
                                               labels: [("route", route), ("status", String(status))])
            counters[key] = counter
            return counter
        }.increment()
        durations.withLock { histograms in
            if let histogram = histograms[route] { return histogram }
            let histogram = registry.makeDurationHistogram(descriptor: Self.name("http_request_duration", "seconds", "Time to answer an HTTP request"),
                                                           labels: [("route", route)], buckets: Self.latencyBuckets)
            histograms[route] = histogram
            return histogram
        }.record(duration)
    }

    var text: [UInt8] { registry.emitToBuffer() }

    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "custos", metricName: metric, unitName: unit, helpText: help)
    }
}
