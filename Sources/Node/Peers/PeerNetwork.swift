import Chain
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import ZenFS

/// Identifies one connection for as long as it lives.
public typealias ConnectionID = UInt64

/// Why a request to the peer network failed.
public enum PeerNetworkError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotConnect(PeerAddress, String)
    case disconnected
    case notFound
    case tooManyRequests
    case isSelf
    case banned(PeerAddress)

    public var description: String {
        switch self {
        case .cannotConnect(let address, let reason): "cannot connect to \(address): \(reason)"
        case .disconnected: "the peer disconnected before answering"
        case .notFound: "the peer does not hold the element"
        case .tooManyRequests: "too many requests are outstanding at that peer"
        case .isSelf: "that address is this node's own"
        case .banned(let address): "\(address) is banned for misbehaving"
        }
    }
}

/// A connected, identified peer as `zenfs status` shows it.
public struct PeerSummary: Sendable, Codable, Equatable {
    public let address: String
    public let identity: String
    public let inbound: Bool
    public let agent: String
    /// Smoothed round-trip time of element requests, in milliseconds.
    public let latencyMilliseconds: Double?
    public let requestsInFlight: Int
}

/// The node's connections to other nodes: accepts and dials TCP connections, proves identities, floods
/// discovery queries by the RFC's rule, answers holders' requests, and sends element requests.
/// Each connection's handler runs on its event loop; the shared tables here sit behind one mutex that is
/// never held across I/O.
public final class PeerNetwork: Sendable {
    let local: LocalIdentity
    let settings: PeerNetworkSettings
    let provider: any ElementProvider
    let logger: Logger
    let group: MultiThreadedEventLoopGroup
    let state = Mutex(State())
    private let serverChannel = Mutex<(any Channel)?>(nil)
    /// Set once by the node: fetches an element this node lacks when a peer asks for it (circuits fetch
    /// recursively).
    let recursiveFetch = Mutex<(@Sendable (ElementKind, SHA1Digest) async -> [UInt8]?)?>(nil)
    /// Set once by the chain node: receives chain messages (tips, block requests, blocks, transactions).
    public let chainHandler = Mutex<(@Sendable (PeerMessage, ConnectionID) -> Void)?>(nil)
    /// Set once by the market: receives market messages (joins, contracts, parts to keep, channel states).
    public let marketHandler = Mutex<(@Sendable ([UInt8], ConnectionID) -> Void)?>(nil)
    /// Set once by proof of storage: receives checkpoints (on a holder) and their answers (on an owner).
    public let proofHandler = Mutex<(@Sendable ([UInt8], ConnectionID) -> Void)?>(nil)
    /// Set once by the market: told of each element served to a peer (for metering downloads).
    public let onServed = Mutex<(@Sendable (ConnectionID, ElementKind, SHA1Digest, Int) -> Void)?>(nil)
    /// Set once by the market: told of each element a peer sent this node (for metering paid downloads).
    public let onReceived = Mutex<(@Sendable (ConnectionID, [UInt8]) -> Void)?>(nil)
    /// Set once by the market: whether an element may be served to a peer (a holder serves parts it keeps for
    /// publishers only to peers that pay; it may wait for a reader's channel). Nil: everything held is served.
    public let servingGate = Mutex<(@Sendable (ConnectionID, ElementKind, SHA1Digest) async -> Bool)?>(nil)
    /// Set once by the market: why this node will not read from the peer on a connection (a holder dearer than
    /// its `max_price_download`), if it will not.
    public let downloadRefusal = Mutex<(@Sendable (ConnectionID) -> String?)?>(nil)
    /// Set once by the chain node: told of each newly established connection.
    public let onConnected = Mutex<(@Sendable (ConnectionID) -> Void)?>(nil)
    /// Every ban, as saved in the ban list; its lock also orders the saves.
    private let banRecords = Mutex<[BanRecord]>([])

    struct Connection {
        let id: ConnectionID
        let channel: any Channel
        let remote: RemotePeer
        let inbound: Bool
        var smoothedLatency: Double?
        var requestsInFlight = 0
        var servingRequests = 0
    }

    struct PendingRequest {
        let connection: ConnectionID
        let started: UInt64
        let continuation: CheckedContinuation<[UInt8], any Error>
    }

    struct State {
        var nextConnectionID: ConnectionID = 1
        var connections: [ConnectionID: Connection] = [:]
        var byAddress: [PeerAddress: ConnectionID] = [:]
        var dialing: [PeerAddress: [CheckedContinuation<ConnectionID, any Error>]] = [:]
        var router = DiscoveryRouter<ConnectionID>()
        var nextRequestID: UInt32 = 1
        var pending: [UInt32: PendingRequest] = [:]
        var findWaiters: [QueryID: @Sendable (PeerAddress) -> Void] = [:]
        var searchWaiters: [QueryID: @Sendable (SearchAnswer) -> Void] = [:]
        var bannedKeys: Set<PublicKey> = []
        var bannedAddresses: Set<PeerAddress> = []
        var counters = NetworkCounters()
        var stopped = false
    }

    public init(
        local: LocalIdentity,
        settings: PeerNetworkSettings,
        provider: any ElementProvider,
        group: MultiThreadedEventLoopGroup,
        logger: Logger
    ) {
        self.local = local
        self.settings = settings
        self.provider = provider
        self.group = group
        self.logger = logger
        if let path = settings.banListPath { loadBans(BanList(path: path)) }
    }

    /// Bans what the list on disk bans; an unreadable list is renamed aside (and said so), never fatal.
    private func loadBans(_ list: BanList) {
        let records: [BanRecord]
        do {
            records = try list.load()
        } catch {
            logger.warning("\(error)")
            _ = rename(list.path, list.path + ".unreadable")
            return
        }
        let (keys, addresses) = BanList.banned(records)
        banRecords.withLock { $0 = records }
        state.withLock { state in
            state.bannedKeys = keys
            state.bannedAddresses = addresses
        }
        if !records.isEmpty { logger.info("\(records.count) peers banned by \(list.path)") }
    }

    /// Starts accepting connections; returns the port actually bound (useful with port 0).
    @discardableResult
    public func start() async throws -> Int {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.installHandlers(on: channel, dialed: nil) }
            }
        let channel = try await bootstrap.bind(host: settings.listen.host, port: Int(settings.listen.port)).get()
        serverChannel.withLock { $0 = channel }
        return channel.localAddress?.port ?? Int(settings.listen.port)
    }

    /// Closes every connection and stops listening; outstanding requests fail.
    public func stop() async {
        let (channels, pending, dialers) = state.withLock { state in
            state.stopped = true
            let channels = state.connections.values.map(\.channel)
            // Nothing is sent once stopping: later sends find no connection.
            state.connections = [:]
            state.byAddress = [:]
            let pending = state.pending.values.map(\.continuation)
            let dialers = state.dialing.values.flatMap { $0 }
            state.pending = [:]
            state.dialing = [:]
            return (channels, pending, dialers)
        }
        for continuation in pending { continuation.resume(throwing: PeerNetworkError.disconnected) }
        for continuation in dialers { continuation.resume(throwing: PeerNetworkError.disconnected) }
        for channel in channels { try? await channel.close() }
        if let server = serverChannel.withLock({ $0 }) { try? await server.close() }
    }

    private func installHandlers(on channel: any Channel, dialed: PeerAddress?) throws {
        let id = state.withLock { state -> ConnectionID in
            defer { state.nextConnectionID += 1 }
            return state.nextConnectionID
        }
        var challenge = [UInt8](repeating: 0, count: 32)
        for index in challenge.indices { challenge[index] = UInt8.random(in: 0...255) }
        let handlers: [any ChannelHandler] = [
            ByteToMessageHandler(PeerFrameDecoder(), maximumBufferSize: PeerFrame.maximumFrameLength * 2),
            MessageToByteHandler(PeerFrameEncoder()),
            PeerChannelHandler(id: id, network: self, dialedAddress: dialed, challenge: challenge),
        ]
        try channel.pipeline.syncOperations.addHandlers(handlers)
    }

    // MARK: Dialing

    /// The connection to the node listening at `address`, dialing it when there is none.
    public func connect(to address: PeerAddress) async throws -> ConnectionID {
        if address == settings.advertised || address == settings.listen { throw PeerNetworkError.isSelf }
        enum Step {
            case ready(ConnectionID)
            case wait
            case dial
            case refuse(PeerNetworkError)
        }
        return try await withCheckedThrowingContinuation { continuation in
            let step = state.withLock { state -> Step in
                if state.stopped { return .refuse(.disconnected) }
                if state.bannedAddresses.contains(address) { return .refuse(.banned(address)) }
                if let id = state.byAddress[address], state.connections[id] != nil { return .ready(id) }
                let first = state.dialing[address] == nil
                state.dialing[address, default: []].append(continuation)
                return first ? .dial : .wait
            }
            switch step {
            case .ready(let id): continuation.resume(returning: id)
            case .refuse(let error): continuation.resume(throwing: error)
            case .wait: break
            case .dial: dial(address)
            }
        }
    }

    private func dial(_ address: PeerAddress) {
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.seconds(5))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.installHandlers(on: channel, dialed: address) }
            }
        bootstrap.connect(host: address.host, port: Int(address.port)).whenFailure { [self] error in
            resumeDialers(address, with: .failure(PeerNetworkError.cannotConnect(address, "\(error)")))
        }
    }

    func resumeDialers(_ address: PeerAddress, with result: Result<ConnectionID, any Error>) {
        let waiters = state.withLock { $0.dialing.removeValue(forKey: address) ?? [] }
        for waiter in waiters { waiter.resume(with: result) }
    }

    // MARK: Connection events (from handlers)

    /// Records an identified peer; returns false when the connection must close (banned, a duplicate, full).
    func connectionEstablished(
        _ id: ConnectionID,
        remote: RemotePeer,
        channel: any Channel,
        dialedAddress: PeerAddress?
    ) -> Bool {
        let inbound = dialedAddress == nil
        let (kept, survivor) = state.withLock { state -> (Bool, ConnectionID?) in
            if state.stopped || state.bannedKeys.contains(remote.identity.publicKey) { return (false, nil) }
            if let existing = state.connections.values.first(where: {
                $0.remote.identity.publicKey == remote.identity.publicKey
            }) {
                // Two connections between the same nodes: both sides keep the one dialed by the smaller key.
                let localKey = local.identity.publicKey.bytes
                let remoteKey = remote.identity.publicKey.bytes
                let existingDialer = existing.inbound ? remoteKey : localKey
                let newDialer = inbound ? remoteKey : localKey
                if existingDialer == newDialer || existingDialer.lexicographicallyPrecedes(newDialer) {
                    if let dialedAddress { state.byAddress[dialedAddress] = existing.id }
                    return (false, existing.id)
                }
                state.connections[existing.id] = nil
                existing.channel.close(promise: nil)
            }
            if state.connections.count >= settings.maximumConnections { return (false, nil) }
            state.connections[id] = Connection(id: id, channel: channel, remote: remote, inbound: inbound)
            if let address = remote.listenAddress { state.byAddress[address] = id }
            if let dialedAddress { state.byAddress[dialedAddress] = id }
            return (true, id)
        }
        if let dialedAddress {
            if let survivor {
                resumeDialers(dialedAddress, with: .success(survivor))
            } else {
                resumeDialers(dialedAddress, with: .failure(PeerNetworkError.disconnected))
            }
        }
        if kept, let connected = onConnected.withLock({ $0 }) { connected(id) }
        if kept {
            logger.info(
                "peer connected",
                metadata: [
                    "peer": "\(remote.listenAddress?.description ?? "-")", "inbound": "\(inbound)",
                    "agent": "\(remote.agent)",
                ]
            )
        }
        return kept
    }

    /// A handler closed its connection for a protocol reason.
    func connectionFailed(_ id: ConnectionID, reason: ConnectionError) {
        state.withLock { $0.counters.connectionsDropped += 1 }
        logger.notice("dropped connection \(id): \(reason)")
        // A peer that proved its identity and then broke the protocol or flooded is banned; one that only went
        // quiet (a lossy link looks the same) or never identified itself costs just this connection.
        switch reason {
        case .banned, .protocolViolation, .unexpectedMessage: ban(id, reason: "\(reason)")
        default: break
        }
    }

    func connectionClosed(_ id: ConnectionID, dialedAddress: PeerAddress?) {
        let orphaned = state.withLock { state -> [CheckedContinuation<[UInt8], any Error>] in
            if let connection = state.connections.removeValue(forKey: id) {
                for (address, mapped) in state.byAddress where mapped == id { state.byAddress[address] = nil }
                _ = connection
            }
            let lost = state.pending.filter { $0.value.connection == id }
            for key in lost.keys { state.pending[key] = nil }
            return lost.values.map(\.continuation)
        }
        for continuation in orphaned { continuation.resume(throwing: PeerNetworkError.disconnected) }
        if let dialedAddress {
            resumeDialers(dialedAddress, with: .failure(PeerNetworkError.cannotConnect(dialedAddress, "closed")))
        }
    }

    /// Bans a peer that broke the protocol's trust (sent corrupt bytes, say) and closes its connection.
    /// The ban is saved in the ban list (when the node keeps one) before the connection closes.
    public func ban(_ id: ConnectionID, reason: String) {
        let banned = state.withLock { state -> (any Channel, RemotePeer)? in
            guard let connection = state.connections[id],
                !state.bannedKeys.contains(connection.remote.identity.publicKey)
            else { return nil }
            state.bannedKeys.insert(connection.remote.identity.publicKey)
            if let address = connection.remote.listenAddress { state.bannedAddresses.insert(address) }
            state.counters.peersBanned += 1
            return (connection.channel, connection.remote)
        }
        guard let (channel, remote) = banned else { return }
        logger.warning("banned peer \(id) (\(remote.listenAddress?.description ?? "-")): \(reason)")
        // Saved before the connection closes: a ban the peer can observe is already durable.
        defer { channel.close(promise: nil) }
        guard let path = settings.banListPath else { return }
        let record = BanRecord(
            identity: Hex.encode(remote.identity.publicKey.bytes),
            address: remote.listenAddress?.description ?? "-",
            reason: reason,
            since: Int64(Date().timeIntervalSince1970)
        )
        banRecords.withLock { records in
            records.append(record)
            do {
                try BanList(path: path).save(records)
            } catch {
                logger.warning("\(error)")
            }
        }
    }

    /// The bans in force, oldest first (those loaded from the ban list included).
    public var bans: [BanRecord] { banRecords.withLock { $0 } }

    // MARK: Introspection

    public var counters: NetworkCounters { state.withLock { $0.counters } }

    /// The identity that connection `id` proved in its handshake, while it is open.
    public func remoteIdentity(of id: ConnectionID) -> MinedIdentity? {
        state.withLock { $0.connections[id]?.remote.identity }
    }

    /// This node's own mined identity and key.
    public var localIdentity: LocalIdentity { local }

    public var peers: [PeerSummary] {
        state.withLock { state in
            state.connections.values.sorted { $0.id < $1.id }.map { connection in
                PeerSummary(
                    address: connection.remote.listenAddress?.description ?? "-",
                    identity: String(connection.remote.identity.hash.description.prefix(16)),
                    inbound: connection.inbound,
                    agent: connection.remote.agent,
                    latencyMilliseconds: connection.smoothedLatency.map { $0 / 1e6 },
                    requestsInFlight: connection.requestsInFlight
                )
            }
        }
    }

    /// The listen address a connected peer announced.
    public func address(of id: ConnectionID) -> PeerAddress? {
        state.withLock { $0.connections[id]?.remote.listenAddress }
    }

    /// Smoothed round-trip time to a peer, in nanoseconds, when measured.
    func latency(of id: ConnectionID) -> Double? { state.withLock { $0.connections[id]?.smoothedLatency } }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}
