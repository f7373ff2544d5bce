import Synchronization

/// Why a harness wait gave up.
struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A piece of state that threads update and tests wait on, without blocking a
/// thread of the cooperative pool: a waiter suspends until the state changes
/// (or its deadline passes) and then checks its condition again.
final class Waitable<State: Sendable>: Sendable {
    private struct Box {
        var state: State
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextKey: UInt64 = 0
    }

    private let box: Mutex<Box>

    init(_ initial: State) {
        box = Mutex(Box(state: initial))
    }

    /// Changes the state and wakes every waiter.
    @discardableResult
    func update<R: Sendable>(_ body: (inout State) -> R) -> R {
        let (result, waiters) = box.withLock { box in
            let result = body(&box.state)
            let waiters = box.waiters
            box.waiters = [:]
            return (result, waiters)
        }
        for waiter in waiters.values { waiter.resume() }
        return result
    }

    /// Reads (or mutates, without waking anyone) the state.
    func withState<R: Sendable>(_ body: (inout State) throws -> R) rethrows -> R {
        try box.withLock { try body(&$0.state) }
    }

    /// Waits until `check` returns a value; `check` runs under the lock and may
    /// consume part of the state. Throws after `timeout`, naming `what`.
    func wait<R: Sendable>(
        for what: @autoclosure () -> String, timeout: Duration,
        until check: (inout State) throws -> R?
    ) async throws -> R {
        let deadline = ContinuousClock.now + timeout
        while true {
            let key = box.withLock { box in
                defer { box.nextKey += 1 }
                return box.nextKey
            }
            var outcome: Result<R, Error>?
            // The timer only wakes the waiter; the loop then sees the deadline.
            let timer = Task { [self] in
                try? await Task.sleep(until: deadline, clock: .continuous)
                wake(key)
            }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready: Bool = box.withLock { box in
                    do {
                        if let value = try check(&box.state) {
                            outcome = .success(value)
                            return true
                        }
                    } catch {
                        outcome = .failure(error)
                        return true
                    }
                    // A timer that fired before this point found no waiter; the
                    // clock tells us so.
                    if ContinuousClock.now >= deadline { return true }
                    box.waiters[key] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
            timer.cancel()
            if let outcome { return try outcome.get() }
            if ContinuousClock.now >= deadline {
                throw HarnessError("timed out after \(timeout) waiting for \(what())")
            }
        }
    }

    private func wake(_ key: UInt64) {
        let waiter = box.withLock { $0.waiters.removeValue(forKey: key) }
        waiter?.resume()
    }
}
