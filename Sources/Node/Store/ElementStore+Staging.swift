import Glibc
import Synchronization
import ZenFS

/// An element written to a temporary file, not yet visible under its name.
public struct StagedElement: Sendable {
    public let hash: SHA1Digest
    public let size: Int64
    let temporaryPath: String
}

extension ElementStore {
    /// Numbers staged files so concurrent writers in one process never pick the same name.
    static let stagingCounter = Atomic<Int>(0)
    /// Staged elements at least this large start their writeback at once.
    static let earlyWritebackSize = 64 << 10

    /// Writes `bytes` to a temporary file. Returns nil when the element is already stored. The caller has
    /// already checked that `bytes` hash to `hash`. Safe to call from many threads at once.
    ///
    /// With `bypassingCache`, page-aligned bytes go straight to the disk (`O_DIRECT`): an ingest of a large file
    /// then neither copies every byte into the page cache nor waits for the cache's writeback, and the batch's
    /// sync only commits the journal. Filesystems without `O_DIRECT` get ordinary writes.
    public func stage(_ bytes: UnsafeRawBufferPointer, as hash: SHA1Digest, bypassingCache: Bool = false)
        throws(StoreError) -> StagedElement?
    {
        if contains(hash) { return nil }
        // A name no other writer uses (process id and a counter), created read-only: no fchmod needed after.
        let temporaryPath =
            stagingDirectory + "/" + hash.hex
            + ".\(getpid()).\(Self.stagingCounter.add(1, ordering: .relaxed).newValue)"
        let fd = Glibc.open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o444)
        guard fd >= 0 else { throw Posix.failure("create", temporaryPath) }
        defer { close(fd) }
        let direct = bypassingCache && Posix.isDirectIOAligned(bytes) && Posix.enableDirectIO(fd)
        do throws(StoreError) {
            if direct {
                try Posix.writeAllDirect(fd, bytes, path: temporaryPath)
            } else {
                try Posix.writeAll(fd, bytes, at: 0, path: temporaryPath)
            }
        } catch {
            unlink(temporaryPath)
            throw error
        }
        // Large parts start their writeback now; small ones wait for the batch's sync.
        if !direct && bytes.count >= Self.earlyWritebackSize { Posix.startWriteback(fd) }
        return StagedElement(hash: hash, size: Int64(bytes.count), temporaryPath: temporaryPath)
    }

    /// Makes staged elements durable, then gives each its name, then makes the names durable. After it
    /// returns, every element is in the store and survives a crash; if it throws, no staged element is named.
    public func commit(_ staged: [StagedElement]) throws(StoreError) {
        guard !staged.isEmpty else { return }
        let fd = try Posix.open(stagingDirectory, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        do throws(StoreError) {
            try Posix.syncFileSystem(fd, path: stagingDirectory)
        } catch {
            discard(staged)
            throw error
        }
        var madeFolders = Set<Substring>()
        for element in staged {
            let hex = element.hash.hex
            let folder = hex.prefix(2)
            if madeFolders.insert(folder).inserted { try Posix.makeDirectory(root + "/" + folder) }
            do {
                try Posix.rename(element.temporaryPath, path(of: element.hash))
            } catch {
                // A retried commit may find an element it already named.
                if !contains(element.hash) { throw error }
            }
        }
        try Posix.syncFileSystem(fd, path: root)
    }

    /// Removes staged files that will not be committed.
    public func discard(_ staged: [StagedElement]) {
        for element in staged { unlink(element.temporaryPath) }
    }

    /// Stages and commits one element held in memory (a metainfo, say), verifying nothing: `bytes` are hashed here.
    @discardableResult
    public func store(_ bytes: [UInt8]) throws -> SHA1Digest {
        let hash = SHA1Digest.of(bytes)
        let staged = try bytes.withUnsafeBytes { buffer in try stage(buffer, as: hash) }
        if let staged { try commit([staged]) }
        return hash
    }

    /// Stores bytes that arrived from outside (a peer, a BitTorrent client) under the name they claim, only
    /// after checking that they hash to it; otherwise nothing is written and `.corruptElement` is thrown.
    public func store(_ bytes: [UInt8], claimedHash: SHA1Digest) throws {
        guard SHA1Digest.of(bytes) == claimedHash else { throw StoreError.corruptElement(claimedHash) }
        try store(bytes)
    }
}
