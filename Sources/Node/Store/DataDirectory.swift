import Foundation
import Glibc
import ZenFS

/// A node's data directory (`--data-dir`, `ZENFS_DATA_DIR`, or `~/.zenfs`): the element store, the catalog, and
/// the lock file that keeps collectors from racing writers.
public final class DataDirectory: Sendable {
    /// How a command shares the data directory with others.
    public enum Access: Sendable {
        /// Adds, imports and reads: many at once.
        case shared
        /// Garbage collection and verification: alone.
        case exclusive
    }

    public let path: String
    public let store: ElementStore
    public let catalog: Catalog

    /// The setting that holds the quota in bytes.
    static let quotaSetting = "quota"

    /// Opens (creating when needed, mode 0700) the data directory at `path`.
    public init(path: String, syncEveryTransaction: Bool = true) throws(StoreError) {
        self.path = path
        try Posix.makeDirectories(path)
        chmod(path, 0o700)
        store = try ElementStore(directory: path + "/elements")
        let escape = EscapeSpace(directory: path)
        let catalogPath = path + "/catalog.sqlite"
        do {
            catalog = try Catalog(
                path: catalogPath,
                syncEveryTransaction: syncEveryTransaction,
                makeRoom: escape.release
            )
        } catch .diskFull where escape.release() {
            // Other programs filled the disk: the escape file's space lets the catalog open (and `rm` and `gc`
            // record their work).
            catalog = try Catalog(
                path: catalogPath,
                syncEveryTransaction: syncEveryTransaction,
                makeRoom: escape.release
            )
        }
        if let disk = store.diskSpace() {
            escape.replenish(free: disk.free, reserve: StorageBudget.reserve(forDiskOf: disk.total))
        }
    }

    /// `--data-dir` if given, else `ZENFS_DATA_DIR`, else `~/.zenfs`.
    public static func resolvePath(
        explicit: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    )
        -> String
    {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environment["ZENFS_DATA_DIR"], !fromEnvironment.isEmpty { return fromEnvironment }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.zenfs"
    }

    /// Runs `body` holding the data directory's lock in the given mode, waiting for other holders. A mount
    /// holds no part of this lock: it links the elements it has not recorded yet instead (see
    /// `ElementStore.collect`), so exclusive work (gc, verify) runs beside it.
    public func withLock<T>(_ access: Access, _ body: () throws -> T) throws -> T {
        let lockPath = path + "/lock"
        let fd = try Posix.open(lockPath, O_RDWR | O_CREAT, mode: 0o600)
        defer { close(fd) }
        while flock(fd, access == .shared ? LOCK_SH : LOCK_EX) != 0 {
            if errno != EINTR { throw Posix.failure("lock", lockPath) }
        }
        return try body()
    }

    /// Runs `body` holding the data directory's lock in the given mode if no other holder is in the way;
    /// nil (without running it) otherwise.
    public func withLockIfFree<T>(_ access: Access, _ body: () throws -> T) throws -> T? {
        let lockPath = path + "/lock"
        let fd = try Posix.open(lockPath, O_RDWR | O_CREAT, mode: 0o600)
        defer { close(fd) }
        while flock(fd, (access == .shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0 {
            if errno == EWOULDBLOCK { return nil }
            if errno != EINTR { throw Posix.failure("lock", lockPath) }
        }
        return try body()
    }

    /// Marks the data directory as mounted until the returned descriptor is closed (at process exit at the
    /// latest), and has this process's element store link every element it is about to record, so that a
    /// `gc` run meanwhile keeps them.
    public func holdForMount() throws -> Int32 {
        store.protectsInFlightElements.store(true, ordering: .relaxed)
        let fd = try Posix.open(path + "/mount.lock", O_RDWR | O_CREAT, mode: 0o600)
        while flock(fd, LOCK_SH) != 0 {
            if errno != EINTR {
                close(fd)
                throw Posix.failure("lock", path + "/mount.lock")
            }
        }
        return fd
    }

    /// Takes the data directory's writer lock (`mount-writer.lock`, exclusive) for a mount's whole life, up to and
    /// including the recording of its last writes: one mount at a time records versions here, and a new mount waits
    /// for the previous one to finish recording (`fusermount3 -u` returns before that), so it never opens the
    /// catalog as it was before those writes. Waits up to `wait`, then throws `mounted` (another mount still serves
    /// the data directory). Close the descriptor to release it (process exit releases it too).
    public func holdAsOnlyWriter(waiting wait: Duration = .seconds(120)) throws -> Int32 {
        let lockPath = path + "/mount-writer.lock"
        let fd = try Posix.open(lockPath, O_RDWR | O_CREAT, mode: 0o600)
        let deadline = ContinuousClock.now + wait
        var told = false
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            guard code == EWOULDBLOCK, ContinuousClock.now < deadline else {
                let failure: StoreError =
                    code == EWOULDBLOCK ? .mounted(path: path) : .io(operation: "lock", path: lockPath, errno: code)
                close(fd)
                throw failure
            }
            if !told {
                told = true
                FileHandle.standardError.write(
                    Data("zenfs: waiting for the last mount of \(path) to finish recording its writes\n".utf8)
                )
            }
            usleep(20_000)
        }
        return fd
    }

    /// The stored metainfo of an indexed info-hash (its element read and verified), or nil when not indexed.
    public func storedMetainfo(_ infoHash: SHA1Digest) throws -> Metainfo? {
        guard let element = try catalog.metainfoElement(infoHash) else { return nil }
        return try Metainfo(parsing: try store.read(element))
    }

    /// The configured quota in bytes, or nil for none.
    public func quota() throws -> Int64? {
        try catalog.setting(Self.quotaSetting).flatMap { Int64($0) }
    }

    /// Sets or clears the quota.
    public func setQuota(_ bytes: Int64?) throws {
        try catalog.setSetting(Self.quotaSetting, bytes.map(String.init))
    }

    /// How many new bytes may be stored now: the quota's remainder (less what adds in progress have reserved),
    /// and the disk's free space less a reserve for the catalog, whichever is smaller.
    public func storageBudget() throws -> Int64 {
        try budget().bytes
    }

    /// The limits on new bytes, each with its figures (for refusals that say what is free and what is needed).
    public func budget() throws -> StorageBudget {
        var room: Int64?
        let quota = try quota()
        if let quota { room = quota - (try catalog.storedBytes()) - (try reservedBytes()) }
        let disk = store.diskSpace()
        return StorageBudget(
            quota: quota,
            quotaRoom: room,
            diskFree: disk?.free,
            diskReserve: StorageBudget.reserve(forDiskOf: disk?.total ?? 0),
            path: path
        )
    }
}
