import Logging
import Synchronization
import ZenFS

/// Why content could not be fetched from the network.
public enum FetchError: Error, Equatable, Sendable, CustomStringConvertible {
    case notFound(ElementKind, SHA1Digest)
    case storeFailed(SHA1Digest, String)
    /// Holders were found, but every one asks more than this node pays for downloads.
    case onlyDearHolders(ElementKind, SHA1Digest, String)

    public var description: String {
        switch self {
        case .notFound(let kind, let hash): "no reachable node holds the \(kind) \(hash)"
        case .storeFailed(let hash, let reason): "fetched \(hash) but could not store it: \(reason)"
        case .onlyDearHolders(let kind, let hash, let reason):
            "no holder of the \(kind) \(hash) serves it within this node's download price: \(reason) (raise --max-price-download or wait for a cheaper holder)"
        }
    }
}

/// Fetches elements this node lacks: asks likely holders first (the holders of the content's metainfo),
/// floods a `find` when they fail or none is known, races the holders that answer, verifies every element
/// and stores it. Concurrent fetches of one element share one race.
public final class ElementFetcher: Sendable {
    public let network: PeerNetwork
    public let local: LocalElements
    private let logger: Logger
    private let inFlight = Mutex<[Key: Task<[UInt8], any Error>]>([:])
    /// For each metainfo fetched, the peers that held it: the first to ask for its parts.
    private let contentHolders = Mutex<[SHA1Digest: [ConnectionID]]>([:])
    /// How long a fetch waits for a holder and its bytes before giving up, in nanoseconds.
    public let timeout: UInt64
    /// Asked for holders when a flood finds none (the DHT); set once by the node when it runs one.
    public let directory = Mutex<(any HolderDirectory)?>(nil)
    /// How long a fetch waits for the flood's holders before it asks the directory too, in nanoseconds.
    public static let directoryDelay: UInt64 = 1_500_000_000

    struct Key: Hashable {
        let kind: ElementKind
        let hash: SHA1Digest
    }

    /// Elements being fetched now.
    public var activeFetches: Int { inFlight.withLock { $0.count } }

    public init(network: PeerNetwork, local: LocalElements, logger: Logger, timeout: UInt64 = 10_000_000_000) {
        self.network = network
        self.local = local
        self.logger = logger
        self.timeout = timeout
    }

    /// The element's bytes: local if held, otherwise fetched, verified and stored.
    /// - Parameter content: the info-hash of the content a part belongs to; its metainfo's holders are asked
    ///   before any flood.
    public func fetch(
        _ kind: ElementKind,
        _ hash: SHA1Digest,
        content: SHA1Digest? = nil,
        timeout: UInt64? = nil
    ) async throws -> [UInt8] {
        if let bytes = local.read(kind, hash) { return bytes }
        let connected = Set(network.connectionIDs)
        var hints = content.map { id in contentHolders.withLock { $0[id] ?? [] }.filter(connected.contains) } ?? []
        if hints.count > 1 {
            // Spread parts over the holders: each part starts at a holder chosen by its hash.
            let first = Int(hash.bytes[0]) % hints.count
            hints = Array(hints[first...] + hints[..<first])
        }
        let ordered = hints
        let key = Key(kind: kind, hash: hash)
        let task = inFlight.withLock { tasks -> Task<[UInt8], any Error> in
            if let task = tasks[key] { return task }
            let task = Task {
                try await self.fetchFromNetwork(
                    kind,
                    hash,
                    hints: ordered,
                    content: kind == .metainfo ? hash : content,
                    timeout: timeout ?? self.timeout
                )
            }
            tasks[key] = task
            return task
        }
        defer { _ = inFlight.withLock { $0.removeValue(forKey: key) } }
        return try await task.value
    }

    private func fetchFromNetwork(
        _ kind: ElementKind,
        _ hash: SHA1Digest,
        hints: [ConnectionID],
        content: SHA1Digest?,
        timeout: UInt64
    ) async throws -> [UInt8] {
        let race = FetchRace(kind: kind, hash: hash, network: network) { LocalElements.verify(kind, hash, $0) }
        let queries = Mutex<[QueryID]>([])
        let flood: @Sendable () -> Void = { [network] in
            let id = network.find(kind, hash) { race.addHolder($0) }
            queries.withLock { $0.append(id) }
        }
        race.onExhausted(flood)
        if hints.isEmpty {
            flood()
        } else {
            for hint in hints { race.addCandidate(hint) }
        }
        // A flood whose answers were lost, or holders that all went away, are asked again every second.
        let watchdog = Task { [weak race] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 1_000_000_000)
                race?.askAgainIfIdle()
            }
        }
        let lookup = content.flatMap { content in
            directory.withLock { $0 }.map { directory in
                Task { [weak race] in await Self.askDirectory(directory, for: content, race: race, logger: self.logger)
                }
            }
        }
        defer {
            watchdog.cancel()
            lookup?.cancel()
            for id in queries.withLock({ $0 }) { network.endQuery(id) }
        }
        let bytes: [UInt8]
        do {
            bytes = try await race.result(timeout: timeout)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            let refusal = network.downloadRefusal.withLock { $0 }
            if let reason = race.knownHolders.lazy.compactMap({ refusal?($0) }).first {
                throw FetchError.onlyDearHolders(kind, hash, reason)
            }
            throw FetchError.notFound(kind, hash)
        }
        if kind == .metainfo {
            let holders = race.knownHolders
            contentHolders.withLock { $0[hash] = holders }
        }
        do {
            try await local.storeVerified(kind, hash, bytes)
        } catch {
            // The quota's refusal says what to do (raise it, or make room); it reaches the caller as it is.
            if case StoreError.quotaExceeded = error { throw error }
            throw FetchError.storeFailed(hash, "\(error)")
        }
        return bytes
    }

    /// While the race runs without a winner past `directoryDelay`, asks the directory for the content's holders
    /// (again every few seconds: a DHT still joining, or an announcement still travelling, answers later) and
    /// adds each one found to the race.
    private static func askDirectory(
        _ directory: any HolderDirectory,
        for content: SHA1Digest,
        race: FetchRace?,
        logger: Logger
    ) async {
        do { try await Task.sleep(nanoseconds: directoryDelay) } catch { return }
        var asked: Set<PeerAddress> = []
        while !Task.isCancelled, let race, !race.isFinished {
            let found = await directory.holders(of: content, timeout: 3_000_000_000)
            for address in found where !asked.contains(address) {
                asked.insert(address)
                logger.info("the DHT lists \(address) as a holder of \(content)")
                race.addHolder(address)
            }
            do { try await Task.sleep(nanoseconds: 2_000_000_000) } catch { return }
        }
    }
}
