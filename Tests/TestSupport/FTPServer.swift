import Foundation
import PipeRemotes

#if canImport(Glibc)
    import Glibc
#endif

/// A real vsftpd (Debian `vsftpd`, installed by scripts/install-deps.sh) with
/// its own config on a free loopback port, passive mode, a throwaway local
/// user chrooted into a fresh temporary folder (`folder`, the server's `/`).
/// Needs root (vsftpd logs local users in through PAM and drops to them), as
/// CI runs. `stop()` kills the listener and every session at once,
/// as a crash would; `start()` brings it back on the same port.
public final class FTPServer: @unchecked Sendable {
    public static let username = "datapipe-ftp"
    /// The throwaway user's password: not a secret, the user only exists for tests.
    public static let password = "datapipe-ftp-test-pw"

    public private(set) var port = 0
    private var passivePorts = 0
    /// The server's `/` on disk, owned by the FTP user.
    public let folder: String
    public let tls: Bool
    private let base: String
    private let configPath: String
    private let lock = NSLock()
    private var running: (Process, FileHandle)?

    /// `maxRate`: bytes per second per session (vsftpd's `local_max_rate`), to
    /// catch a transfer in the middle.
    public init(tls: Bool = false, maxRate: Int = 0) throws {
        try Self.userReady.get()
        self.tls = tls
        base = NSTemporaryDirectory() + "datapipe-vsftpd-" + UUID().uuidString
        folder = base + "/root"
        configPath = base + "/vsftpd.conf"
        let empty = base + "/empty"
        for path in [folder, empty] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        chmod(base, 0o755)
        chmod(empty, 0o755)
        guard let user = getpwnam(Self.username) else {
            throw TestSetupError(description: "no user \(Self.username)")
        }
        chown(folder, user.pointee.pw_uid, user.pointee.pw_gid)
        var lastFailure = ""
        for _ in 0..<5 {
            port = try freeLoopbackPort()
            passivePorts = Int.random(in: 20_000...59_000)
            do {
                try start(maxRate: maxRate)
                return
            } catch {
                lastFailure = "\(error)"
            }
        }
        throw TestSetupError(description: "vsftpd did not start: \(lastFailure)")
    }

    /// vsftpd's configuration file for the current port and rate.
    private func writeConfiguration(maxRate: Int) throws {
        var lines = [
            "listen=YES", "listen_ipv6=NO", "listen_address=127.0.0.1", "listen_port=\(port)", "background=NO",
            "anonymous_enable=NO", "local_enable=YES", "write_enable=YES", "local_umask=022",
            "local_root=\(folder)", "chroot_local_user=YES", "allow_writeable_chroot=YES",
            "secure_chroot_dir=\(base)/empty", "pam_service_name=vsftpd", "seccomp_sandbox=NO", "isolate=NO",
            "isolate_network=NO", "pasv_enable=YES", "pasv_address=127.0.0.1", "pasv_min_port=\(passivePorts)",
            "pasv_max_port=\(passivePorts + 200)", "xferlog_enable=NO", "userlist_enable=NO", "check_shell=NO",
            "max_per_ip=0", "max_clients=0", "delay_failed_login=1", "local_max_rate=\(maxRate)",
            "vsftpd_log_file=\(base)/vsftpd.log",
        ]
        if tls {
            let (certificate, key) = try Self.certificate.get()
            lines += [
                "ssl_enable=YES", "rsa_cert_file=\(certificate)", "rsa_private_key_file=\(key)",
                "force_local_logins_ssl=YES", "force_local_data_ssl=YES", "allow_anon_ssl=NO",
                "require_ssl_reuse=NO", "ssl_tlsv1=YES", "ssl_ciphers=HIGH",
            ]
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: base)
    }

    /// Starts vsftpd on the same port under a small shell that holds our
    /// pipe: when the pipe closes (`stop()`, or this process ending in any
    /// way) it freezes vsftpd's process tree and kills it, sessions included
    /// (each runs in a session of its own, so a process group would miss them).
    public func start(maxRate: Int = 0) throws {
        try writeConfiguration(maxRate: maxRate)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", Self.supervisor, "ftp-supervisor", Self.vsftpdPath, configPath]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        lock.withLock { running = (process, input.fileHandleForWriting) }
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, process.isRunning {
            if Self.greets(port) { return }
            usleep(20_000)
        }
        stop()
        let log = (try? String(contentsOfFile: base + "/vsftpd.log", encoding: .utf8)) ?? ""
        throw TestSetupError(description: "vsftpd on port \(port) did not come up \(log.suffix(300))")
    }

    /// Kills vsftpd and all its sessions at once, as a crash would.
    /// The pipe's end of file is not waited for: a process another test
    /// spawned meanwhile may have inherited its write end and keep it open.
    public func stop() {
        guard let (process, input) = lock.withLock({ running.take() }) else { return }
        try? input.close()
        var tree: [Int32] = []
        var frontier = [process.processIdentifier]
        while let pid = frontier.popLast() {
            kill(pid, SIGSTOP)  // no new sessions while the tree is collected
            tree.append(pid)
            frontier += Self.children(of: pid)
        }
        for pid in tree { kill(pid, SIGKILL) }
        // Not waitUntilExit: Foundation learns of the exit through a socket the
        // child holds, and a process another test spawned at the wrong moment may
        // hold it too (the whole suite once hung here). The tree is dead anyway.
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < deadline { usleep(10_000) }
    }

    /// Freezes (SIGSTOP) or thaws (SIGCONT) vsftpd and its sessions: a hung server.
    public func freeze(_ frozen: Bool) {
        guard let supervisor = lock.withLock({ running?.0.processIdentifier }) else { return }
        var frontier = Self.children(of: supervisor)
        while let pid = frontier.popLast() {
            kill(pid, frozen ? SIGSTOP : SIGCONT)
            frontier += Self.children(of: pid)
        }
    }

    private static func children(of pid: Int32) -> [Int32] {
        let listed = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return listed.split(separator: " ").compactMap { Int32($0) }
    }

    /// Runs vsftpd ($1 $2) until stdin closes, then kills its whole tree.
    /// Ignores INT/TERM/HUP sent to the test's process group: only the pipe ends it.
    private static let supervisor = """
        trap '' INT TERM HUP
        "$1" "$2" </dev/null >/dev/null 2>&1 &
        pid=$!
        cat >/dev/null
        tree() { echo "$1"; for c in $(cat /proc/$1/task/$1/children 2>/dev/null); do tree "$c"; done; }
        kill -STOP "$pid" 2>/dev/null
        kill -KILL $(tree "$pid") 2>/dev/null
        wait
        """

    /// A configuration for `root` (default: the server's `/`).
    public func configuration(
        root: String? = "/", username: String = FTPServer.username, password: String = FTPServer.password
    ) throws -> FTPConfiguration {
        var configuration = try FTPConfiguration(
            host: "127.0.0.1", port: port, root: root, username: username, password: password, tls: tls,
            verifyTLS: false)
        configuration.connectSeconds = 15
        return configuration
    }

    /// A remote on a fresh folder below `/` (not created: uploads make it).
    public func remote(folderName: String = "pipe-" + UUID().uuidString.prefix(8).lowercased()) throws -> FTPRemote {
        FTPRemote(try configuration(root: "/" + folderName))
    }

    // MARK: Setup, once per process

    static let vsftpdPath = "/usr/sbin/vsftpd"

    /// Creates the throwaway user (idempotent) and sets its password.
    private static let userReady: Result<Void, TestSetupError> = {
        guard FileManager.default.isExecutableFile(atPath: vsftpdPath) else {
            return .failure(TestSetupError(description: "vsftpd is not installed: run scripts/install-deps.sh"))
        }
        guard getuid() == 0 else {
            return .failure(TestSetupError(description: "the FTP tests start vsftpd with local users: run as root"))
        }
        if getpwnam(username) == nil {
            let status = run(
                "/usr/sbin/useradd", ["--no-create-home", "--home-dir", "/", "--shell", "/bin/sh", username])
            if status != 0, getpwnam(username) == nil {
                return .failure(TestSetupError(description: "useradd \(username) failed (\(status))"))
            }
        }
        for _ in 0..<5 {
            if run("/usr/sbin/chpasswd", [], input: "\(username):\(password)\n") == 0 { return .success(()) }
            usleep(200_000)
        }
        return .failure(TestSetupError(description: "chpasswd for \(username) failed"))
    }()

    /// A self-signed certificate for 127.0.0.1.
    private static let certificate: Result<(String, String), TestSetupError> = {
        let folder = NSTemporaryDirectory() + "datapipe-vsftpd-tls-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let (certificate, key) = (folder + "/cert.pem", folder + "/key.pem")
        let status = run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "2",
                "-subj", "/CN=127.0.0.1",
            ])
        guard status == 0 else { return .failure(TestSetupError(description: "openssl req failed (\(status))")) }
        return .success((certificate, key))
    }()

    @discardableResult
    private static func run(_ tool: String, _ arguments: [String], input: String? = nil) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        // Input through a file, not a pipe: a process another test spawns at the
        // same moment could inherit the pipe's write end and withhold its EOF.
        let inputFile = NSTemporaryDirectory() + "datapipe-tool-input-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: inputFile) }
        do {
            try Data((input ?? "").utf8).write(to: URL(fileURLWithPath: inputFile))
            process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inputFile))
            try process.run()
        } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// True when a server on `port` sends its 220 greeting.
    private static func greets(_ port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { return false }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(socket, &buffer, buffer.count)
        return count >= 3 && buffer[0...2] == [UInt8(ascii: "2"), UInt8(ascii: "2"), UInt8(ascii: "0")]
    }
}

extension FTPServer {
    /// One server per kind for the whole test process, started on first use
    /// off the cooperative pool. Tests give each remote its own folder.
    public actor Shared {
        private let tls: Bool
        private var launch: Task<FTPServer, any Error>?

        public init(tls: Bool) { self.tls = tls }

        public func server() async throws -> FTPServer {
            if let launch { return try await launch.value }
            let tls = tls
            let task = Task { try await BlockingIO.run { _ in try FTPServer(tls: tls) } }
            launch = task
            return try await task.value
        }
    }

    public static let plain = Shared(tls: false)
    public static let withTLS = Shared(tls: true)

    /// Starts a server of its own (for tests that stop it), off the cooperative pool.
    public static func dedicated(tls: Bool = false, maxRate: Int = 0) async throws -> FTPServer {
        try await BlockingIO.run { _ in try FTPServer(tls: tls, maxRate: maxRate) }
    }
}
