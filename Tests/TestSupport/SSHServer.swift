import Foundation
import PipeRemotes

#if canImport(Glibc)
    import Glibc
#endif

/// A real OpenSSH `sshd` on a free loopback port, with its own config, an
/// ed25519 host key and an ed25519 client key authorized for every user,
/// all in a fresh temporary folder. Root may log in (CI runs as root);
/// password logins use `SSHServer.passwordUser()`. Killed and removed when
/// dropped (or by `kill()`).
public final class SSHServer: @unchecked Sendable {
    public let port: Int
    /// Holds the config, keys and the server's log.
    public let folder: String
    /// The authorized client key (ed25519, no passphrase).
    public let clientKeyPath: String
    /// The host key's public line, `ssh-ed25519 AAAA… comment`.
    public let hostPublicKey: String
    /// `SHA256:…`, as `ssh-keygen -l` shows it.
    public let hostFingerprint: String
    private var pid: pid_t = 0
    private var exited = false
    private let ownsFolder: Bool

    /// Starts a server; `reusing` another server's folder keeps its keys (a restart).
    public init(reusing previous: SSHServer? = nil, port requestedPort: Int? = nil) throws {
        let sshd = "/usr/sbin/sshd"
        guard FileManager.default.isExecutableFile(atPath: sshd) else {
            throw TestSetupError(
                description: "\(sshd) is missing: apt-get install openssh-server (scripts/install-deps.sh)")
        }
        ownsFolder = previous == nil
        folder = previous?.folder ?? NSTemporaryDirectory() + "datapipe-sshd-" + UUID().uuidString
        clientKeyPath = folder + "/client_ed25519"
        if previous == nil {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try runProgram("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", folder + "/host_ed25519"])
            try runProgram("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", clientKeyPath])
            try FileManager.default.copyItem(atPath: clientKeyPath + ".pub", toPath: folder + "/authorized_keys")
        }
        hostPublicKey = try String(contentsOfFile: folder + "/host_ed25519.pub", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let listed = String(
            decoding: try runProgram("/usr/bin/ssh-keygen", ["-l", "-f", folder + "/host_ed25519.pub"]), as: UTF8.self)
        hostFingerprint = String(listed.split(separator: " ")[1])
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        port = try requestedPort ?? freeLoopbackPort()
        let config = """
            ListenAddress 127.0.0.1
            HostKey \(folder)/host_ed25519
            PidFile none
            UsePAM no
            PermitRootLogin yes
            PasswordAuthentication yes
            PubkeyAuthentication yes
            KbdInteractiveAuthentication no
            AuthorizedKeysFile \(folder)/authorized_keys
            StrictModes no
            MaxStartups 100
            MaxSessions 100
            Subsystem sftp internal-sftp
            LogLevel VERBOSE

            """
        try config.write(toFile: folder + "/sshd_config", atomically: true, encoding: .utf8)
        // setpriv: the server dies with this process even when it is killed.
        pid = try spawn(
            "/usr/bin/setpriv",
            ["--pdeathsig", "KILL", "--", sshd, "-D", "-e", "-f", folder + "/sshd_config", "-p", String(port)],
            output: folder + "/sshd.log")
        try waitUntilListening()
    }

    deinit {
        kill()
        if ownsFolder { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// The server's log so far (for failure messages).
    public var log: String { (try? String(contentsOfFile: folder + "/sshd.log", encoding: .utf8)) ?? "" }

    /// Kills the server and every session process it forked (SIGKILL), at once.
    public func kill() {
        guard !exited, pid > 0 else { return }
        for process in Self.descendants(of: pid) + [pid] { Glibc.kill(process, SIGKILL) }
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        exited = true
    }

    private var isRunning: Bool {
        var status: Int32 = 0
        return !exited && waitpid(pid, &status, WNOHANG) == 0
    }

    /// The settings of a key-auth remote as `user` (root by default).
    public func configuration(root: String, user: String = "root", knownHosts: String? = nil) -> SFTPConfiguration {
        SFTPConfiguration(
            host: "127.0.0.1", port: port, root: root, username: user,
            authentication: .privateKeyFile(clientKeyPath, passphrase: nil), knownHostsPath: knownHosts)
    }

    private func waitUntilListening() throws {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            guard isRunning else {
                exited = true
                throw TestSetupError(description: "sshd exited: \(log)")
            }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            close(fd)
            if connected == 0 { return }
            usleep(50_000)
        }
        throw TestSetupError(description: "sshd did not listen on port \(port) within 60 s: \(log)")
    }

    private static func descendants(of pid: Int32) -> [Int32] {
        var parents: [Int32: [Int32]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let child = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { parents[parent, default: []].append(child) }
        }
        var found: [Int32] = []
        var queue = [pid]
        while let next = queue.popLast() {
            for child in parents[next] ?? [] {
                found.append(child)
                queue.append(child)
            }
        }
        return found
    }

    /// Shared by the tests of this process that need any server.
    public static let shared = LaunchOnce()

    public actor LaunchOnce {
        private var launch: Task<SSHServer, any Error>?

        public func server() async throws -> SSHServer {
            if let launch { return try await launch.value }
            let task = Task { try await BlockingIO.run { _ in try SSHServer() } }
            launch = task
            return try await task.value
        }
    }

    /// A throwaway system account with a random password (password logins
    /// need a real account): created once per process with useradd, its
    /// password set with chpasswd. Needs root, as CI runs.
    public static func passwordUser() throws -> (name: String, password: String) {
        try passwordAccount.get()
    }

    private static let passwordAccount: Result<(name: String, password: String), any Error> = Result {
        let name = "datapipe-sftp"
        let password = "pw-" + UUID().uuidString
        if getpwnam(name) == nil {
            try runProgram(
                "/usr/sbin/useradd", ["--system", "--no-create-home", "--home-dir", "/tmp", "--shell", "/bin/sh", name])
        }
        try runProgram("/usr/sbin/chpasswd", [], input: "\(name):\(password)\n")
        return (name, password)
    }
}

/// Runs a program to completion (posix_spawn: Foundation's Process can
/// hang in waitUntilExit when several run at once); throws with its output
/// unless it exits 0.
@discardableResult
private func runProgram(_ program: String, _ arguments: [String], input: String? = nil) throws -> Data {
    let scratch = NSTemporaryDirectory() + "datapipe-run-" + UUID().uuidString
    defer {
        unlink(scratch + ".out")
        unlink(scratch + ".in")
    }
    try Data((input ?? "").utf8).write(to: URL(fileURLWithPath: scratch + ".in"))
    let pid = try spawn(program, arguments, input: scratch + ".in", output: scratch + ".out")
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    let data = FileManager.default.contents(atPath: scratch + ".out") ?? Data()
    guard status == 0 else {
        throw TestSetupError(
            description:
                "\(program) \(arguments.joined(separator: " ")) failed: \(String(decoding: data, as: UTF8.self))")
    }
    return data
}

/// Starts `program` with stdin from `input` (else /dev/null) and stdout and
/// stderr appended to `output`.
private func spawn(_ program: String, _ arguments: [String], input: String = "/dev/null", output: String) throws
    -> pid_t
{
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    // Nothing else is inherited: a descriptor another thread has open at this
    // moment (e.g. the end of the socket Foundation's Process watches to see a
    // child exit) would otherwise live on in this child and withhold that EOF.
    closeInheritedDescriptors(&actions)
    let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { (text: String) in strdup(text) } + [nil]
    let envp: [UnsafeMutablePointer<CChar>?] =
        ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"].map { (text: String) in strdup(text) } + [nil]
    defer { for pointer in argv + envp { free(pointer) } }
    var pid: pid_t = 0
    let code = posix_spawn(&pid, program, &actions, nil, argv, envp)
    guard code == 0 else {
        throw TestSetupError(description: "cannot start \(program): \(String(cString: strerror(code)))")
    }
    return pid
}

/// Makes a posix_spawn child close every descriptor from 3 up (glibc's
/// posix_spawn_file_actions_addclosefrom_np, looked up at run time: Glibc's
/// Swift module hides it behind _GNU_SOURCE). Add it after the dup2 actions.
public func closeInheritedDescriptors(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>) {
    typealias CloseFrom = @convention(c) (UnsafeMutableRawPointer, Int32) -> Int32
    guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else {
        preconditionFailure("this glibc has no posix_spawn_file_actions_addclosefrom_np (2.34 or later needed)")
    }
    let status = unsafeBitCast(symbol, to: CloseFrom.self)(UnsafeMutableRawPointer(actions), 3)
    precondition(status == 0, "posix_spawn_file_actions_addclosefrom_np failed: \(status)")
}
