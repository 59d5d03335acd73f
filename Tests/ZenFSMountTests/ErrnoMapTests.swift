import Glibc
import Node
import Testing
import ZenFS
import ZenFSMount

struct ErrnoMapTests {
    /// Each ZenFS error the mount can meet maps to the errno a POSIX program expects.
    @Test(arguments: [
        (NamespaceError.notFound(path: "/x") as any Error, ENOENT),
        (NamespaceError.alreadyExists(path: "/x"), EEXIST),
        (NamespaceError.notADirectory(path: "/x"), ENOTDIR),
        (StoreError.diskFull(path: "/x"), ENOSPC),
        (StoreError.quotaExceeded(needed: 1, available: 0, quota: 0), EDQUOT),
        (StoreError.io(operation: "read", path: "/x", errno: EACCES), EACCES),
        (StoreError.corruptElement(SHA1Digest.of([1])), EIO),
    ])
    func mapsKnownErrors(_ error: any Error, _ expected: Int32) {
        #expect(ErrnoMap.errno(for: error) == expected)
    }

    /// Unknown errors become EIO and are logged, never swallowed.
    @Test func logsUnknownErrors() {
        struct Strange: Error {}
        var logged: [String] = []
        #expect(ErrnoMap.errno(for: Strange(), log: { logged.append($0) }) == EIO)
        #expect(logged.count == 1)
    }

    /// The mount links libfuse 3.14 or later (the low-level API it is built for).
    @Test func linksLibfuse3() {
        #expect(ErrnoMap.fuseVersion >= 314)
    }
}
