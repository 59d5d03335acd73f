import Glibc
import Synchronization
import ZenFS

/// Reads byte ranges of parts by hash, whether already committed to the element store or still staged by a
/// write that has not been committed yet.
final class PartReader: Sendable {
    let store: ElementStore
    private let staged = Mutex<[SHA1Digest: String]>([:])

    init(store: ElementStore) {
        self.store = store
    }

    /// Makes staged elements readable before they are committed.
    func register(_ elements: [StagedElement]) {
        staged.withLock { for element in elements { $0[element.hash] = element.temporaryPath } }
    }

    /// Forgets staged elements once committed (or discarded).
    func unregister(_ elements: [StagedElement]) {
        staged.withLock { for element in elements { $0[element.hash] = nil } }
    }

    /// Reads `buffer.count` bytes of part `hash` starting at `offset` within it.
    func read(_ hash: SHA1Digest, at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws {
        for path in candidatePaths(hash) {
            let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { continue }
            defer { close(fd) }
            try Posix.readExactly(fd, into: buffer, at: Int64(offset), path: path)
            return
        }
        throw StoreError.missingElement(hash)
    }

    /// Where the part may be: the store, then staging, then the store again (a commit may rename it between).
    private func candidatePaths(_ hash: SHA1Digest) -> [String] {
        let element = store.path(of: hash)
        guard let temporary = staged.withLock({ $0[hash] }) else { return [element] }
        return [element, temporary, element]
    }
}
