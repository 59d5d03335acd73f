import NIOCore
import ZenFS

extension PeerNetwork {
    /// Asks one connected peer for an element's bytes; they are returned unverified (the caller checks them).
    public func request(_ kind: ElementKind, _ hash: SHA1Digest, from id: ConnectionID) async throws -> [UInt8] {
        let requestID = state.withLock { state -> UInt32 in
            defer { state.nextRequestID &+= 1 }
            return state.nextRequestID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let channel = state.withLock { state -> (any Channel)? in
                    guard var connection = state.connections[id] else { return nil }
                    connection.requestsInFlight += 1
                    state.connections[id] = connection
                    state.pending[requestID] = PendingRequest(
                        connection: id,
                        started: Self.now(),
                        continuation: continuation
                    )
                    return connection.channel
                }
                guard let channel else {
                    continuation.resume(throwing: PeerNetworkError.disconnected)
                    return
                }
                channel.writeAndFlush(
                    PeerMessage.get(ElementRequest(requestID: requestID, kind: kind, hash: hash)),
                    promise: nil
                )
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<[UInt8], any Error>? in
                guard let pending = state.pending.removeValue(forKey: requestID) else { return nil }
                state.connections[pending.connection]?.requestsInFlight -= 1
                return pending.continuation
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// Floods a `find` for an element; `onHolder` is called with each holder's address as answers arrive
    /// (possibly more than once per holder). Call `endQuery` when done.
    public func find(_ kind: ElementKind, _ hash: SHA1Digest, onHolder: @escaping @Sendable (PeerAddress) -> Void)
        -> QueryID
    {
        let id = Self.newQueryID()
        let targets = originate(id) { $0.findWaiters[id] = onHolder }
        let query = FindQuery(id: id, origin: settings.advertised, hopLimit: settings.hopLimit, kind: kind, hash: hash)
        for target in targets { send(.find(query), to: target) }
        return id
    }

    /// Floods a search by tags and fields; `onAnswer` is called with each holder's answer.
    public func search(
        tags: [String],
        fields: [String: String],
        wantsMetainfo: Bool,
        onAnswer: @escaping @Sendable (SearchAnswer) -> Void
    ) -> QueryID {
        let id = Self.newQueryID()
        let targets = originate(id) { $0.searchWaiters[id] = onAnswer }
        let query = SearchQuery(
            id: id,
            origin: settings.advertised,
            hopLimit: settings.hopLimit,
            tags: tags,
            fields: fields,
            wantsMetainfo: wantsMetainfo
        )
        for target in targets { send(.search(query), to: target) }
        return id
    }

    /// Stops delivering answers to a query this node started.
    public func endQuery(_ id: QueryID) {
        state.withLock { state in
            state.findWaiters[id] = nil
            state.searchWaiters[id] = nil
        }
    }

    /// The connections a query this node starts goes to; remembers its id so echoes are dropped.
    private func originate(_ id: QueryID, register: (inout State) -> Void) -> [ConnectionID] {
        state.withLock { state in
            register(&state)
            let decision = state.router.route(
                id,
                hopLimit: 1,
                from: nil,
                neighbours: state.connections.keys,
                now: Self.now()
            )
            state.counters.queriesOriginated += 1
            state.counters.queryMessagesSent += decision.forwardTo.count
            return decision.forwardTo
        }
    }

    /// The currently connected peers' connection ids.
    public var connectionIDs: [ConnectionID] { state.withLock { Array($0.connections.keys) } }

    /// Counts a verified element fetched from a peer, or a corrupt one.
    func noteFetched(bytes: Int, corrupt: Bool) {
        state.withLock { state in
            if corrupt {
                state.counters.corruptElementsReceived += 1
            } else {
                state.counters.elementsFetched += 1
                state.counters.bytesFetched += Int64(bytes)
            }
        }
    }

    static func newQueryID() -> QueryID {
        var generator = SystemRandomNumberGenerator()
        return QueryID(bytes: (0..<QueryID.byteCount).map { _ in UInt8.random(in: 0...255, using: &generator) })!
    }
}
