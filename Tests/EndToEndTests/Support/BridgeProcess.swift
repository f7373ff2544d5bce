import Foundation
import Synchronization
import TestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How a child process ended.
enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signalled(Int32)

    var description: String {
        switch self {
        case .exited(let code): "exit code \(code)"
        case .signalled(let signal): "killed by signal \(signal)"
        }
    }
}

/// A scratch folder, removed when the object goes away. Short paths, so Unix
/// socket paths fit in `sun_path`.
final class ScratchDirectory: Sendable {
    let path: String

    init() throws {
        var template = Array("/tmp/dpe2e.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw HarnessError("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
    }

    func file(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The `datapipe` executable under test: `$DATAPIPE_BIN`, else the one built
/// beside the running test binary (`.build/<triple>/debug/datapipe`).
enum BridgeExecutable {
    static let path: String = {
        if let override = ProcessInfo.processInfo.environment["DATAPIPE_BIN"], !override.isEmpty { return override }
        var starts: [URL] = []
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            starts.append(URL(fileURLWithPath: resolved))
        }
        if let main = Bundle.main.executableURL { starts.append(main) }
        starts.append(URL(fileURLWithPath: CommandLine.arguments[0]))
        for bundle in Bundle.allBundles { starts.append(bundle.bundleURL) }
        for start in starts {
            var folder = start.resolvingSymlinksInPath().deletingLastPathComponent()
            for _ in 0..<5 {
                let candidate = folder.appendingPathComponent("datapipe").path
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate, isDirectory: &isFolder), !isFolder.boolValue,
                    FileManager.default.isExecutableFile(atPath: candidate)
                {
                    return candidate
                }
                folder = folder.deletingLastPathComponent()
            }
        }
        // Last resort: the package's own build folder.
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.appendingPathComponent(".build/debug/datapipe").path
    }()
}

/// Spawns of several tests run at once: descriptors are made close-on-exec and
/// the spawn is serialised, so no child inherits another test's pipe ends
/// (which would keep that test's end of file from ever arriving).
private let spawnLock = Mutex(())

private let ignoreSIGPIPE: Void = {
    // A bridge that closed its input must not kill the test process.
    signal(SIGPIPE, SIG_IGN)
}()

/// One running `datapipe` process, with pipes for stdin, stdout and stderr.
final class BridgeProcess: Sendable {
    enum Input: Sendable {
        case pipe
        /// Stdin redirected from a regular file.
        case file(String)
    }

    enum Output: Sendable {
        case pipe
        /// Stdout redirected to a regular file (created or truncated).
        case file(String)
    }

    let pid: pid_t
    let arguments: [String]
    let stdout: ByteStream?
    let stderr: ByteStream
    private let stdinDescriptor: Mutex<CInt?>
    private let status = Waitable<ExitStatus?>(nil)

    /// Starts `datapipe` with `arguments`, in an environment of its own:
    /// HOME is `home` and no DATAPIPE_* variable leaks in from the caller.
    init(
        arguments: [String], home: String, environment extra: [String: String] = [:], input: Input = .pipe,
        output: Output = .pipe
    ) throws {
        _ = ignoreSIGPIPE
        self.arguments = arguments
        let executable = BridgeExecutable.path
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw HarnessError(
                "no datapipe executable at \(executable); build with `swift build --build-tests` or set DATAPIPE_BIN")
        }
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("DATAPIPE_") }
        environment["HOME"] = home
        for (key, value) in extra { environment[key] = value }

        let (pid, stdinWrite, stdoutRead, stderrRead) = try spawnLock.withLock { _ in
            try Self.spawn(
                executable: executable, arguments: arguments, environment: environment, input: input, output: output)
        }
        self.pid = pid
        self.stdinDescriptor = Mutex(stdinWrite)
        self.stdout = stdoutRead.map { ByteStream(name: "stdout of datapipe \(arguments.first ?? "")", descriptor: $0) }
        self.stderr = ByteStream(
            name: "stderr of datapipe", descriptor: stderrRead, copy: TestLogs.open("datapipe-\(pid).stderr"))

        let status = self.status
        let waiter = Thread {
            var raw: CInt = 0
            while waitpid(pid, &raw, 0) < 0 {
                guard errno == EINTR else {
                    status.update { $0 = .exited(-1) }
                    return
                }
            }
            let signal = raw & 0x7f
            status.update { $0 = signal == 0 ? .exited((raw >> 8) & 0xff) : .signalled(signal) }
        }
        waiter.name = "e2e-waitpid-\(pid)"
        waiter.start()
    }

    /// `datapipe rpc` with a config file in a scratch folder (which need not exist).
    static func rpc(_ extra: [String] = [], in directory: ScratchDirectory, environment: [String: String] = [:]) throws
        -> BridgeProcess
    {
        try BridgeProcess(
            arguments: ["rpc", "--config", directory.file("cfg.json")] + extra, home: directory.path,
            environment: environment)
    }

    private static func spawn(
        executable: String, arguments: [String], environment: [String: String], input: Input, output: Output
    ) throws -> (pid_t, CInt?, CInt?, CInt) {
        func makePipe() throws -> (read: CInt, write: CInt) {
            var ends: [CInt] = [0, 0]
            // pipe2 is not exported by the Glibc module; spawnLock covers the gap
            // between pipe and fcntl for our own spawns.
            guard pipe(&ends) == 0 else { throw HarnessError("pipe: \(String(cString: strerror(errno)))") }
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
            return (ends[0], ends[1])
        }
        func openFile(_ path: String, _ flags: CInt) throws -> CInt {
            let descriptor = open(path, flags | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw HarnessError("open \(path): \(String(cString: strerror(errno)))") }
            return descriptor
        }
        var toClose: [CInt] = []
        defer { for descriptor in toClose { close(descriptor) } }

        let childStdin: CInt
        var stdinWrite: CInt?
        switch input {
        case .pipe:
            let ends = try makePipe()
            childStdin = ends.read
            stdinWrite = ends.write
        case .file(let path):
            childStdin = try openFile(path, O_RDONLY)
        }
        toClose.append(childStdin)

        let childStdout: CInt
        var stdoutRead: CInt?
        switch output {
        case .pipe:
            let ends = try makePipe()
            childStdout = ends.write
            stdoutRead = ends.read
        case .file(let path):
            childStdout = try openFile(path, O_WRONLY | O_CREAT | O_TRUNC)
        }
        toClose.append(childStdout)
        let stderrEnds = try makePipe()
        toClose.append(stderrEnds.write)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, childStdin, 0)
        posix_spawn_file_actions_adddup2(&actions, childStdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderrEnds.write, 2)
        // Nothing else is inherited: a descriptor another thread has open at this
        // moment (e.g. the end of the socket Foundation's Process watches to see a
        // child exit) would otherwise live on in this child and withhold that EOF.
        closeInheritedDescriptors(&actions)

        // The child starts with default signal handling and no blocked signals,
        // whatever the test runner set up.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            if let stdinWrite { close(stdinWrite) }
            if let stdoutRead { close(stdoutRead) }
            close(stderrEnds.read)
            throw HarnessError("posix_spawn \(executable): \(String(cString: strerror(result)))")
        }
        if let stdinWrite {
            // Writes must not hang a test when the bridge stops reading.
            _ = fcntl(stdinWrite, F_SETFL, fcntl(stdinWrite, F_GETFL) | O_NONBLOCK)
        }
        return (pid, stdinWrite, stdoutRead, stderrEnds.read)
    }

    // MARK: Stdin

    /// Writes `bytes` to the bridge's stdin; fails after `timeout` if the
    /// bridge stops reading, or when it has closed its stdin.
    func write(_ bytes: [UInt8], timeout: Duration = .seconds(60)) throws {
        try stdinDescriptor.withLock { descriptor in
            guard let descriptor else { throw HarnessError("stdin is already closed") }
            try writeAll(bytes, to: descriptor, timeout: timeout)
        }
    }

    /// Closes the bridge's stdin: it sees end of file.
    func closeStdin() {
        stdinDescriptor.withLock { descriptor in
            if let open = descriptor { close(open) }
            descriptor = nil
        }
    }

    /// The client view of stdio, in `framing`.
    func peer(_ framing: Framing) -> RPCPeer {
        guard let stdout else { preconditionFailure("stdout is redirected to a file") }
        return RPCPeer(framing: framing, input: stdout) { [self] bytes in try write(bytes) }
    }

    // MARK: Lifetime

    func signal(_ number: CInt) { _ = posixKill(pid, number) }

    var exitStatus: ExitStatus? { status.withState { $0 } }

    /// Waits for the process to end.
    @discardableResult
    func waitForExit(timeout: Duration = .seconds(60)) async throws -> ExitStatus {
        try await status.wait(
            for: "datapipe (pid \(pid)) to exit; stderr: \(stderr.text.suffix(1500))", timeout: timeout
        ) { $0 }
    }

    /// Kills the process if it still runs (cleanup after a failed test).
    func kill() {
        closeStdin()
        if exitStatus == nil { _ = posixKill(pid, SIGKILL) }
    }

    deinit {
        if status.withState({ $0 }) == nil { _ = posixKill(pid, SIGKILL) }
        stdinDescriptor.withLock { descriptor in
            if let open = descriptor { close(open) }
        }
    }
}

/// Writes everything, polling for room when the descriptor is non-blocking.
func writeAll(_ bytes: [UInt8], to descriptor: CInt, timeout: Duration) throws {
    let deadline = ContinuousClock.now + timeout
    try bytes.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let written = posixWrite(descriptor, raw.baseAddress! + offset, raw.count - offset)
            if written >= 0 {
                offset += written
                continue
            }
            switch errno {
            case EINTR:
                continue
            case EAGAIN:
                let left = deadline - ContinuousClock.now
                guard left > .zero else {
                    throw HarnessError(
                        "write stalled: \(raw.count - offset) of \(raw.count) bytes not taken within \(timeout)")
                }
                var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                _ = poll(&poller, 1, CInt(min(left.components.seconds * 1000 + 1, 1000)))
            default:
                throw HarnessError(
                    "write failed after \(offset) of \(raw.count) bytes: \(String(cString: strerror(errno)))")
            }
        }
    }
}

extension BridgeProcess {
    /// Closes stdin, reads what is left on stdout (every frame checked) and
    /// waits for the process to exit.
    func finish(_ peer: RPCPeer, timeout: Duration = .seconds(60)) async throws -> (rest: [Message], status: ExitStatus)
    {
        closeStdin()
        let rest = try await peer.readToEnd(timeout: timeout)
        let status = try await waitForExit(timeout: timeout)
        return (rest, status)
    }
}
