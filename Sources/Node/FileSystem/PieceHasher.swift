import Foundation
import Synchronization
import ZenFS

/// Hashes every piece of a `PieceSource` on all cores and stages each as an element. With expected hashes
/// (importing a torrent made elsewhere) the first piece that differs stops the work and nothing is kept.
///
/// One thread per core hashes; a larger group of writer threads stages the hashed pieces with direct writes,
/// so the disk works while the cores hash and no hashing thread ever waits on it.
struct PieceHasher {
    let store: ElementStore
    /// How many new bytes may be staged before the work stops with `quotaExceeded` or `diskFull`.
    let budget: StorageBudget
    let workers: Int
    /// The add's promise of space under the quota, grown as staging passes it (nil: no other add to share with).
    var space: SpaceReservation? = nil

    /// What hashing produced: every piece's hash and the elements staged (not yet committed).
    struct Result {
        let pieces: [SHA1Digest]
        let staged: [StagedElement]
    }

    /// Writes in flight at once: a disk behind a virtual or NVMe controller needs a deep queue to reach its
    /// speed (measured: 8 parallel 256 KiB direct writes give 1.7 GB/s where one gives 1.0). The threads hold
    /// no memory of their own.
    static let writerCount = 24
    /// Memory that hashed pieces waiting for their write may take together.
    static let queuedBytesBudget = 32 << 20
    /// Pieces a hashing thread takes at once: 4 MiB at 256 KiB pieces keeps each one's reads sequential.
    static let piecesPerClaim = 16

    func run(_ source: PieceSource, expected: [SHA1Digest]?, progress: ProgressCounter?) throws -> Result {
        let count = source.pieceCount
        let hashes = UnsafeMutableBufferPointer<SHA1Digest?>.allocate(capacity: count)
        hashes.initialize(repeating: nil)
        defer { hashes.deallocate() }
        let shared = SharedState(hashes: hashes)
        let hashers = max(1, min(workers, count))
        let writers = max(1, min(Self.writerCount, count))
        let queue = PieceWriteQueue(capacity: max(writers, Self.queuedBytesBudget / max(source.pieceLength, 1)))
        let pool = PieceBufferPool(pieceLength: source.pieceLength)
        let zeros = ZeroPieces(pieceLength: source.pieceLength)
        let hashersLeft = Atomic<Int>(hashers)
        let snapshot = SourceSnapshot(of: source)
        runOnThreads(hashers + writers) { thread in
            if thread < hashers {
                do {
                    try hash(
                        source,
                        expected: expected,
                        shared: shared,
                        queue: queue,
                        pool: pool,
                        zeros: zeros,
                        progress: progress
                    )
                } catch {
                    shared.fail(error)
                    queue.close()
                }
                if hashersLeft.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { queue.close() }
            } else {
                var staged: [StagedElement] = []
                do {
                    try write(from: queue, source: source, shared: shared, staged: &staged, progress: progress)
                } catch {
                    shared.fail(error)
                    queue.close()
                }
                shared.collect(staged)
            }
        }
        let staged = shared.stagedElements()
        var failure = shared.failure()
        // A source shortened under a read or a direct write shows up as a short read or as `EFAULT` ("Bad
        // address": the kernel found the mapped pages gone); that, like any read failure while a source file
        // changed, is the change.
        if failure == nil || Self.mayComeFromAChange(failure!), let changed = snapshot.firstChangedFile() {
            failure = IngestError.sourceChanged(path: changed)
        }
        if let failure {
            store.discard(staged)
            throw failure
        }
        return Result(pieces: hashes.map { $0! }, staged: staged)
    }

    /// Whether `error` is an I/O failure that a source file changing meanwhile can cause (not a full disk, a
    /// quota, or a mismatch with a torrent).
    private static func mayComeFromAChange(_ error: any Error) -> Bool {
        if case StoreError.io = error { return true }
        return false
    }

    /// A hashing thread: claims runs of pieces, maps them (or reads them into pooled buffers), hashes and checks
    /// each, and hands it to the writers. Pieces that lie wholly in holes of sparse sources (or in padding) are
    /// neither read nor hashed: their hash is the zero part's of their length, and one element of each length is
    /// written for all of them.
    private func hash(
        _ source: PieceSource,
        expected: [SHA1Digest]?,
        shared: SharedState,
        queue: PieceWriteQueue,
        pool: PieceBufferPool,
        zeros: ZeroPieces,
        progress: ProgressCounter?
    ) throws {
        var files = SourceDescriptors()
        while !shared.hasFailed {
            let first = shared.claim(Self.piecesPerClaim)
            if first >= source.pieceCount { return }
            let claimed = first..<min(first + Self.piecesPerClaim, source.pieceCount)
            let empty = try source.emptyPieces(claimed, files: &files)
            // A run with holes is read piece by piece: mapping it would fill the page cache with the holes' zeros.
            let mapped = empty.contains(true) ? nil : try source.map(claimed, files: &files)
            for index in claimed {
                let size = source.size(ofPiece: index)
                if empty[index - first] {
                    let hash = zeros.hash(length: size)
                    if let expected, expected[index] != hash {
                        throw IngestError.dataMismatch(piece: index, path: source.path(ofPiece: index))
                    }
                    shared.hashes[index] = hash
                    if zeros.claimWrite(length: size) {
                        let bytes = UnsafeRawBufferPointer(rebasing: zeros.bytes[0..<size])
                        if !queue.push(PieceWriteJob(index: index, hash: hash, bytes: bytes, owner: zeros)) { return }
                    } else {
                        progress?.advance(by: Int64(size))
                    }
                    continue
                }
                let piece: UnsafeRawBufferPointer
                let owner: AnyObject
                if let mapped {
                    piece = mapped.piece(index, size: size)
                    owner = mapped
                } else {
                    let buffer = pool.take()
                    let target = UnsafeMutableRawBufferPointer(rebasing: buffer.bytes[0..<size])
                    try source.readPiece(index, into: target, files: &files)
                    piece = UnsafeRawBufferPointer(target)
                    owner = buffer
                }
                let hash = SHA1Digest.of(piece)
                if let mapped, mapped.hasFaulted { throw IngestError.sourceChanged(path: source.path(ofPiece: index)) }
                if let expected, expected[index] != hash {
                    throw IngestError.dataMismatch(piece: index, path: source.path(ofPiece: index))
                }
                shared.hashes[index] = hash
                if !queue.push(PieceWriteJob(index: index, hash: hash, bytes: piece, owner: owner)) { return }
            }
        }
    }

    /// A writer thread: stages hashed pieces until the hashers are done, stopping the work when the budget
    /// (quota or free space) runs out. After a failure it only drains the queue.
    /// A mapped piece whose file shrank before its write took zeros instead of the file's bytes: that element
    /// would not match its name, so it is dropped and the work stops.
    private func write(
        from queue: PieceWriteQueue,
        source: PieceSource,
        shared: SharedState,
        staged: inout [StagedElement],
        progress: ProgressCounter?
    ) throws {
        while let job = queue.pop() {
            if shared.hasFailed { continue }
            if let element = try store.stage(job.bytes, as: job.hash, bypassingCache: true) {
                staged.append(element)
                if (job.owner as? MappedPieces)?.hasFaulted == true {
                    throw IngestError.sourceChanged(path: source.path(ofPiece: job.index))
                }
                // The quota counts what the disk holds (zero tails are holes), as the catalog records it.
                let (_, diskBytes) = shared.addStaged(element.size, onDisk: element.storedBytes)
                try space?.cover(diskBytes)
                if let refusal = budget.refusal(staged: diskBytes, onDisk: diskBytes, needed: source.totalLength) {
                    throw refusal
                }
            }
            progress?.advance(by: Int64(job.bytes.count))
        }
    }
}

/// What the hashing and writing threads share: a claim counter, the results, and the first failure.
private final class SharedState: @unchecked Sendable {
    // Each index of `hashes` is written by exactly one hashing thread, and read only after all have finished.
    let hashes: UnsafeMutableBufferPointer<SHA1Digest?>
    private let next = Atomic<Int>(0)
    private let stagedBytes = Atomic<Int64>(0)
    private let diskBytes = Atomic<Int64>(0)
    private let state = Mutex<(error: (any Error)?, staged: [StagedElement])>((nil, []))
    private let failed = Atomic<Bool>(false)

    init(hashes: UnsafeMutableBufferPointer<SHA1Digest?>) {
        self.hashes = hashes
    }

    func claim(_ count: Int) -> Int { next.add(count, ordering: .relaxed).oldValue }

    /// Counts a staged element: its length (what the quota counts) and the bytes it took on the disk; returns
    /// both totals so far.
    func addStaged(_ bytes: Int64, onDisk: Int64) -> (staged: Int64, onDisk: Int64) {
        (stagedBytes.add(bytes, ordering: .relaxed).newValue, diskBytes.add(onDisk, ordering: .relaxed).newValue)
    }

    var hasFailed: Bool { failed.load(ordering: .relaxed) }

    func fail(_ error: any Error) {
        state.withLock { if $0.error == nil { $0.error = error } }
        failed.store(true, ordering: .relaxed)
    }

    func collect(_ elements: [StagedElement]) { state.withLock { $0.staged += elements } }

    func failure() -> (any Error)? { state.withLock { $0.error } }

    func stagedElements() -> [StagedElement] { state.withLock { $0.staged } }
}
