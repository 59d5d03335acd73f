import Foundation
import Glibc
import Synchronization
import ZenFS

/// The filesystem a FUSE mount serves: the namespace in the catalog, file contents as parts in the element store,
/// files being written as `FileImage`s, and their new versions recorded by group commit. All behaviour lives here,
/// so it is testable without the kernel; `ZenFSMount` only translates FUSE calls.
///
/// Locking: `lock` guards the tables (live files, handles, lookup counts, metainfo cache) and is never held
/// while waiting on a file; each `LiveFile` has its own lock for its image. Order: `lock`, then a file's lock.
public final class MountedFileSystem: @unchecked Sendable {
    public let data: DataDirectory
    let reader: PartReader
    /// Keeps writes within the data directory's quota.
    let quota: MountQuota
    private(set) var committer: Committer!
    private let lock = NSLock()
    private let trackerBaseCache = Mutex<String?>(nil)
    private var files: [Int64: LiveFile] = [:]
    private var handles: [UInt64: Handle] = [:]
    private var nextHandle: UInt64 = 1
    /// Open directories and the listing each is being read from.
    private var listings: [UInt64: [DirectoryItem]] = [:]
    private var lookups: [Int64: UInt64] = [:]
    /// Files closed with changes not yet sealed; the committer seals them before its next commit.
    private var closedWithChanges: Set<Int64> = []
    private var metainfos: [SHA1Digest: Metainfo] = [:]
    /// Piece hashes held by `metainfos` (20 bytes each), which bounds its memory with `cachedPieceLimit`.
    private var cachedPieces = 0
    static let cachedPieceLimit = 1 << 18
    static let cachedMetainfoLimit = 16_384
    let virtualTree = VirtualTree()
    /// Access times of reads, recorded with the next group commit.
    let accessTimes = PendingAccessTimes()
    /// When reads record access times (`relatime` unless the mount options say otherwise).
    public var accessTimeRule: AccessTimeRule {
        get { accessTimes.accessTimeRule }
        set { accessTimes.accessTimeRule = newValue }
    }
    /// Held (shared) while mounted: marks the data directory as mounted.
    private let mountLock: Int32
    /// Held (exclusive) until the last writes are recorded: a later mount of the same data directory waits for
    /// them instead of opening the catalog as it was before them.
    private let writerLock: Int32
    private let hasShutDown = Atomic<Bool>(false)

    /// A file with an image in memory: open, or with a version not yet recorded.
    final class LiveFile {
        let lock = ReadWriteLock()
        let image: FileImage
        var openCount = 0
        /// Calls using the file right now (guarded by the table lock): a pinned file is never collected.
        var pins = 0
        var version: UInt64 = 0
        var recordedVersion: UInt64 = 0
        /// The modification time: of the last write or truncate, or as `utimensat` set it since.
        var modified: Timestamp?
        /// The change time of the last write or truncate.
        var changed: Timestamp?
        /// Bytes written since the last seal, counted against the quota until their version is recorded.
        var writtenSinceSeal: Int64 = 0

        init(image: FileImage) {
            self.image = image
        }
    }

    /// An open file description.
    struct Handle {
        let inode: Int64
        let writable: Bool
        let append: Bool
    }

    /// Opens the data directory for mounting: removes inodes a crash left without a name, and starts the
    /// background group commit.
    /// Where `.torrent` files under `/.zen/torrents/` announce and web-seed: the running node's tracker when first
    /// asked, else the default address (then fixed for the mount's life, so sizes never change).
    var trackerBase: String {
        trackerBaseCache.withLock { base in
            if let base { return base }
            let found = LocalTracker.base(dataDirectory: data.path)
            base = found
            return found
        }
    }

    /// - Parameter remote: where parts and metainfo that are not local come from (the running node).
    public init(data: DataDirectory, remote: (any RemoteElementSource)? = nil) throws {
        self.data = data
        writerLock = try data.holdAsOnlyWriter()
        do { mountLock = try data.holdForMount() } catch {
            close(writerLock)
            throw error
        }
        reader = PartReader(store: data.store, remote: remote)
        quota = MountQuota(data: data)
        _ = try data.catalog.deleteUnlinkedInodes()
        committer = Committer(data: data, reader: reader) { [weak self] in
            self?.sealClosedFiles()
        } currentTimes: { [weak self] id in
            self?.currentTimes(id)
        } onRecorded: { [weak self] recorded in
            self?.recorded(recorded)
        }
        committer.start()
    }

    /// Records every pending version durably and stops the group commit; call once, after unmounting. Only then
    /// may another mount of the data directory start (it waits meanwhile). A failure to record is thrown (the
    /// caller must report it: the versions not recorded are lost), and the locks are released all the same.
    public func shutdown() throws {
        guard !hasShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        defer {
            quota.release()
            close(mountLock)
            close(writerLock)
        }
        var failure: (any Error)?
        for (id, file) in existingLiveFiles() {
            do { try submitIfDirty(id, file) } catch { failure = failure ?? error }
        }
        do { try recordAccessTimes() } catch { failure = failure ?? error }
        do { try committer.stop() } catch { failure = failure ?? error }
        if let failure { throw failure }
    }

    // MARK: Tables

    /// Runs `body` with the live file of `entry` (made from its last recorded version if there is none), pinned
    /// meanwhile: between being found and being used, a file is never collected by a concurrent release.
    func withLiveFile<T>(_ entry: NamespaceEntry, _ body: (LiveFile) throws -> T) throws -> T {
        var file = lock.withLock { () -> LiveFile? in
            let existing = files[entry.id]
            existing?.pins += 1
            return existing
        }
        if file == nil {
            // Read afresh: `entry` may predate a version the group commit recorded (and whose live file it then
            // dropped) since the caller read it, and an image built on it would lose that version's bytes.
            let current = try data.catalog.inode(entry.id) ?? entry
            file = pin(LiveFile(image: FileImage(base: try base(of: current), reader: reader)), for: entry.id)
        }
        defer { unpin(file!, id: entry.id) }
        return try body(file!)
    }

    /// Puts a live file in the table unless another thread got there first, and pins the one in the table.
    func pin(_ file: LiveFile, for id: Int64) -> LiveFile {
        lock.withLock {
            let chosen = files[id] ?? file
            files[id] = chosen
            chosen.pins += 1
            return chosen
        }
    }

    /// Whether no handle has the file open.
    func isClosed(_ file: LiveFile) -> Bool {
        lock.withLock { file.openCount == 0 }
    }

    /// Ends a pin; a release or forget that came while the file was pinned left it for this call to collect.
    func unpin(_ file: LiveFile, id: Int64) {
        let idle = lock.withLock {
            file.pins -= 1
            return file.pins == 0 && file.openCount == 0
        }
        if idle { collect(id) }
    }

    private func base(of entry: NamespaceEntry) throws -> FileImage.Base? {
        guard entry.kind == .file, let infoHash = entry.infoHash else { return nil }
        let metainfo = try cachedMetainfo(infoHash)
        return FileImage.Base(
            metainfo: metainfo,
            offset: entry.contentOffset ?? 0,
            size: entry.size
        )
    }

    /// An indexed metainfo, parsed once and kept while the cache has room.
    func cachedMetainfo(_ infoHash: SHA1Digest) throws -> Metainfo {
        if let cached = lock.withLock({ metainfos[infoHash] }) { return cached }
        var stored = try data.storedMetainfo(infoHash)
        if stored == nil, let remote = reader.remote, try remote.fetch(.metainfo, infoHash, content: nil) {
            stored = try data.storedMetainfo(infoHash)
        }
        guard let metainfo = stored else { throw PosixError.notFound }
        lock.withLock { remember(metainfo) }
        return metainfo
    }

    /// Keeps a metainfo in the cache (the caller holds `lock`); the cache is emptied when it holds too many pieces.
    private func remember(_ metainfo: Metainfo) {
        let pieces = metainfo.info.pieces.count
        if cachedPieces + pieces > Self.cachedPieceLimit || metainfos.count >= Self.cachedMetainfoLimit {
            metainfos.removeAll()
            cachedPieces = 0
        }
        if metainfos.updateValue(metainfo, forKey: metainfo.infoHash) == nil { cachedPieces += pieces }
    }

    func existingLiveFiles() -> [Int64: LiveFile] {
        lock.withLock { files }
    }

    func existingLiveFile(_ id: Int64) -> LiveFile? {
        lock.withLock { files[id] }
    }

    func handle(_ number: UInt64) throws -> (Handle, LiveFile) {
        lock.lock()
        defer { lock.unlock() }
        guard let handle = handles[number], let file = files[handle.inode] else { throw PosixError.badHandle }
        return (handle, file)
    }

    func addHandle(_ handle: Handle, file: LiveFile) -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        let number = nextHandle
        nextHandle += 1
        handles[number] = handle
        file.openCount += 1
        return number
    }

    func removeHandle(_ number: UInt64) -> Handle? {
        lock.lock()
        defer { lock.unlock() }
        guard let handle = handles.removeValue(forKey: number) else { return nil }
        files[handle.inode]?.openCount -= 1
        return handle
    }

    /// Opens directory `id` for reading its entries; the listing is taken at the first read from its start.
    public func openDirectory(_ id: Int64) throws -> UInt64 {
        let kind = VirtualTree.isVirtual(id) ? try virtualAttributes(id).kind : try data.catalog.inode(id)?.kind
        guard let kind else { throw PosixError.notFound }
        guard kind == .directory else { throw PosixError.notADirectory }
        return lock.withLock {
            let number = nextHandle
            nextHandle += 1
            listings[number] = []
            return number
        }
    }

    /// The entries of an open directory from position `offset` on. Reading from 0 takes the listing anew (so
    /// `rewinddir` sees changes); later positions read the same listing, so a directory is listed once however
    /// many calls its entries take.
    public func readDirectory(_ handle: UInt64, of id: Int64, from offset: Int) throws -> ArraySlice<DirectoryItem> {
        var items = lock.withLock { listings[handle] }
        guard items != nil else { throw PosixError.badHandle }
        // A listing is never empty once taken (it holds `.`), so empty means not taken yet.
        if offset == 0 || items!.isEmpty {
            let fresh = try readdir(id)
            if !VirtualTree.isVirtual(id), let directory = try data.catalog.inode(id) {
                accessTimes.accessed(overlay(directory))
            }
            let replaced = lock.withLock { () -> [DirectoryItem] in
                guard let old = listings[handle] else { return fresh }
                listings[handle] = fresh
                return old
            }
            dropListingHolds(replaced)
            items = fresh
        }
        guard let items, offset < items.count else { return [] }
        return items[max(0, offset)...]
    }

    /// Closes an open directory.
    public func releaseDirectory(_ handle: UInt64) {
        dropListingHolds(lock.withLock { listings.removeValue(forKey: handle) } ?? [])
    }

    /// Drops the holds a listing took on the virtual numbers it shows.
    private func dropListingHolds(_ items: [DirectoryItem]) {
        for item in items where item.name != "." && item.name != ".." {
            let id = Int64(bitPattern: item.inode)
            if VirtualTree.isVirtual(id) { virtualTree.drop(id) }
        }
    }

    /// Counts a lookup the kernel made by receiving an entry with its attributes (`readdirplus`).
    public func countListedLookup(_ item: DirectoryItem) {
        let id = Int64(bitPattern: item.inode)
        if VirtualTree.isVirtual(id) { virtualTree.hold(id) } else { countLookup(id) }
    }

    func countLookup(_ id: Int64) {
        lock.lock()
        lookups[id, default: 0] += 1
        lock.unlock()
    }

    /// The kernel forgets `count` lookups of an inode.
    public func forget(_ id: Int64, count: UInt64) {
        if VirtualTree.isVirtual(id) { virtualTree.drop(id, count: Int(clamping: count)) }
        lock.lock()
        if let current = lookups[id] {
            lookups[id] = current > count ? current - count : nil
        }
        lock.unlock()
        collect(id)
    }

    /// Drops what is no longer needed for an inode: its image once recorded and closed, and the inode itself
    /// once it has no name, no lookup and no open file.
    func collect(_ id: Int64) {
        lock.lock()
        var inUse = lookups[id] != nil
        if let file = files[id] {
            let idle =
                file.pins == 0
                && file.lock.withWriteLock {
                    file.openCount == 0 && file.recordedVersion == file.version && !file.image.isDirty
                }
            if idle { files[id] = nil } else { inUse = true }
        }
        lock.unlock()
        if !inUse && !VirtualTree.isVirtual(id) { try? data.catalog.deleteIfUnlinked(id) }
    }

    private func recorded(_ versions: [Committer.Recorded]) {
        var touched: [Int64] = []
        lock.lock()
        for recorded in versions {
            // The next open of the file finds its metainfo here rather than in the store.
            remember(recorded.metainfo)
            if let file = files[recorded.inode] {
                file.lock.withWriteLock { file.recordedVersion = max(file.recordedVersion, recorded.version) }
                touched.append(recorded.inode)
            }
        }
        lock.unlock()
        for inode in touched { collect(inode) }
        quota.settle(versions.reduce(0) { $0 + $1.writtenBytes })
    }

    /// Leaves a changed file for the committer to seal, so `close` returns without hashing or staging.
    func sealLater(_ id: Int64) {
        lock.withLock { _ = closedWithChanges.insert(id) }
    }

    /// Seals every file closed with changes since the last commit (errors are logged; the file stays live and
    /// is retried at the next close, fsync or unmount).
    func sealClosedFiles() {
        do { try recordAccessTimes() } catch {
            FileHandle.standardError.write(Data("zenfs: recording access times failed: \(error)\n".utf8))
        }
        let ids = lock.withLock {
            defer { closedWithChanges.removeAll() }
            return closedWithChanges
        }
        for id in ids {
            guard let file = existingLiveFile(id) else { continue }
            do { try submitIfDirty(id, file) } catch {
                FileHandle.standardError.write(Data("zenfs: sealing inode \(id) failed: \(error)\n".utf8))
            }
        }
    }

    /// Writes the access times reads left waiting (they stay waiting if the write fails).
    func recordAccessTimes() throws {
        let taken = accessTimes.take()
        do { try data.catalog.recordAccessTimes(taken) } catch {
            accessTimes.restore(taken)
            throw error
        }
    }

    /// Seals a changed file and hands its new version to the group commit.
    func submitIfDirty(_ id: Int64, _ file: LiveFile) throws {
        if file.lock.withReadLock({ !file.image.isDirty }) { return }
        let name = try data.catalog.name(of: id) ?? "file"
        try file.lock.withWriteLock {
            guard file.image.isDirty else { return }
            let sealed = try file.image.seal()
            file.version += 1
            committer.submit(
                Committer.Pending(
                    inode: id,
                    name: name,
                    pieces: sealed.pieces,
                    pieceLength: file.image.pieceLength,
                    size: file.image.size,
                    staged: sealed.staged,
                    times: FileTimes(modified: file.modified ?? .now, changed: file.changed ?? .now),
                    version: file.version,
                    writtenBytes: file.writtenSinceSeal
                )
            )
            file.writtenSinceSeal = 0
        }
    }

    /// Commits every pending version now, durably.
    func commitNow() throws {
        try committer.commitNow(durable: true)
    }

    /// The catalog's view of an inode, with the size and time of its live image if it has one.
    func overlay(_ stored: NamespaceEntry) -> FileAttributes {
        lock.lock()
        let file = files[stored.id]
        lock.unlock()
        let entry = accessTimes.pending(stored.id).map { stored.with(accessed: $0) } ?? stored
        guard let file else { return FileAttributes(entry) }
        return file.lock.withReadLock {
            FileAttributes(
                entry.with(
                    size: file.image.size,
                    modified: file.modified,
                    changed: max(entry.changed, file.changed ?? entry.changed)
                )
            ).with(allocated: file.image.allocatedBytes(recorded: entry.allocated))
        }
    }

    /// The times of a live file's data as they are now, for the group commit to record.
    func currentTimes(_ id: Int64) -> FileTimes? {
        guard let file = existingLiveFile(id) else { return nil }
        return file.lock.withReadLock {
            guard let modified = file.modified, let changed = file.changed else { return nil }
            return FileTimes(modified: modified, changed: changed)
        }
    }

    /// Marks a live file's data as changed now (a write or truncate); the caller holds the file's write lock.
    static func touchData(_ file: LiveFile, modified: Timestamp? = nil) {
        let now = Timestamp.now
        file.modified = modified ?? now
        file.changed = now
    }
}
