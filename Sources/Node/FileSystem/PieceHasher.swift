import Dispatch
import Foundation
import Synchronization
import ZenFS

/// Hashes every piece of a `PieceSource` on all cores and stages each as an element. With expected hashes
/// (importing a torrent made elsewhere) the first piece that differs stops the work and nothing is kept.
struct PieceHasher {
    let store: ElementStore
    /// How many new bytes may be staged before the work stops with `quotaExceeded`.
    let budget: Int64
    let quota: Int64?
    let workers: Int

    /// What hashing produced: every piece's hash and the elements staged (not yet committed).
    struct Result {
        let pieces: [SHA1Digest]
        let staged: [StagedElement]
    }

    /// Pieces a worker takes at once: 4 MiB at 256 KiB pieces keeps each worker's reads sequential.
    static let piecesPerClaim = 16

    func run(_ source: PieceSource, expected: [SHA1Digest]?, progress: ProgressCounter?) throws -> Result {
        let count = source.pieceCount
        let hashes = UnsafeMutableBufferPointer<SHA1Digest?>.allocate(capacity: count)
        hashes.initialize(repeating: nil)
        defer { hashes.deallocate() }
        let shared = SharedState(hashes: hashes)
        DispatchQueue.concurrentPerform(iterations: max(1, min(workers, count))) { _ in
            var staged: [StagedElement] = []
            do {
                try work(source, expected: expected, shared: shared, staged: &staged, progress: progress)
            } catch {
                shared.fail(error)
            }
            shared.collect(staged)
        }
        let staged = shared.stagedElements()
        if let failure = shared.failure() {
            store.discard(staged)
            throw failure
        }
        return Result(pieces: hashes.map { $0! }, staged: staged)
    }

    private func work(
        _ source: PieceSource,
        expected: [SHA1Digest]?,
        shared: SharedState,
        staged: inout [StagedElement],
        progress: ProgressCounter?
    ) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: source.pieceLength, alignment: 4096)
        defer { buffer.deallocate() }
        var files = SourceDescriptors()
        while !shared.hasFailed {
            let first = shared.claim(Self.piecesPerClaim)
            if first >= source.pieceCount { return }
            for index in first..<min(first + Self.piecesPerClaim, source.pieceCount) {
                let size = source.size(ofPiece: index)
                let piece = UnsafeRawBufferPointer(rebasing: buffer[0..<size])
                try source.readPiece(index, into: UnsafeMutableRawBufferPointer(mutating: piece), files: &files)
                let hash = SHA1Digest.of(piece)
                if let expected, expected[index] != hash {
                    let offset = Int64(index) * Int64(source.pieceLength)
                    throw IngestError.dataMismatch(piece: index, path: source.path(at: offset) ?? "padding")
                }
                if let element = try store.stage(piece, as: hash) {
                    staged.append(element)
                    if shared.addStaged(element.size) > budget {
                        throw quota.map {
                            StoreError.quotaExceeded(needed: source.totalLength, available: budget, quota: $0)
                        }
                            ?? StoreError.diskFull(path: store.root)
                    }
                }
                shared.hashes[index] = hash
                progress?.advance(by: Int64(size))
            }
        }
    }
}

/// What the hashing workers share: a claim counter, the results, and the first failure.
private final class SharedState: @unchecked Sendable {
    // Each index of `hashes` is written by exactly one worker, and read only after all have finished.
    let hashes: UnsafeMutableBufferPointer<SHA1Digest?>
    private let next = Atomic<Int>(0)
    private let stagedBytes = Atomic<Int64>(0)
    private let state = Mutex<(error: (any Error)?, staged: [StagedElement])>((nil, []))
    private let failed = Atomic<Bool>(false)

    init(hashes: UnsafeMutableBufferPointer<SHA1Digest?>) {
        self.hashes = hashes
    }

    func claim(_ count: Int) -> Int { next.add(count, ordering: .relaxed).oldValue }

    func addStaged(_ bytes: Int64) -> Int64 { stagedBytes.add(bytes, ordering: .relaxed).newValue }

    var hasFailed: Bool { failed.load(ordering: .relaxed) }

    func fail(_ error: any Error) {
        state.withLock { if $0.error == nil { $0.error = error } }
        failed.store(true, ordering: .relaxed)
    }

    func collect(_ elements: [StagedElement]) { state.withLock { $0.staged += elements } }

    func failure() -> (any Error)? { state.withLock { $0.error } }

    func stagedElements() -> [StagedElement] { state.withLock { $0.staged } }
}
