import Glibc
import Synchronization
import ZenFS

/// Content-addressed files: every part and every metainfo lives at `elements/ab/cdef…`, named by the SHA1 of its
/// bytes. New elements are staged as temporary files (`ab/.staged-…`) and become visible under their name only
/// after their bytes are durable, so a crash never leaves an element under a wrong name. A file here whose bytes do not hash to its
/// name is never served: reads that verify move it to `quarantine/`.
public final class ElementStore: Sendable {
    /// The `elements` directory.
    public let root: String
    let quarantineDirectory: String
    /// Where stores written by earlier versions staged their elements; emptied with the other staged files.
    private let legacyStagingDirectory: String
    /// Whether this process writes while a collector may run (a mount): it then links every element it is about
    /// to record (see `collect`).
    public let protectsInFlightElements = Atomic<Bool>(false)
    /// Links this process holds on elements it named and has not recorded yet, by the staged path they came
    /// from (see `hold`).
    let held = Mutex<[String: String]>([:])

    /// Opens (and creates) the store under `directory`.
    public init(directory: String) throws(StoreError) {
        root = directory
        legacyStagingDirectory = directory + "/.staging"
        quarantineDirectory = directory + "/.quarantine"
        try Posix.makeDirectories(directory)
        // The 256 shard folders are unrelated: spread over the disk's block groups (ext4), each new element's inode
        // is found in a group of its own instead of all in the data directory's group. Without a journal, ext4
        // skips (and looks up the deletion time of) every inode deleted there in the last minutes at each
        // allocation: after a large delete nearby, an add of 1 GiB spent a second of system time in that scan.
        Posix.markAsTopDirectory(directory)
        try Posix.makeDirectory(quarantineDirectory)
    }

    /// Deletes staged files no writer owns any more: those of processes that no longer run (a mount's staged
    /// parts and links stay); call with the data directory's exclusive lock held.
    public func removeAbandonedStagingFiles() {
        for path in stagedFiles() {
            if let (_, pid) = Self.parseStagedName(path), Self.isRunning(pid) { continue }
            unlink(path)
        }
        let now = Self.wallClockSeconds()
        for path in heldLinks() {
            if let link = Self.parseHeldName(path), Self.isRunning(link.pid), link.until > now { continue }
            unlink(path)
        }
        for name in Posix.directoryNames(legacyStagingDirectory) { unlink(legacyStagingDirectory + "/" + name) }
    }

    /// The path of an element.
    public func path(of hash: SHA1Digest) -> String {
        let hex = hash.hex
        return root + "/" + hex.prefix(2) + "/" + hex.dropFirst(2)
    }

    /// Whether an element is present (not whether it is intact).
    public func contains(_ hash: SHA1Digest) -> Bool {
        access(path(of: hash), F_OK) == 0
    }

    /// The size of a stored element.
    public func size(of hash: SHA1Digest) -> Int64? {
        Posix.fileSize(path(of: hash))
    }

    /// Reads a whole element. With `verify`, an element whose bytes do not hash to its name is quarantined and
    /// reported as `.corruptElement`: it is never returned.
    public func read(_ hash: SHA1Digest, verify: Bool = true) throws -> [UInt8] {
        let path = path(of: hash)
        let fd: Int32
        do throws(StoreError) {
            fd = try Posix.open(path, O_RDONLY)
        } catch {
            if case .io(_, _, let code) = error, code == ENOENT { throw StoreError.missingElement(hash) }
            throw error
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Posix.failure("stat", path) }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        try bytes.withUnsafeMutableBytes { buffer in
            try Posix.readExactly(fd, into: buffer, at: 0, path: path)
        }
        if verify && SHA1Digest.of(bytes) != hash {
            try quarantine(hash)
            throw StoreError.corruptElement(hash)
        }
        return bytes
    }

    /// Reads `buffer.count` bytes of an element from `offset` on, unverified (parts were verified when stored; a
    /// reader that must be sure reads the whole element with `read(_:verify:)`).
    public func read(_ hash: SHA1Digest, at offset: Int64, into buffer: UnsafeMutableRawBufferPointer)
        throws(StoreError)
    {
        let path = path(of: hash)
        let fd: Int32
        do throws(StoreError) {
            fd = try Posix.open(path, O_RDONLY)
        } catch {
            if case .io(_, _, let code) = error, code == ENOENT { throw StoreError.missingElement(hash) }
            throw error
        }
        defer { close(fd) }
        try Posix.readExactly(fd, into: buffer, at: offset, path: path)
    }

    /// Moves an element out of the store into `quarantine/` so it is never served again.
    public func quarantine(_ hash: SHA1Digest) throws(StoreError) {
        try Posix.rename(path(of: hash), quarantineDirectory + "/" + hash.hex)
    }

    /// Deletes an element; a missing one is not an error.
    public func remove(_ hash: SHA1Digest) throws(StoreError) {
        if unlink(path(of: hash)) != 0 && errno != ENOENT { throw Posix.failure("remove", path(of: hash)) }
    }

    /// Every element name in the store, in no particular order. Files whose names are not hashes are skipped.
    public func allElements() -> [SHA1Digest] {
        var hashes: [SHA1Digest] = []
        for prefix in Posix.directoryNames(root) where prefix.utf8.count == 2 {
            for rest in Posix.directoryNames(root + "/" + prefix) {
                if let hash = SHA1Digest(hex: prefix + rest) { hashes.append(hash) }
            }
        }
        return hashes
    }

    /// How many bytes are free on the filesystem holding the store.
    public func freeBytes() -> Int64? { diskSpace()?.free }

    /// The size of the filesystem holding the store and the bytes free on it for unprivileged writers.
    public func diskSpace() -> (total: Int64, free: Int64)? {
        var info = statvfs()
        guard statvfs(root, &info) == 0 else { return nil }
        return (Int64(info.f_blocks) * Int64(info.f_frsize), Int64(info.f_bavail) * Int64(info.f_frsize))
    }
}
