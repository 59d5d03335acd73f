import Foundation
import Glibc
import TestSupport
import Testing
import ZenFS

@testable import Node

/// Collecting elements beside a writer that may be using them (a mount): what a running process links or the
/// catalog records is kept, the rest is deleted.
struct ElementCollectionTests {
    /// A store whose process protects its in-flight elements, as a mount's does.
    static func protectedStore(_ directory: TemporaryDirectory) throws -> ElementStore {
        let store = try ElementStore(directory: directory.path + "/elements")
        store.protectsInFlightElements.store(true, ordering: .relaxed)
        return store
    }

    /// An element the writer found already stored (and holds a link on) survives a collection, and goes at the
    /// next one once the link is discarded; an element the catalog knows when asked survives too.
    @Test func linkedAndRecordedElementsAreKept() throws {
        let directory = TemporaryDirectory()
        // Stored before the writer protects anything (its own commits would stay linked for a minute).
        let store = try ElementStore(directory: directory.path + "/elements")
        let linked = try store.store(Array("linked part".utf8))
        let recorded = try store.store(Array("recorded part".utf8))
        let unused = try store.store(Array("unused part".utf8))
        store.protectsInFlightElements.store(true, ordering: .relaxed)
        let bytes = Array("linked part".utf8)
        let pin = try #require(try bytes.withUnsafeBytes { try store.stage($0, as: linked) })
        #expect(pin.storedBytes == 0)

        // The catalog is asked about what no link holds, before and after the move (only what was moved).
        var asked: [Set<SHA1Digest>] = []
        let first = try store.collect([linked, recorded, unused]) { hashes in
            asked.append(Set(hashes))
            return Set(hashes).intersection([recorded])
        }
        #expect(asked == [[recorded, unused], [unused]])
        #expect(first.removed == 1)
        #expect(store.contains(linked) && store.contains(recorded) && !store.contains(unused))
        #expect(try store.read(linked) == bytes)

        store.discard([pin])
        let second = try store.collect([linked]) { _ in [] }
        #expect(second.removed == 1)
        #expect(!store.contains(linked))
    }

    /// Committing in protected mode names the element and holds a link on it, so a collector keeps it until
    /// `recorded` drops the link (the catalog has it then); a retried commit of the same staged element works.
    @Test func committedElementsAreHeldUntilRecorded() throws {
        let directory = TemporaryDirectory()
        let store = try Self.protectedStore(directory)
        let bytes = Array("a new part".utf8)
        let hash = SHA1Digest.of(bytes)
        let staged = try #require(try bytes.withUnsafeBytes { try store.stage($0, as: hash) })
        try store.commit([staged])
        try store.commit([staged])
        #expect(store.contains(hash))
        #expect(store.stagedFiles().isEmpty)
        #expect(store.heldLinks().count == 1)
        #expect(try store.collect([hash]) { _ in [] }.removed == 0)
        #expect(try store.read(hash) == bytes)
        store.recorded([staged])
        #expect(store.heldLinks().isEmpty)
        #expect(try store.collect([hash]) { _ in [] }.removed == 1)
    }

    /// Staged files of processes that no longer run are removed; those of running ones are kept.
    @Test func onlyAbandonedStagedFilesAreRemoved() throws {
        let directory = TemporaryDirectory()
        let store = try ElementStore(directory: directory.path + "/elements")
        let bytes = Array("staged part".utf8)
        let hash = SHA1Digest.of(bytes)
        let live = try #require(try bytes.withUnsafeBytes { try store.stage($0, as: hash) })
        // A process that has exited: its pid no longer runs.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let folder = (live.temporaryPath as NSString).deletingLastPathComponent
        let abandoned =
            folder + "/" + ElementStore.stagedPrefix + hash.hex.dropFirst(2) + ".\(gone.processIdentifier).1"
        #expect(FileManager.default.createFile(atPath: abandoned, contents: Data(bytes)))
        store.removeAbandonedStagingFiles()
        #expect(FileManager.default.fileExists(atPath: live.temporaryPath))
        #expect(!FileManager.default.fileExists(atPath: abandoned))
    }

    /// An element a killed collector had moved aside is put back by the next collection.
    @Test func anInterruptedCollectionIsUndone() throws {
        let directory = TemporaryDirectory()
        let store = try ElementStore(directory: directory.path + "/elements")
        let hash = try store.store(Array("moved aside".utf8))
        let path = store.path(of: hash)
        let aside =
            (path as NSString).deletingLastPathComponent + "/" + ElementStore.collectingPrefix + hash.hex.dropFirst(2)
        #expect(rename(path, aside) == 0)
        #expect(!store.contains(hash))
        _ = try store.collect([]) { _ in [] }
        #expect(store.contains(hash))
        #expect(!FileManager.default.fileExists(atPath: aside))
        #expect(store.allElements() == [hash])
    }
}
