import Dispatch
import NIOCore
import ZenFS

extension PeerNetwork {
    /// Handles a message from an established connection.
    func received(_ message: PeerMessage, from id: ConnectionID) {
        switch message {
        case .find(var query):
            guard let forward = route(query.id, hopLimit: query.hopLimit, from: id) else { return }
            query.origin = reachableOrigin(query.origin, via: id)
            for target in forward.targets {
                var copy = query
                copy.hopLimit = forward.hopLimit
                send(.find(copy), to: target)
            }
            if provider.holds(query.kind, query.hash) {
                answer(
                    .have(
                        HaveAnswer(queryID: query.id, kind: query.kind, hash: query.hash, holder: settings.advertised)
                    ),
                    origin: query.origin
                )
            }
        case .search(var received):
            guard let forward = route(received.id, hopLimit: received.hopLimit, from: id) else { return }
            received.origin = reachableOrigin(received.origin, via: id)
            let query = received
            for target in forward.targets {
                var copy = query
                copy.hopLimit = forward.hopLimit
                send(.search(copy), to: target)
            }
            DispatchQueue.global().async { [self] in
                let hits = provider.search(
                    tags: query.tags,
                    fields: query.fields,
                    includeMetainfo: query.wantsMetainfo
                )
                guard !hits.isEmpty else { return }
                answer(
                    .searchAnswer(SearchAnswer(queryID: query.id, holder: settings.advertised, hits: hits)),
                    origin: query.origin
                )
            }
        case .have(let answer):
            let waiter = state.withLock { $0.findWaiters[answer.queryID] }
            waiter?(reachable(answer.holder, via: id))
        case .searchAnswer(var answer):
            let waiter = state.withLock { $0.searchWaiters[answer.queryID] }
            answer.holder = reachable(answer.holder, via: id)
            waiter?(answer)
        case .get(let request):
            serve(request, to: id)
        case .element(let requestID, let bytes):
            complete(requestID, from: id, with: .success(bytes))
            onReceived.withLock { $0 }?(id, bytes)
        case .notFound(let requestID):
            complete(requestID, from: id, with: .failure(PeerNetworkError.notFound))
        case .chainTip, .getBlocks, .block, .transaction:
            let handler = chainHandler.withLock { $0 }
            handler?(message, id)
        case .market(let bytes):
            let handler = marketHandler.withLock { $0 }
            handler?(bytes, id)
        case .storageProof(let bytes):
            let handler = proofHandler.withLock { $0 }
            handler?(bytes, id)
        case .pong, .ping, .hello, .proof:
            break
        }
    }

    /// Applies the flooding rule to a query from a peer; nil when it is a duplicate.
    private func route(_ queryID: QueryID, hopLimit: UInt8, from id: ConnectionID) -> (
        targets: [ConnectionID], hopLimit: UInt8
    )? {
        state.withLock { state in
            state.counters.queriesReceived += 1
            let decision = state.router.route(
                queryID,
                hopLimit: hopLimit,
                from: id,
                neighbours: state.connections.keys,
                now: Self.now()
            )
            if decision.isDuplicate {
                state.counters.queriesDuplicate += 1
                return nil
            }
            if !decision.forwardTo.isEmpty {
                state.counters.queriesForwarded += 1
                state.counters.queryMessagesSent += decision.forwardTo.count
            }
            return (decision.forwardTo, decision.forwardedHopLimit)
        }
    }

    /// Sends an answer straight to a query's origin, connecting to it when needed.
    private func answer(_ message: PeerMessage, origin: PeerAddress) {
        state.withLock { $0.counters.answersSent += 1 }
        if origin == settings.advertised {
            received(message, from: 0)
            return
        }
        Task {
            do {
                let id = try await connect(to: origin)
                send(message, to: id)
            } catch {
                logger.debug("cannot answer \(origin): \(error)")
            }
        }
    }

    /// Answers an element request: from the store, or by fetching it first (a circuit fetches recursively).
    private func serve(_ request: ElementRequest, to id: ConnectionID) {
        let accepted = state.withLock { state -> Bool in
            guard var connection = state.connections[id] else { return false }
            guard connection.servingRequests < settings.maximumRequestsPerPeer else { return false }
            connection.servingRequests += 1
            state.connections[id] = connection
            return true
        }
        guard accepted else {
            ban(id, reason: "more than \(settings.maximumRequestsPerPeer) requests outstanding")
            return
        }
        let delay = settings.serveDelay.nanoseconds
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(delay))) { [self] in
            guard let gate = servingGate.withLock({ $0 }) else {
                serveAdmitted(request, to: id)
                return
            }
            Task {
                guard await gate(id, request.kind, request.hash) else {
                    reply(to: request, id: id, bytes: nil)
                    return
                }
                serveAdmitted(request, to: id)
            }
        }
    }

    /// Answers an element request the market's gate let through.
    private func serveAdmitted(_ request: ElementRequest, to id: ConnectionID) {
        if let bytes = provider.read(request.kind, request.hash) {
            reply(to: request, id: id, bytes: bytes)
            return
        }
        guard let fetch = recursiveFetch.withLock({ $0 }) else {
            reply(to: request, id: id, bytes: nil)
            return
        }
        Task {
            let bytes = await fetch(request.kind, request.hash)
            reply(to: request, id: id, bytes: bytes)
        }
    }

    private func reply(to request: ElementRequest, id: ConnectionID, bytes: [UInt8]?) {
        state.withLock { state in
            state.connections[id]?.servingRequests -= 1
            if let bytes {
                state.counters.elementsServed += 1
                state.counters.bytesServed += Int64(bytes.count)
            }
        }
        guard var bytes else {
            send(.notFound(requestID: request.requestID), to: id)
            return
        }
        if settings.servesCorruptParts, request.kind == .part, !bytes.isEmpty { bytes[bytes.count / 2] ^= 0xff }
        send(.element(requestID: request.requestID, bytes: bytes), to: id)
        // After the bytes are on their way, so what the market sends next follows them on the connection.
        onServed.withLock { $0 }?(id, request.kind, request.hash, bytes.count)
    }

    private func complete(_ requestID: UInt32, from id: ConnectionID, with result: Result<[UInt8], any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<[UInt8], any Error>? in
            guard let pending = state.pending[requestID], pending.connection == id else { return nil }
            state.pending[requestID] = nil
            if var connection = state.connections[id] {
                connection.requestsInFlight -= 1
                let sample = Double(Self.now() - pending.started)
                connection.smoothedLatency = connection.smoothedLatency.map { $0 * 0.8 + sample * 0.2 } ?? sample
                state.connections[id] = connection
            }
            return pending.continuation
        }
        continuation?.resume(with: result)
    }

    /// Writes a message to every established connection but `except`.
    public func broadcast(_ message: PeerMessage, except: ConnectionID? = nil) {
        let channels = state.withLock { state in
            state.connections.values.filter { $0.id != except }.map(\.channel)
        }
        for channel in channels { channel.writeAndFlush(message, promise: nil) }
    }

    /// Writes a message to a connection, if it is still open.
    public func send(_ message: PeerMessage, to id: ConnectionID) {
        guard let channel = state.withLock({ $0.connections[id]?.channel }) else { return }
        channel.writeAndFlush(message, promise: nil)
    }
}
