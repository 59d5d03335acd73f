import Dispatch
import Synchronization
import ZenFS

/// Fetches one element from whichever holders answer first: one request at a time per holder, a second
/// holder asked when the first is slower than its measured latency allows (hedging), a holder whose bytes do
/// not verify banned, and the first verified bytes winning.
final class FetchRace: Sendable {
    let kind: ElementKind
    let hash: SHA1Digest
    private let network: PeerNetwork
    private let verify: @Sendable ([UInt8]) -> Bool
    private let state = Mutex(State())

    struct State {
        var candidates: [ConnectionID] = []
        var tried: Set<ConnectionID> = []
        var active: [ConnectionID: Task<Void, Never>] = [:]
        /// True when the next holder to appear should be asked at once.
        var wantsMore = true
        var finished = false
        var continuation: CheckedContinuation<[UInt8], any Error>?
        var outcome: Result<[UInt8], any Error>?
        var exhaustedHandler: (@Sendable () -> Void)?
        /// Hedge timers, cancelled when the race ends so they do not keep it (and its bytes) alive.
        var timers: [Task<Void, Never>] = []
        var lastFlood: UInt64?
        var refloodScheduled = false
    }

    /// The shortest and longest wait before a request is hedged, in nanoseconds.
    static let minimumHedge: UInt64 = 60_000_000
    static let maximumHedge: UInt64 = 3_000_000_000
    /// The shortest time between two floods for one element.
    static let reflood: UInt64 = 300_000_000

    init(
        kind: ElementKind,
        hash: SHA1Digest,
        network: PeerNetwork,
        verify: @escaping @Sendable ([UInt8]) -> Bool
    ) {
        self.kind = kind
        self.hash = hash
        self.network = network
        self.verify = verify
    }

    /// Whether the race has ended (won, timed out or cancelled).
    var isFinished: Bool { state.withLock { $0.finished } }

    /// The peers that answered as holders (asked or not), in the order they appeared.
    var knownHolders: [ConnectionID] {
        state.withLock { state in Array(state.tried) + state.candidates }
    }

    /// Called whenever every known holder has failed (at most every 300 ms); the owner floods a `find` then.
    func onExhausted(_ handler: @escaping @Sendable () -> Void) {
        state.withLock { $0.exhaustedHandler = handler }
    }

    /// Adds a holder by address, connecting to it first.
    func addHolder(_ address: PeerAddress) {
        Task {
            guard let id = try? await network.connect(to: address) else { return }
            addCandidate(id)
        }
    }

    /// Adds a connected peer that may hold the element.
    func addCandidate(_ id: ConnectionID) {
        let start = state.withLock { state -> Bool in
            guard !state.finished, !state.tried.contains(id), !state.candidates.contains(id) else { return false }
            state.candidates.append(id)
            return state.wantsMore
        }
        if start { startNext() }
    }

    /// Waits for the first verified bytes, or fails with `.notFound` after `timeout` nanoseconds.
    func result(timeout: UInt64) async throws -> [UInt8] {
        let timer = Task {
            try await Task.sleep(nanoseconds: timeout)
            finish(.failure(PeerNetworkError.notFound))
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let outcome = state.withLock { state -> Result<[UInt8], any Error>? in
                    if let outcome = state.outcome {
                        state.outcome = nil
                        return outcome
                    }
                    state.continuation = continuation
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            finish(.failure(CancellationError()))
        }
    }

    private func startNext() {
        let next = state.withLock { state -> ConnectionID? in
            guard !state.finished, !state.candidates.isEmpty else {
                state.wantsMore = true
                return nil
            }
            let id = state.candidates.removeFirst()
            state.tried.insert(id)
            state.wantsMore = false
            state.active[id] = Task { await self.attempt(id) }
            return id
        }
        guard let next else { return }
        let latency = network.latency(of: next).map { UInt64($0) } ?? 0
        let delay = min(Self.maximumHedge, max(Self.minimumHedge, latency * 4))
        let timer = Task { [weak self] in
            do { try await Task.sleep(nanoseconds: delay) } catch { return }
            guard let self else { return }
            let hedge = state.withLock { state in !state.finished && state.active[next] != nil }
            if hedge { startNext() }
        }
        let finished = state.withLock { state in
            if !state.finished { state.timers.append(timer) }
            return state.finished
        }
        if finished { timer.cancel() }
    }

    private func attempt(_ id: ConnectionID) async {
        do {
            let bytes = try await network.request(kind, hash, from: id)
            if verify(bytes) {
                network.noteFetched(bytes: bytes.count, corrupt: false)
                finish(.success(bytes))
                return
            }
            network.noteFetched(bytes: bytes.count, corrupt: true)
            network.ban(id, reason: "sent bytes that do not hash to \(kind) \(hash)")
        } catch {
            // Not held there, or disconnected: try the next holder.
        }
        let (next, exhausted) = state.withLock { state -> (Bool, (@Sendable () -> Void)?) in
            state.active[id] = nil
            guard !state.finished, state.active.isEmpty else { return (false, nil) }
            if !state.candidates.isEmpty { return (true, nil) }
            state.wantsMore = true
            return (false, state.exhaustedHandler)
        }
        if next { startNext() }
        if let exhausted { askAgain(exhausted) }
    }

    /// Floods again when no request is running and no holder is waiting to be asked.
    func askAgainIfIdle() {
        let handler = state.withLock { state -> (@Sendable () -> Void)? in
            guard !state.finished, state.active.isEmpty, state.candidates.isEmpty else { return nil }
            return state.exhaustedHandler
        }
        if let handler { askAgain(handler) }
    }

    /// Every known holder failed: looks for holders again (a flood), at most every `reflood` nanoseconds,
    /// until the race ends — a holder that dropped its connection or lost the element is not the last word.
    private func askAgain(_ flood: @escaping @Sendable () -> Void) {
        Task { [weak self] in
            guard let self else { return }
            let wait = state.withLock { state -> UInt64? in
                guard !state.finished, !state.refloodScheduled else { return nil }
                state.refloodScheduled = true
                let elapsed = state.lastFlood.map { PeerNetwork.now() - $0 } ?? .max
                return elapsed >= Self.reflood ? 0 : Self.reflood - elapsed
            }
            guard let wait else { return }
            if wait > 0 { try? await Task.sleep(nanoseconds: wait) }
            let go = state.withLock { state -> Bool in
                state.refloodScheduled = false
                guard !state.finished, state.active.isEmpty, state.candidates.isEmpty else { return false }
                state.lastFlood = PeerNetwork.now()
                return true
            }
            if go { flood() }
        }
    }

    private func finish(_ outcome: Result<[UInt8], any Error>) {
        let (continuation, losers) = state.withLock {
            state -> (CheckedContinuation<[UInt8], any Error>?, [Task<Void, Never>]) in
            guard !state.finished else { return (nil, []) }
            state.finished = true
            // Kept only until `result` collects it; the tasks and handler that refer back to this race are
            // dropped, so a finished race holds no bytes and is freed.
            if state.continuation == nil { state.outcome = outcome }
            defer {
                state.continuation = nil
                state.active = [:]
                state.timers = []
                state.exhaustedHandler = nil
            }
            return (state.continuation, Array(state.active.values) + state.timers)
        }
        for task in losers { task.cancel() }
        continuation?.resume(with: outcome)
    }
}
