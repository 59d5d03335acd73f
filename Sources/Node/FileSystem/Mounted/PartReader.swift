import Glibc
import ZenFS

/// Reads byte ranges of parts by hash, whether already committed to the element store or still staged by a
/// write that has not been committed yet.
final class PartReader: Sendable {
    let store: ElementStore
    private let staged = Locked<[SHA1Digest: String]>([:])
    /// Open descriptors of committed elements, so streaming a file does not reopen each part per read.
    private let descriptors = Locked<DescriptorTable>(DescriptorTable())

    /// Cached descriptors with how many reads use each and when each was last used.
    struct DescriptorTable {
        var open: [SHA1Digest: (fd: Int32, users: Int, lastUse: UInt64)] = [:]
        var tick: UInt64 = 0
    }
    static let maximumOpenDescriptors = 128

    /// Where parts that are not local come from (the running node); nil reads local parts only.
    let remote: (any RemoteElementSource)?

    init(store: ElementStore, remote: (any RemoteElementSource)?) {
        self.store = store
        self.remote = remote
    }

    /// Makes staged elements readable before they are committed.
    func register(_ elements: [StagedElement]) {
        staged.withLock { for element in elements { $0[element.hash] = element.temporaryPath } }
    }

    /// Forgets staged elements once committed (or discarded).
    func unregister(_ elements: [StagedElement]) {
        staged.withLock { for element in elements { $0[element.hash] = nil } }
    }

    /// Reads `buffer.count` bytes of part `hash` starting at `offset` within it; a part that is not local is
    /// fetched through the remote source, asking the holders of `content` first.
    func read(
        _ hash: SHA1Digest,
        content: SHA1Digest? = nil,
        at offset: Int,
        into buffer: UnsafeMutableRawBufferPointer
    ) throws {
        if let fd = acquire(hash) {
            defer { release(hash) }
            try Posix.readExactly(fd, into: buffer, at: Int64(offset), path: store.path(of: hash))
            return
        }
        for path in candidatePaths(hash) {
            let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { continue }
            defer { close(fd) }
            try Posix.readExactly(fd, into: buffer, at: Int64(offset), path: path)
            return
        }
        if let remote, try remote.fetch(.part, hash, content: content), let fd = acquire(hash) {
            defer { release(hash) }
            try Posix.readExactly(fd, into: buffer, at: Int64(offset), path: store.path(of: hash))
            return
        }
        throw StoreError.missingElement(hash)
    }

    /// Asks the kernel to start reading committed parts into the page cache now, so a sequential reader finds
    /// them there (element files are separate, so the kernel's own readahead stops at each part's end).
    /// Parts that are not local are fetched in the background through the remote source.
    func prefetch(_ hashes: ArraySlice<SHA1Digest>, content: SHA1Digest? = nil) {
        var missing: [SHA1Digest] = []
        for hash in hashes {
            guard let fd = acquire(hash) else {
                if staged.withLock({ $0[hash] }) == nil { missing.append(hash) }
                continue
            }
            posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED)
            release(hash)
        }
        if let remote, !missing.isEmpty { remote.prefetch(missing, content: content) }
    }

    /// A cached descriptor of a committed element, opened now if needed and counted as in use until
    /// `release`; nil when the element is not committed yet.
    func acquire(_ hash: SHA1Digest) -> Int32? {
        if let fd = descriptors.withLock({ table -> Int32? in
            guard let entry = table.open[hash] else { return nil }
            table.open[hash] = (entry.fd, entry.users + 1, table.tick)
            table.tick += 1
            return entry.fd
        }) {
            return fd
        }
        let fd = Glibc.open(store.path(of: hash), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var evicted: [Int32] = []
        let chosen = descriptors.withLock { table -> Int32 in
            if let entry = table.open[hash] {
                evicted.append(fd)
                table.open[hash] = (entry.fd, entry.users + 1, table.tick)
                table.tick += 1
                return entry.fd
            }
            if table.open.count >= Self.maximumOpenDescriptors {
                let idle = table.open.filter { $0.value.users == 0 }.sorted { $0.value.lastUse < $1.value.lastUse }
                for (key, entry) in idle.prefix(table.open.count - Self.maximumOpenDescriptors / 2) {
                    table.open[key] = nil
                    evicted.append(entry.fd)
                }
            }
            table.open[hash] = (fd, 1, table.tick)
            table.tick += 1
            return fd
        }
        for fd in evicted { close(fd) }
        return chosen
    }

    /// Ends one use of a descriptor `acquire` gave.
    func release(_ hash: SHA1Digest) {
        descriptors.withLock { table in
            if let entry = table.open[hash] { table.open[hash] = (entry.fd, entry.users - 1, entry.lastUse) }
        }
    }

    /// Where the part may be: the store, then staging, then the store again (a commit may rename it between).
    private func candidatePaths(_ hash: SHA1Digest) -> [String] {
        let element = store.path(of: hash)
        guard let temporary = staged.withLock({ $0[hash] }) else { return [element] }
        return [element, temporary, element]
    }
}
