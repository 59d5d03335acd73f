import Foundation
import Node
import TestSupport
import Testing
import ZenFS

struct ElementStoreTests {
    /// An element is stored under `ab/cdef…` of its SHA1 and reads back identical.
    @Test func storesUnderItsHash() throws {
        let directory = TemporaryDirectory()
        let store = try ElementStore(directory: directory.path + "/elements")
        let bytes = Array("a part".utf8)
        let hash = try store.store(bytes)
        #expect(hash == SHA1Digest.of(bytes))
        #expect(
            store.path(of: hash) == directory.path + "/elements/" + hash.hex.prefix(2) + "/" + hash.hex.dropFirst(2)
        )
        #expect(try store.read(hash) == bytes)
    }

    /// On a filesystem with inode flags (ext4), the store's folder is marked as a top folder (`chattr +T`), so its
    /// shard folders are spread over the block groups; elsewhere the store works without the flag.
    @Test func storeFolderIsATopFolder() throws {
        let directory = TemporaryDirectory()
        let store = try ElementStore(directory: directory.path + "/elements")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/lsattr")
        process.arguments = ["-d", store.root]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        // lsattr fails on filesystems without inode flags (tmpfs): nothing to check there.
        guard process.terminationStatus == 0, let attributes = text.split(separator: " ").first else { return }
        #expect(attributes.contains("T"), "attributes of \(store.root): \(attributes)")
        _ = try store.store(Array("a part".utf8))
    }

    /// An element whose bytes no longer match its name is never returned: it is quarantined.
    @Test func quarantinesCorruptElements() throws {
        let directory = TemporaryDirectory()
        let store = try ElementStore(directory: directory.path + "/elements")
        let hash = try store.store(Array("original".utf8))
        chmod(store.path(of: hash), 0o644)
        #expect(FileManager.default.createFile(atPath: store.path(of: hash), contents: Data("tampered".utf8)))
        #expect(throws: StoreError.corruptElement(hash)) { try store.read(hash) }
        #expect(!store.contains(hash))
        #expect(FileManager.default.fileExists(atPath: directory.path + "/elements/.quarantine/" + hash.hex))
        #expect(throws: StoreError.missingElement(hash)) { try store.read(hash) }
    }

    /// A staged element is invisible until committed, and discarding it leaves nothing behind.
    @Test func stagedElementsAreInvisibleUntilCommitted() throws {
        let directory = TemporaryDirectory()
        let store = try ElementStore(directory: directory.path + "/elements")
        let bytes = Array("staged".utf8)
        let hash = SHA1Digest.of(bytes)
        let staged = try #require(try bytes.withUnsafeBytes { try store.stage($0, as: hash) })
        #expect(!store.contains(hash))
        store.discard([staged])
        #expect(store.stagedFiles().isEmpty)
        let again = try #require(try bytes.withUnsafeBytes { try store.stage($0, as: hash) })
        try store.commit([again])
        #expect(store.contains(hash))
        #expect(store.allElements() == [hash])
    }

    /// Bytes from outside are stored only when they hash to the name they claim.
    @Test func refusesBytesThatDoNotMatchTheirClaimedName() throws {
        let directory = TemporaryDirectory()
        let store = try ElementStore(directory: directory.path + "/elements")
        let claimed = SHA1Digest.of(Array("what was asked for".utf8))
        #expect(throws: StoreError.corruptElement(claimed)) {
            try store.store(Array("something else".utf8), claimedHash: claimed)
        }
        #expect(store.allElements().isEmpty)
        try store.store(Array("what was asked for".utf8), claimedHash: claimed)
        #expect(store.contains(claimed))
    }
}
