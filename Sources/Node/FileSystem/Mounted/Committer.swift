import Foundation
import Synchronization
import ZenFS

/// Group commit for files written through the mount. Closing a file hands its new version here; about once a
/// second (or at once, for `fsync`) every pending version is made durable together: parts and metainfo elements
/// synced and named, then one catalog transaction. A crash loses at most the versions of the last second that
/// nobody fsynced, and never leaves an element under a wrong name or the catalog pointing at a missing one.
final class Committer: @unchecked Sendable {
    /// A sealed file version waiting to be recorded.
    struct Pending {
        let inode: Int64
        let name: String
        let pieces: [SHA1Digest]
        let pieceLength: Int
        let size: Int64
        let staged: [StagedElement]
        let times: FileTimes
        /// Counts versions of this inode, so the file table knows when its latest is recorded.
        let version: UInt64
        /// Bytes written into this version through the mount (counted against the quota until recorded).
        let writtenBytes: Int64
    }

    /// A version now in the catalog, with the metainfo that describes it.
    struct Recorded {
        let inode: Int64
        let version: UInt64
        let metainfo: Metainfo
        let writtenBytes: Int64
    }

    private let data: DataDirectory
    private let reader: PartReader
    private let onRecorded: @Sendable ([Recorded]) -> Void
    /// Runs before each periodic commit: seals files closed since the last one.
    private let prepare: @Sendable () -> Void
    /// A live file's times as they are when its version is recorded.
    private let currentTimes: @Sendable (Int64) -> FileTimes?
    private let queue = Mutex<[Pending]>([])
    /// Held for a whole commit, so commits never interleave.
    private let commitLock = NSLock()
    private let wakeup = NSCondition()
    private var stopping = false
    private var thread: Thread?
    /// Signalled when the background thread has returned.
    private let exited = DispatchSemaphore(value: 0)
    static let interval: TimeInterval = 1

    init(
        data: DataDirectory,
        reader: PartReader,
        prepare: @escaping @Sendable () -> Void,
        currentTimes: @escaping @Sendable (Int64) -> FileTimes? = { _ in nil },
        onRecorded: @escaping @Sendable ([Recorded]) -> Void
    ) {
        self.data = data
        self.reader = reader
        self.prepare = prepare
        self.currentTimes = currentTimes
        self.onRecorded = onRecorded
    }

    func start() {
        let thread = Thread { [weak self] in self?.run() }
        thread.name = "zenfs-committer"
        self.thread = thread
        thread.start()
    }

    /// Stops the background thread, waiting for a commit it is making (or a file it is sealing, whose version it
    /// then commits), and commits what is pending. Only then is everything written recorded: a new mount of the
    /// same data directory, or a command run right after, must not see an older version.
    func stop() throws {
        wakeup.withLock {
            stopping = true
            wakeup.signal()
        }
        if thread != nil {
            exited.wait()
            thread = nil
        }
        try commitNow(durable: true)
    }

    func submit(_ pending: Pending) {
        queue.withLock { $0.append(pending) }
    }

    private func run() {
        defer { exited.signal() }
        while true {
            let stop = wakeup.withLock { () -> Bool in
                if !stopping { _ = wakeup.wait(until: Date().addingTimeInterval(Self.interval)) }
                return stopping
            }
            if stop { return }
            prepare()
            do { try commitNow(durable: false) } catch {
                FileHandle.standardError.write(Data("zenfs: commit failed: \(error)\n".utf8))
            }
        }
    }

    /// The bytes of a version's parts that are not all zeros (the holes all share the zero part).
    static func allocatedBytes(of info: MetainfoInfo) -> Int64 {
        guard let lastPiece = info.pieces.last else { return 0 }
        let whole = zeroPartHash(length: info.pieceLength)
        let last = info.pieces.count - 1
        let lastLength = info.size(ofPiece: last)
        var allocated = lastPiece == zeroPartHash(length: lastLength) ? 0 : Int64(lastLength)
        for piece in info.pieces[..<last] where piece != whole { allocated += Int64(info.pieceLength) }
        return allocated
    }

    /// The hash of a part of `length` zeros, kept for whole part lengths (powers of two), so the cache stays small.
    private static func zeroPartHash(length: Int) -> SHA1Digest {
        if let known = zeroPartHashes.withLock({ $0[length] }) { return known }
        let hash = SHA1Digest.of([UInt8](repeating: 0, count: length))
        if length & (length - 1) == 0 { zeroPartHashes.withLock { $0[length] = hash } }
        return hash
    }

    private static let zeroPartHashes = Mutex<[Int: SHA1Digest]>([:])

    /// Records every pending version now; with `durable`, the catalog transaction is synced too.
    func commitNow(durable: Bool) throws {
        commitLock.lock()
        defer { commitLock.unlock() }
        let batch = queue.withLock { queue in
            defer { queue.removeAll() }
            return queue
        }
        guard !batch.isEmpty else { return }
        var staged = batch.flatMap(\.staged)
        var versions: [ContentVersion] = []
        do {
            for pending in batch {
                let name = (try? PathRules.check(pending.name, field: "name")) != nil ? pending.name : "file"
                let info = try MetainfoInfo(
                    name: name,
                    pieceLength: pending.pieceLength,
                    pieces: pending.pieces,
                    files: [MetainfoFile(path: [name], length: pending.size, offset: 0)],
                    isMultiFile: false
                )
                let metainfo = Metainfo(info: info)
                let bytes = metainfo.encoded()
                let hash = SHA1Digest.of(bytes)
                if let element = try bytes.withUnsafeBytes({ try data.store.stage($0, as: hash) }) {
                    staged.append(element)
                }
                versions.append(
                    ContentVersion(
                        inode: pending.inode,
                        metainfo: metainfo,
                        element: hash,
                        elementSize: Int64(bytes.count),
                        allocated: Self.allocatedBytes(of: info),
                        times: pending.times
                    )
                )
            }
            try data.store.commit(staged)
            reader.unregister(staged)
            try data.catalog.record(
                versions,
                durable: durable,
                diskBytes: StagedElement.diskBytes(of: staged),
                currentTimes: currentTimes
            )
            data.store.recorded(staged)
        } catch {
            // Put the batch back so a later commit retries it (staged parts stay readable meanwhile).
            queue.withLock { $0.insert(contentsOf: batch, at: 0) }
            throw error
        }
        onRecorded(
            zip(batch, versions).map {
                Recorded(inode: $0.inode, version: $0.version, metainfo: $1.metainfo, writtenBytes: $0.writtenBytes)
            }
        )
    }
}
