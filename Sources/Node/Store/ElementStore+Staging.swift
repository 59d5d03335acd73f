import Foundation
import Glibc
import Synchronization
import ZenFS

/// An element written to a temporary file, not yet visible under its name.
public struct StagedElement: Sendable {
    public let hash: SHA1Digest
    /// The element's length (what reading it gives).
    public let size: Int64
    /// The bytes written to the disk: less than `size` when the element ends in zeros, which are left as a
    /// hole (see `ElementStore.keptLength`).
    public let storedBytes: Int64
    let temporaryPath: String
    /// Whether this is a link on an element already stored (which wrote nothing: `storedBytes` is 0 whatever
    /// the element takes).
    var isLink = false

    /// The bytes each newly written element takes on the disk, by hash, for the catalog to count (links on
    /// elements already stored say nothing about theirs and are left out).
    static func diskBytes(of staged: [StagedElement]) -> [SHA1Digest: Int64] {
        var bytes: [SHA1Digest: Int64] = [:]
        for element in staged where !element.isLink { bytes[element.hash] = element.storedBytes }
        return bytes
    }
}

extension ElementStore {
    /// Numbers staged files so concurrent writers in one process never pick the same name.
    static let stagingCounter = Atomic<Int>(0)
    /// This process's id, part of every staged file's name.
    static let processID = getpid()
    /// Staged elements at least this large start their writeback at once.
    static let earlyWritebackSize = 64 << 10

    /// Writes `bytes` to a temporary file. Returns nil when the element is already stored, or, in a process
    /// that `protectsInFlightElements`, a staged link on the stored element (so a collector keeps it until it
    /// is recorded). The caller has already checked that `bytes` hash to `hash`. Safe to call from many threads
    /// at once.
    ///
    /// With `bypassingCache`, page-aligned bytes go straight to the disk (`O_DIRECT`): an ingest of a large file
    /// then neither copies every byte into the page cache nor waits for the cache's writeback, and the batch's
    /// sync only commits the journal. Filesystems without `O_DIRECT` get ordinary writes.
    public func stage(_ bytes: UnsafeRawBufferPointer, as hash: SHA1Digest, bypassingCache: Bool = false)
        throws(StoreError) -> StagedElement?
    {
        if contains(hash) {
            guard protectsInFlightElements.load(ordering: .relaxed) else { return nil }
            if let link = try link(hash, size: bytes.count) { return link }
            // Collected meanwhile: written anew below.
        }
        // Staged in the element's own folder, so that naming it is a rename inside one directory (cross-folder
        // renames all take one lock of the filesystem's). The name starts with a dot, so it is never taken
        // for an element; the process id and a counter keep concurrent writers apart. Created read-only: no
        // fchmod needed after.
        let folder = root + "/" + hash.hex.prefix(2)
        let temporaryPath = stagingPath(for: hash)
        var direct = bypassingCache && Posix.isDirectIOAligned(bytes)
        var fd = Self.create(temporaryPath, direct: direct)
        if fd < 0 && errno == ENOENT {
            try Posix.makeDirectory(folder)
            fd = Self.create(temporaryPath, direct: direct)
        }
        if fd < 0 && direct && errno == EINVAL {
            // A filesystem without O_DIRECT refuses the open (and creates nothing): write through the cache.
            direct = false
            fd = Self.create(temporaryPath, direct: false)
        }
        guard fd >= 0 else { throw Posix.failure("create", temporaryPath) }
        defer { close(fd) }
        // Trailing zeros (padding, holes, a small file in a whole part) are not written: the file is extended
        // over them, which leaves a hole that reads as zeros and takes no space.
        let kept = Self.keptLength(bytes)
        let written = UnsafeRawBufferPointer(rebasing: bytes[0..<kept])
        do throws(StoreError) {
            if kept > 0 && direct {
                try Posix.writeAllDirect(fd, written, path: temporaryPath)
            } else if kept > 0 {
                try Posix.writeAll(fd, written, at: 0, path: temporaryPath)
            }
            if kept < bytes.count && ftruncate(fd, off_t(bytes.count)) != 0 {
                throw Posix.failure("resize", temporaryPath)
            }
        } catch {
            unlink(temporaryPath)
            throw error
        }
        // Large parts start their writeback now; small ones wait for the batch's sync.
        if !direct && kept >= Self.earlyWritebackSize { Posix.startWriteback(fd) }
        return StagedElement(
            hash: hash,
            size: Int64(bytes.count),
            storedBytes: Int64(kept),
            temporaryPath: temporaryPath
        )
    }

    /// A staged hard link on a stored element, so that a collector keeps it until it is recorded; nil when the
    /// element is gone.
    private func link(_ hash: SHA1Digest, size: Int) throws(StoreError) -> StagedElement? {
        let temporaryPath = stagingPath(for: hash)
        if Glibc.link(path(of: hash), temporaryPath) == 0 {
            return StagedElement(
                hash: hash,
                size: Int64(size),
                storedBytes: 0,
                temporaryPath: temporaryPath,
                isLink: true
            )
        }
        if errno == ENOENT { return nil }
        throw Posix.failure("link", temporaryPath)
    }

    /// A fresh staged name for `hash`, in its own folder.
    private func stagingPath(for hash: SHA1Digest) -> String {
        let hex = hash.hex
        return root + "/" + hex.prefix(2) + "/" + Self.stagedPrefix + hex.dropFirst(2)
            + ".\(Self.processID).\(Self.stagingCounter.add(1, ordering: .relaxed).newValue)"
    }

    /// How much of `bytes` is written to an element file: everything up to the last non-zero byte, rounded up to
    /// a whole block (so direct writes stay aligned); the rest, at least a block of zeros, becomes a hole.
    static func keptLength(_ bytes: UnsafeRawBufferPointer) -> Int {
        var end = bytes.count
        guard end > 0, bytes[end - 1] == 0 else { return end }
        // Whole blocks first, compared with a block of zeros by `memcmp` (a part of random bytes stops at once;
        // a padded small file scans its zeros at memory speed), then the bytes of the last block.
        let base = bytes.baseAddress!
        while end >= holeBlock && memcmp(base + end - holeBlock, zeroBlock, holeBlock) == 0 { end -= holeBlock }
        while end > 0 && bytes[end - 1] == 0 { end -= 1 }
        let rounded = (end + Self.holeBlock - 1) / Self.holeBlock * Self.holeBlock
        return rounded >= bytes.count ? bytes.count : rounded
    }

    /// The block size holes are counted in: a run of zeros shorter than this is written as it is.
    static let holeBlock = 4096

    /// A block of zeros to compare with.
    nonisolated(unsafe) private static let zeroBlock: UnsafeMutableRawPointer = {
        let block = UnsafeMutableRawPointer.allocate(byteCount: holeBlock, alignment: 64)
        block.initializeMemory(as: UInt8.self, repeating: 0, count: holeBlock)
        return block
    }()

    /// Makes staged elements durable, then gives each its name, then makes the names durable. After it
    /// returns, every element is in the store and survives a crash. If the first sync fails, nothing is named and
    /// the staged files are removed; if naming fails, the elements already named are complete and, until
    /// something refers to them, garbage that `gc` collects.
    public func commit(_ staged: [StagedElement]) throws(StoreError) {
        guard !staged.isEmpty else { return }
        let fd = try Posix.open(root, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        do throws(StoreError) {
            try Posix.syncFileSystem(fd, path: root)
        } catch {
            discard(staged)
            throw error
        }
        try name(staged)
        try Posix.syncFileSystem(fd, path: root)
    }

    /// Renames staged files to their elements' names, on every core for a large batch. The threads are our own:
    /// `DispatchQueue.concurrentPerform` called from a thread that later exits (a mount's) corrupts the heap in
    /// this libdispatch (a double free of its continuation cache, found with AddressSanitizer).
    private func name(_ staged: [StagedElement]) throws(StoreError) {
        if protectsInFlightElements.load(ordering: .relaxed) { return try nameKeepingLinks(staged) }
        let failure = FirstFailure()
        let batches = staged.count >= 256 ? ProcessInfo.processInfo.activeProcessorCount : 1
        let perBatch = (staged.count + batches - 1) / batches
        runOnThreads(batches) { [self] batch in
            for element in staged[min(staged.count, batch * perBatch)..<min(staged.count, (batch + 1) * perBatch)] {
                do throws(StoreError) {
                    try Posix.rename(element.temporaryPath, path(of: element.hash))
                } catch {
                    // A retried commit may find an element it already named.
                    if !contains(element.hash) { failure.record(error) }
                }
            }
        }
        if let error = failure.error { throw error }
    }

    /// Names staged files by linking them (an element already there stays), and turns each staged file into a
    /// held link, which a collector respects until `recorded` drops it (or its deadline passes).
    private func nameKeepingLinks(_ staged: [StagedElement]) throws(StoreError) {
        for element in staged {
            let name = path(of: element.hash)
            if Glibc.link(element.temporaryPath, name) != 0 && errno != EEXIST {
                // A retried commit: this staged file was named and held before.
                if errno == ENOENT && contains(element.hash) { continue }
                throw Posix.failure("link", name)
            }
            hold(element)
        }
    }

    /// What every staged file's name starts with.
    static let stagedPrefix = ".staged-"

    private static func create(_ path: String, direct: Bool) -> Int32 {
        Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | (direct ? O_DIRECT : 0), 0o444)
    }

    /// Staged files that no commit has named yet, in every folder (for checks, and for removing what a killed
    /// writer left).
    public func stagedFiles() -> [String] {
        var paths: [String] = []
        for prefix in Posix.directoryNames(root) where prefix.utf8.count == 2 {
            for name in Posix.directoryNames(root + "/" + prefix) where name.hasPrefix(Self.stagedPrefix) {
                paths.append(root + "/" + prefix + "/" + name)
            }
        }
        return paths
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

/// The first error several threads ran into.
private final class FirstFailure: Sendable {
    private let first = Mutex<StoreError?>(nil)

    func record(_ error: StoreError) { first.withLock { if $0 == nil { $0 = error } } }

    var error: StoreError? { first.withLock { $0 } }
}
