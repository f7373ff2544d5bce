import PipeRPC
import Synchronization

/// One connection's state: how the peer came in and whether it has proved
/// it may talk to this bridge.
public final class BridgeSession: Sendable {
    public let environment: BridgeEnvironment
    public let peer: PeerKind
    private let authenticated: Atomic<Bool>

    public init(environment: BridgeEnvironment, peer: PeerKind) {
        self.environment = environment
        self.peer = peer
        // Only TCP peers must present the token: stdio and Unix sockets are
        // guarded by the operating system (process ownership, 0600 socket).
        let mustAuthenticate: Bool
        if case .tcp = peer { mustAuthenticate = environment.connectionToken != nil } else { mustAuthenticate = false }
        authenticated = Atomic(!mustAuthenticate)
    }

    public var isAuthenticated: Bool { authenticated.load(ordering: .acquiring) }

    func markAuthenticated() { authenticated.store(true, ordering: .releasing) }
}
