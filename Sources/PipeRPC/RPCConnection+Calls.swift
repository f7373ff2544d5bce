import Logging
import PipeJSON
import Synchronization

/// A request (or notification) waiting for, or holding, a slot.
struct Call: Sendable {
    let id: JSON
    let method: String
    let params: JSON?
    let target: ReplyTarget
}

/// The mutable part of a connection, behind its mutex.
struct ConnectionState: Sendable {
    var style: FramingStyle?
    var nextSerial: UInt64 = 0
    var running: [UInt64: Running] = [:]
    var queue: [(serial: UInt64, call: Call)] = []
    var queueHead = 0
    var readingPaused = false
    var inputClosed = Milestone()
    /// Set when the output starts closing; `finished` is reached once it has.
    var finishing = false
    var finished = Milestone()

    struct Running: Sendable {
        let id: JSON
        var task: Task<Void, Never>?
        let answersCancel: Bool
    }

    /// Something that happens once, with the tasks waiting for it.
    struct Milestone: Sendable {
        private(set) var reached = false
        private var waiters: [CheckedContinuation<Void, Never>] = []

        /// Marks it reached; returns the waiters to resume (outside the lock).
        mutating func reach() -> [CheckedContinuation<Void, Never>] {
            reached = true
            defer { waiters = [] }
            return waiters
        }

        /// Queues `waiter` unless already reached; returns whether it was queued.
        mutating func enqueue(_ waiter: CheckedContinuation<Void, Never>) -> Bool {
            if reached { return false }
            waiters.append(waiter)
            return true
        }
    }

    var queuedCount: Int { queue.count - queueHead }

    mutating func popQueued() -> (serial: UInt64, call: Call)? {
        guard queueHead < queue.count else { return nil }
        let next = queue[queueHead]
        queueHead += 1
        if queueHead > 256, queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        return next
    }
}

extension RPCConnection {
    /// Starts `call` now, or queues it when the connection is at its limit.
    func enqueue(_ call: Call) {
        let pause: Bool = state.withLock { state in
            let serial = state.nextSerial
            state.nextSerial += 1
            if state.running.count < options.maxInFlight {
                start(call, serial: serial, in: &state)
                return false
            }
            state.queue.append((serial, call))
            if state.queuedCount >= options.maxQueued, !state.readingPaused {
                state.readingPaused = true
                return true
            }
            return false
        }
        if pause { pacing?.setReadingPaused(true) }
    }

    /// Spawns the Task for `call`; the caller holds the lock, so the Task's
    /// own completion cannot remove its entry before it is recorded.
    private func start(_ call: Call, serial: UInt64, in state: inout ConnectionState) {
        state.running[serial] = ConnectionState.Running(id: call.id, task: nil, answersCancel: call.target.answers)
        state.running[serial]?.task = Task(executorPreference: executor) { [self] in
            let reply = await run(call)
            if let reply { deliver(reply, to: call.target) }
            completed(serial)
        }
    }

    /// Runs one call to its reply (nil for notifications).
    private func run(_ call: Call) async -> [UInt8]? {
        do {
            let prepared = try registry.prepare(method: call.method, params: call.params, session: session)
            let context = RequestContext(
                id: call.id, method: call.method, session: session,
                progressToken: prepared.progressToken ?? call.id,
                notifier: Notifier { [self] method, params in
                    send(OutgoingMessage.notification(method: method, params: params))
                })
            try Task.checkCancellation()
            let result = try await prepared.entry.call(prepared.params, context)
            return call.target.answers ? OutgoingMessage.success(id: call.id, result: result) : nil
        } catch {
            let (wire, isInternal) = RPCError.from(error)
            if isInternal {
                logger.error("\(call.method) failed: \(error)")
            } else if !call.target.answers {
                logger.debug("notification \(call.method) failed: \(wire.message)")
            }
            return call.target.answers ? OutgoingMessage.failure(id: call.id, error: wire) : nil
        }
    }

    private func completed(_ serial: UInt64) {
        let resume: Bool = state.withLock { state in
            state.running[serial] = nil
            while state.running.count < options.maxInFlight, let next = state.popQueued() {
                start(next.call, serial: next.serial, in: &state)
            }
            if state.readingPaused, state.queuedCount <= options.maxQueued / 2, !state.inputClosed.reached {
                state.readingPaused = false
                return true
            }
            return false
        }
        if resume { pacing?.setReadingPaused(false) }
        finishIfIdle()
    }

    /// Handles `$/cancelRequest {id}`: a running request's Task is cancelled
    /// (it answers -32800 when it stops); a queued one is answered at once.
    func cancel(_ params: JSON?) {
        guard let id = params?["id"] ?? params?[0] else {
            logger.debug("$/cancelRequest without an id ignored")
            return
        }
        let dropped: [Call] = state.withLock { state in
            for (_, running) in state.running where running.id == id && running.answersCancel {
                running.task?.cancel()
            }
            let matching = state.queue[state.queueHead...].filter { $0.call.id == id && $0.call.target.answers }
            guard !matching.isEmpty else { return [] }
            state.queue = state.queue[state.queueHead...].filter { !($0.call.id == id && $0.call.target.answers) }
            state.queueHead = 0
            return matching.map(\.call)
        }
        for call in dropped {
            deliver(OutgoingMessage.failure(id: call.id, error: .requestCancelled), to: call.target)
        }
        finishIfIdle()
    }

    // MARK: Shutdown

    /// Closes the output once the input has ended and no call remains.
    func finishIfIdle() { finish(abandoningCalls: false) }

    /// Gives up on calls that ignored cancellation: closes the output anyway.
    private func abandon() { finish(abandoningCalls: true) }

    private func finish(abandoningCalls: Bool) {
        let start: Bool = state.withLock { state in
            guard !state.finishing else { return false }
            if abandoningCalls {
                logger.error("closing with \(state.running.count) requests that ignored cancellation")
            } else {
                guard state.inputClosed.reached, state.running.isEmpty, state.queuedCount == 0 else { return false }
            }
            state.finishing = true
            return true
        }
        guard start else { return }
        Task {
            await sink.finish()
            for waiter in state.withLock({ $0.finished.reach() }) { waiter.resume() }
        }
    }

    /// Returns once the connection has answered everything and closed its
    /// output. Once the input has ended, running calls get `drainTimeout` to
    /// finish; then they are cancelled, and a call that ignores cancellation
    /// is abandoned after a short grace.
    public func waitUntilFinished() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitFor(\.finished) }
            group.addTask {
                await self.waitFor(\.inputClosed)
                try? await Task.sleep(for: self.options.drainTimeout)
                guard !Task.isCancelled else { return }
                self.cancelAll(reason: "still running \(self.options.drainTimeout) after the input ended")
                try? await Task.sleep(for: .seconds(2))
                guard !Task.isCancelled else { return }
                self.abandon()
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// Stops reading and lets running calls finish (as at end of input).
    public func shutdown() {
        pacing?.setReadingPaused(true)
        inputClosed()
    }

    /// Cancels every running and queued call.
    public func cancelAll(reason: String) {
        let (tasks, dropped): ([Task<Void, Never>], [Call]) = state.withLock { state in
            let tasks = state.running.values.compactMap(\.task)
            var dropped: [Call] = []
            while let next = state.popQueued() { dropped.append(next.call) }
            return (tasks, dropped)
        }
        if !tasks.isEmpty || !dropped.isEmpty {
            logger.warning("cancelling \(tasks.count) running and \(dropped.count) queued requests: \(reason)")
        }
        for task in tasks { task.cancel() }
        for call in dropped { deliver(OutgoingMessage.failure(id: call.id, error: .requestCancelled), to: call.target) }
        finishIfIdle()
    }

    private func waitFor(_ milestone: WritableKeyPath<ConnectionState, ConnectionState.Milestone>) async {
        await withCheckedContinuation { continuation in
            let queued = state.withLock { $0[keyPath: milestone].enqueue(continuation) }
            if !queued { continuation.resume() }
        }
    }
}

extension ReplyTarget {
    var answers: Bool {
        if case .none = self { return false }
        return true
    }
}
