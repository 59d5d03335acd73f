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
    /// Where the BitTorrent tracker listens; nil: no tracker. Loopback by default: exposing it is a choice.
    public var tracker: PeerAddress? = PeerAddress(host: "127.0.0.1", port: 6969)
    /// Where the libtorrent session that seeds the node's content listens (libtorrent's form); nil: no seeding.
    public var bittorrentListen: String? = "127.0.0.1:0"
    /// A stricter work target (compact) this node demands of the task announcements it relays and mines.
    public var minimumTaskBits: UInt32?
    /// Whether the node mines blocks (on by default: the development network needs a miner).
    public var mining = true
    /// Seconds between the blocks this node mines; the network's block spacing when nil.
    public var blockIntervalSeconds: Double?
    /// What the node sells and how it pays (`[market]`).
    public var market = MarketSettings()
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
        settings.servesCorruptParts = servesCorruptParts
        settings.serveDelay = .nanoseconds(Int64(serveDelaySeconds * 1e9))
        return settings
    }
}
