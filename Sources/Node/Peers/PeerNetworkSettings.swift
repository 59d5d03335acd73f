import NIOCore
import ZenFS

/// The knobs of the peer network, each with a default a node can run on.
public struct PeerNetworkSettings: Sendable {
    /// Where the node accepts connections.
    public var listen: PeerAddress
    /// The address other nodes use to reach this one (the listen address unless it is a wildcard).
    public var advertised: PeerAddress
    public var agent = "zenfs/0.1"
    /// How many times a query is passed on beyond the first neighbours.
    public var hopLimit: UInt8 = 8
    public var handshakeTimeout = TimeAmount.seconds(10)
    /// A peer that sends nothing for this long (not even a pong) is dropped; pings go out at a third of it.
    public var idleTimeout = TimeAmount.seconds(60)
    public var maximumConnections = 128
    /// Queries (find and search) a peer may send at once, and per second on average, before it is cut off.
    public var queryBurst: Double = 400
    public var queriesPerSecond: Double = 200
    /// Element requests a peer may have outstanding at this node.
    public var maximumRequestsPerPeer = 64
    /// Where bans are kept across restarts (`bans.json` in the data directory); nil: in memory only.
    public var banListPath: String?
    /// Testing only: serve every part with one byte flipped, as a lying node would.
    public var servesCorruptParts = false
    /// Testing only: wait this long before answering each element request, as an overloaded node would.
    public var serveDelay = TimeAmount.zero

    public init(listen: PeerAddress, advertised: PeerAddress? = nil) {
        self.listen = listen
        self.advertised = advertised ?? listen
    }
}
