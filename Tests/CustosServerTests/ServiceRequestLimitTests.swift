import Testing
@testable import CustosServer

/// A token bucket per service account: a burst of one second's worth, then the rate.
struct ServiceRequestLimitTests {
    @Test func anAccountBurstsToItsRateThenWaitsWhileAnotherGoesOn() {
        let limit = ServiceRequestLimit(perSecond: 5)
        let start = ContinuousClock.now
        #expect((0..<5).map { _ in limit.admit("crm", at: start) } == [nil, nil, nil, nil, nil])
        #expect(limit.admit("crm", at: start) == 1, "the sixth in the same instant waits a second")
        #expect(limit.admit("crm", at: start + .milliseconds(100)) == 1, "a tenth of a second refills half a request")
        #expect(limit.admit("mailer", at: start) == nil, "each account counts its own")
        #expect(limit.admit("crm", at: start + .milliseconds(300)) == nil, "a fifth of a second is one more request")
        #expect(limit.admit("crm", at: start + .milliseconds(300)) == 1)
    }

    @Test func anIdleAccountRefillsToOneSecondsWorthAndNoMore() {
        let limit = ServiceRequestLimit(perSecond: 3)
        let start = ContinuousClock.now
        for _ in 0..<3 { #expect(limit.admit("crm", at: start) == nil) }
        let later = start + .seconds(60)
        #expect((0..<4).map { _ in limit.admit("crm", at: later) } == [nil, nil, nil, 1], "a minute idle is still one second's burst")
    }

    @Test func aRefusedRequestIsNotCounted() {
        let limit = ServiceRequestLimit(perSecond: 1)
        let start = ContinuousClock.now
        #expect(limit.admit("crm", at: start) == nil)
        for step in 1...9 { #expect(limit.admit("crm", at: start + .milliseconds(step * 100)) == 1) }
        #expect(limit.admit("crm", at: start + .seconds(1)) == nil, "refusals along the way took nothing from the bucket")
    }
}
