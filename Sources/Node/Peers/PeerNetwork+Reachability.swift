import NIOCore
import ZenFS

extension PeerNetwork {
    /// `address` as this node can reach it. A node that listens on every interface (0.0.0.0) or on loopback
    /// without naming an address to advertise gives out an address no other host can dial; when such an
    /// address arrives over a connection from another host, its host is replaced by the address that
    /// connection came from (the port stays: it is the node's listen port, not the connection's).
    func reachable(_ address: PeerAddress, via id: ConnectionID) -> PeerAddress {
        guard Self.isUnroutable(address.host) else { return address }
        guard let observed = state.withLock({ $0.connections[id]?.channel.remoteAddress?.ipAddress }) else {
            return address
        }
        // Two nodes on one machine reach each other's loopback addresses as they are.
        if Self.isLoopback(address.host) && Self.isLoopback(observed) { return address }
        return PeerAddress(host: observed, port: address.port)
    }

    /// A query's origin as this node can reach it, when the connection it came over is the origin's own.
    func reachableOrigin(_ origin: PeerAddress, via id: ConnectionID) -> PeerAddress {
        guard Self.isUnroutable(origin.host), address(of: id) == origin else { return origin }
        return reachable(origin, via: id)
    }

    static func isUnroutable(_ host: String) -> Bool {
        host == "0.0.0.0" || host == "::" || host.isEmpty || isLoopback(host)
    }

    static func isLoopback(_ host: String) -> Bool {
        host.hasPrefix("127.") || host == "::1" || host == "localhost" || host == "::ffff:127.0.0.1"
    }
}
