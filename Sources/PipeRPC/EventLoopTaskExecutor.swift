import NIOCore

/// Runs a connection's request Tasks on the event loop that serves its
/// channel. A reply then needs no thread hop: read, dispatch, handler and
/// write share one thread, and a burst of replies leaves in one flush.
///
/// Handlers that compute for long (hashing, compression) should leave the
/// loop with `withTaskExecutorPreference(globalConcurrentExecutor)` so the
/// connection keeps reading (e.g. `$/cancelRequest`) meanwhile.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
