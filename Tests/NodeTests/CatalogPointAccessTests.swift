import Foundation
import Node
import TestSupport
import Testing
import ZenFS

/// The catalog's direct SQLite paths (point reads, entry creation) against its GRDB paths, other connections and
/// concurrent writers.
struct CatalogPointAccessTests {
    private func catalog(_ directory: TemporaryDirectory) throws -> Catalog {
        try Catalog(path: directory.path + "/catalog.sqlite", syncEveryTransaction: false)
    }

    /// What `create` returns is what both read paths give back, and the parent's links and times follow.
    @Test func createdEntriesReadBackThroughBothPaths() throws {
        let directory = TemporaryDirectory()
        let catalog = try catalog(directory)
        let root = NamespaceEntry.rootID
        let rootBefore = try #require(try catalog.inode(root))
        let folder = try catalog.create("folder", in: root, kind: .directory, mode: 0o40755, uid: 7, gid: 8)
        let file = try catalog.create("file.txt", in: folder.id, kind: .file, mode: 0o100640, uid: 7, gid: 8)
        let link = try catalog.create(
            "link",
            in: folder.id,
            kind: .symbolicLink,
            mode: 0o777,
            uid: 7,
            gid: 8,
            linkTarget: "file.txt"
        )
        #expect(folder.linkCount == 2 && folder.mode == 0o755 && folder.uid == 7 && folder.gid == 8)
        #expect(file.kind == .file && file.mode == 0o640 && file.size == 0 && file.linkCount == 1)
        #expect(link.linkTarget == "file.txt" && link.size == 8)

        let listed = try catalog.children(of: folder.id)
        #expect(listed.map(\.name) == ["file.txt", "link"])
        #expect(listed == [file, link])
        #expect(try catalog.lookupOrCheckParent("file.txt", in: folder.id) == file)
        #expect(try catalog.lookup("link", in: folder.id) == link)
        let byNumber = try #require(try catalog.inode(file.id))
        #expect(byNumber.id == file.id && byNumber.parent == nil && byNumber.name == "")
        #expect(byNumber.mode == file.mode && byNumber.modified == file.modified && byNumber.kind == .file)

        let rootAfter = try #require(try catalog.inode(root))
        #expect(rootAfter.linkCount == rootBefore.linkCount + 1)
        #expect(rootAfter.modified >= rootBefore.modified)
        #expect(try catalog.inode(folder.id)?.modified == link.modified)
    }

    /// Bad parents and taken names get the errors POSIX programs expect, and nothing is created.
    @Test func creationAndLookupErrors() throws {
        let directory = TemporaryDirectory()
        let catalog = try catalog(directory)
        let root = NamespaceEntry.rootID
        let file = try catalog.create("file", in: root, kind: .file, mode: 0o644, uid: 0, gid: 0)
        #expect(throws: PosixError.exists) {
            try catalog.create("file", in: root, kind: .directory, mode: 0o755, uid: 0, gid: 0)
        }
        #expect(throws: PosixError.notADirectory) {
            try catalog.create("inside", in: file.id, kind: .file, mode: 0o644, uid: 0, gid: 0)
        }
        #expect(throws: PosixError.notFound) {
            try catalog.create("orphan", in: 9_999, kind: .file, mode: 0o644, uid: 0, gid: 0)
        }
        #expect(throws: PosixError.notADirectory) { try catalog.lookupOrCheckParent("inside", in: file.id) }
        #expect(throws: PosixError.notFound) { try catalog.lookupOrCheckParent("orphan", in: 9_999) }
        #expect(try catalog.lookupOrCheckParent("absent", in: root) == nil)
        #expect(try catalog.lookup("orphan", in: 9_999) == nil)
        #expect(try catalog.inode(9_999) == nil)
        #expect(try catalog.children(of: root).map(\.name) == ["file"])
        #expect(try catalog.inodeCount() == 2)
    }

    /// Inode numbers are never given twice, even when the highest one was deleted, by either creation path.
    @Test func inodeNumbersAreNeverReused() throws {
        let directory = TemporaryDirectory()
        let service = try directory.service()
        let catalog = service.data.catalog
        let root = NamespaceEntry.rootID
        let first = try catalog.create("first", in: root, kind: .file, mode: 0o644, uid: 0, gid: 0)
        let highest = try catalog.create("highest", in: root, kind: .file, mode: 0o644, uid: 0, gid: 0)
        _ = try catalog.remove("highest", in: root, directory: false)
        try catalog.deleteIfUnlinked(highest.id)
        #expect(try catalog.inode(highest.id) == nil)
        let next = try catalog.create("next", in: root, kind: .file, mode: 0o644, uid: 0, gid: 0)
        #expect(next.id > highest.id && highest.id > first.id)
        _ = try catalog.removeEntry(atPath: "/next")
        #expect(try catalog.inode(next.id) == nil)
        directory.randomFile("source/added.bin", count: 1000)
        _ = try service.add(directory.path + "/source")
        let added = try #require(try catalog.entry(atPath: "/source"))
        #expect(added.id > next.id)
    }

    /// A second catalog on the same file (as another process would open it) sees each change at once, whichever
    /// path wrote it.
    @Test func seesChangesOfOtherConnectionsAtOnce() throws {
        let directory = TemporaryDirectory()
        let first = try catalog(directory)
        let second = try catalog(directory)
        let root = NamespaceEntry.rootID
        #expect(try second.lookup("shared", in: root) == nil)
        let created = try first.create("shared", in: root, kind: .file, mode: 0o644, uid: 0, gid: 0)
        #expect(try second.lookup("shared", in: root)?.id == created.id)
        var changes = AttributeChanges()
        changes.mode = 0o600
        _ = try second.setAttributes(created.id, changes)
        #expect(try first.inode(created.id)?.mode == 0o600)
        _ = try second.remove("shared", in: root, directory: false)
        #expect(try first.lookup("shared", in: root) == nil)
    }

    /// Creations on many threads, interleaved with GRDB writes from this catalog and from another connection,
    /// all land: none is lost or refused as busy.
    @Test func concurrentCreationsAndWritesAllLand() throws {
        let directory = TemporaryDirectory()
        let catalog = try catalog(directory)
        let other = try self.catalog(directory)
        let root = NamespaceEntry.rootID
        let folder = try catalog.create("folder", in: root, kind: .directory, mode: 0o755, uid: 0, gid: 0)
        let threads = 4
        let perThread = 150
        let failures = FailureLog()
        let group = DispatchGroup()
        for thread in 0..<threads {
            DispatchQueue.global().async(group: group) {
                for index in 0..<perThread {
                    do {
                        _ = try catalog.create(
                            "t\(thread)-\(index)",
                            in: folder.id,
                            kind: .file,
                            mode: 0o644,
                            uid: 0,
                            gid: 0
                        )
                        if index % 10 == 0 {
                            var changes = AttributeChanges()
                            changes.mode = 0o700
                            _ = try catalog.setAttributes(folder.id, changes)
                            _ = try other.create(
                                "o\(thread)-\(index)",
                                in: root,
                                kind: .file,
                                mode: 0o644,
                                uid: 0,
                                gid: 0
                            )
                        }
                    } catch {
                        failures.record("\(error)")
                    }
                }
            }
        }
        group.wait()
        #expect(failures.entries.isEmpty)
        #expect(try catalog.children(of: folder.id).count == threads * perThread)
        #expect(try other.children(of: root).count == 1 + threads * perThread / 10)
    }
}

/// Errors collected from several threads.
private final class FailureLog: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String] = []

    func record(_ entry: String) { lock.withLock { recorded.append(entry) } }
    var entries: [String] { lock.withLock { recorded } }
}
