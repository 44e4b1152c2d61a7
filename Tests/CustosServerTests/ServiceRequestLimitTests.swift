import Testing
@testable import CustosServer

/// A token bucket per service account: a burst of one second's worth, then the rate.
struct ServiceRequestLimitTests {
    @Test func anAccountBurstsToItsRateThenWaitsWhileAnotherGoesOn() {
        let limit = ServiceRequestLimit()
        let start = ContinuousClock.now
        #expect((0..<5).map { _ in limit.admit("crm", perSecond: 5, at: start) } == [nil, nil, nil, nil, nil])
        #expect(limit.admit("crm", perSecond: 5, at: start) == 1, "the sixth in the same instant waits a second")
        #expect(limit.admit("crm", perSecond: 5, at: start + .milliseconds(100)) == 1, "a tenth of a second refills half a request")
        #expect(limit.admit("mailer", perSecond: 5, at: start) == nil, "each account counts its own")
        #expect(limit.admit("crm", perSecond: 5, at: start + .milliseconds(300)) == nil, "a fifth of a second is one more request")
        #expect(limit.admit("crm", perSecond: 5, at: start + .milliseconds(300)) == 1)
    }

    @Test func anIdleAccountRefillsToOneSecondsWorthAndNoMore() {
        let limit = ServiceRequestLimit()
        let start = ContinuousClock.now
        for _ in 0..<3 { #expect(limit.admit("crm", perSecond: 3, at: start) == nil) }
        let later = start + .seconds(60)
        #expect((0..<4).map { _ in limit.admit("crm", perSecond: 3, at: later) } == [nil, nil, nil, 1], "a minute idle is still one second's burst")
    }

    @Test func aRefusedRequestIsNotCounted() {
        let limit = ServiceRequestLimit()
        let start = ContinuousClock.now
        #expect(limit.admit("crm", perSecond: 1, at: start) == nil)
        for step in 1...9 { #expect(limit.admit("crm", perSecond: 1, at: start + .milliseconds(step * 100)) == 1) }
        #expect(limit.admit("crm", perSecond: 1, at: start + .seconds(1)) == nil, "refusals along the way took nothing from the bucket")
    }

    /// An account's own rate and the server's are counted in the same bucket: a rate raised
    /// for one account applies from its next request, and others keep theirs.
    @Test func eachAccountGoesAtItsOwnRateAndAChangedRateAppliesAtOnce() {
        let limit = ServiceRequestLimit()
        let start = ContinuousClock.now
        #expect((0..<3).map { _ in limit.admit("crm", perSecond: 2, at: start) } == [nil, nil, 1])
        #expect((0..<10).allSatisfy { _ in limit.admit("scoring", perSecond: 10, at: start) == nil }, "another account at its own rate")
        #expect(limit.admit("scoring", perSecond: 10, at: start) == 1)
        // Half a second later the crm's rate is raised to 100 a second: the second it had used
        // is half spent, and the other half goes at the new rate (50 requests, not one).
        let half = start + .milliseconds(500)
        #expect((0..<50).allSatisfy { _ in limit.admit("crm", perSecond: 100, at: half) == nil })
        #expect(limit.admit("crm", perSecond: 100, at: half) == 1)
    }
}
