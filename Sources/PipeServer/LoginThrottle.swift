import Foundation

/// Failed logins per username: after `freeAttempts` failures in a row, the
/// username is locked for `baseLock` seconds, doubling with each further
/// failure up to `maxLock`. A success clears the count.
actor LoginThrottle {
    private struct State {
        var failures = 0
        var lockedUntil: Date = .distantPast
    }

    private var states: [String: State] = [:]
    let freeAttempts = 5
    let baseLock: TimeInterval = 30
    let maxLock: TimeInterval = 900
    let maxTracked = 10_000

    /// Seconds left on the username's lock, or nil when a login may be tried.
    func lockRemaining(_ username: String, now: Date = Date()) -> Int? {
        guard let state = states[username], state.lockedUntil > now else { return nil }
        return Int(state.lockedUntil.timeIntervalSince(now).rounded(.up))
    }

    func recordFailure(_ username: String, now: Date = Date()) {
        if states.count >= maxTracked {  // bounded: forget the names that are not locked
            states = states.filter { $0.value.lockedUntil > now }
        }
        var state = states[username] ?? State()
        state.failures += 1
        if state.failures >= freeAttempts {
            let doublings = Double(min(state.failures - freeAttempts, 10))
            state.lockedUntil = now.addingTimeInterval(min(baseLock * pow(2, doublings), maxLock))
        }
        states[username] = state
    }

    func recordSuccess(_ username: String) { states[username] = nil }
}
