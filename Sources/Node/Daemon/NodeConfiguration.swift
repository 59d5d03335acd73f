import Chain
import ZenFS

/// Everything `zenfs node` runs with: flags over `config.toml` over these defaults.
public struct NodeConfiguration: Sendable {
    /// The port a node listens on when neither a flag nor the config file names one.
    public static let defaultPort: UInt16 = 7600

    public var dataDirectory: String
    public var network: NetworkParameters = .development
    public var listen = PeerAddress(host: "127.0.0.1", port: defaultPort)
    /// The address given to other nodes; the listen address when nil.
    public var advertise: PeerAddress?
    /// The first working peers, dialed at start and whenever their connection drops.
    public var peers: [PeerAddress] = []
    public var hopLimit: UInt8 = 8
    public var idleTimeoutSeconds: Double = 60
    /// How long a fetch waits for holders and bytes.
    public var fetchTimeoutSeconds: Double = 10
    /// Where the node's web server (portal, node pages, JSON API) listens, on loopback; nil: none.
    public var web: PeerAddress?
    /// Where the node's Prometheus metrics listener (`GET /metrics`) listens; nil: none.
    public var metrics: PeerAddress?
    /// Where the BitTorrent tracker listens; nil: no tracker. Loopback by default: exposing it is a choice.
    public var tracker: PeerAddress? = PeerAddress(host: "127.0.0.1", port: 6969)
    /// Where the libtorrent session that seeds the node's content listens (libtorrent's form); nil: no seeding.
    public var bittorrentListen: String? = "127.0.0.1:0"
    /// Whether and how the seeding session joins the BitTorrent Mainline DHT (`node.dht_bootstrap`).
    public var dht = DHTSetting.automatic
    /// A stricter work target (compact) this node demands of the task announcements it relays and mines.
    public var minimumTaskBits: UInt32?
    /// Whether the node mines blocks (on by default: the development network needs a miner).
    public var mining = true
    /// Seconds between the blocks this node mines; the network's block spacing when nil.
    public var blockIntervalSeconds: Double?
    /// What the node sells and how it pays (`[market]`).
    public var market = MarketSettings()
    /// Checkpoints for uploads that name none (`[pps] interval`, `mode`); nil: such uploads are paid per
    /// payout interval.
    public var proofDefaults: ProofOrder?
    /// What the node sells as VMs and how it bills them (`[compute]`).
    public var compute = ComputeSettings()
    /// Testing only: serve parts with a flipped byte.
    public var servesCorruptParts = false
    /// Testing only: seconds to wait before answering each element request.
    public var serveDelaySeconds: Double = 0

    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }

    /// The peer network's settings for this configuration.
    var networkSettings: PeerNetworkSettings {
        var settings = PeerNetworkSettings(listen: listen, advertised: advertise)
        settings.hopLimit = hopLimit
        settings.idleTimeout = .nanoseconds(Int64(idleTimeoutSeconds * 1e9))
        settings.handshakeTimeout = .nanoseconds(Int64(min(10, idleTimeoutSeconds) * 1e9))
        settings.banListPath = dataDirectory + "/bans.json"
        settings.servesCorruptParts = servesCorruptParts
        settings.serveDelay = .nanoseconds(Int64(serveDelaySeconds * 1e9))
        return settings
    }
}

/// How a node joins the Mainline DHT, through its BitTorrent session.
public enum DHTSetting: Sendable, Equatable {
    /// The public routers when the BitTorrent session listens on a reachable address; no DHT on loopback.
    case automatic
    /// Through these nodes ("host:port"); an empty list runs a DHT node that others join through.
    case bootstrap([String])
    case off

    /// The Mainline DHT's well-known bootstrap routers.
    public static let publicRouters = [
        "router.bittorrent.com:6881", "dht.transmissionbt.com:6881", "router.utorrent.com:6881",
    ]

    /// The bootstrap nodes for a session listening on `listen` (libtorrent's form); nil: no DHT.
    public func bootstrapNodes(listen: String) -> [String]? {
        switch self {
        case .off: return nil
        case .bootstrap(let nodes): return nodes
        case .automatic:
            let host = listen.lastIndex(of: ":").map { String(listen[..<$0]) } ?? listen
            return host.hasPrefix("127.") || host == "localhost" || host == "[::1]" ? nil : Self.publicRouters
        }
    }
}
