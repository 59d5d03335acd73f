import Foundation
import Glibc
import TestSupport
import Testing

@testable import Node

/// Numbers of the virtual `/.zen` tree live as long as the kernel or an open listing holds them.
struct VirtualTreeNumberTests {
    /// Every version of a file's `.torrent` gets a number of its own; once the kernel forgets them and no listing
    /// shows them, the numbers are released, and a number a listing still shows stays valid after a forget.
    @Test func numbersAreReleasedWhenNothingHoldsThem() throws {
        let directory = TemporaryDirectory()
        let fileSystem = try MountedFileSystem.fresh(in: directory)
        defer { try? fileSystem.shutdown() }
        let handle = try fileSystem.createInRoot("a")
        let zen = Int64(try fileSystem.lookup(".zen", in: NamespaceEntry.rootID).inode)
        let torrents = Int64(try fileSystem.lookup("torrents", in: zen).inode)
        var versions: [Int64] = []
        for version in 0..<20 {
            let bytes = Array("version \(version)".utf8)
            _ = try bytes.withUnsafeBytes { try fileSystem.write(handle, at: 0, bytes: $0) }
            try fileSystem.fsync(handle)
            versions.append(Int64(try fileSystem.lookup("a.torrent", in: torrents).inode))
        }
        #expect(Set(versions).count == 20)
        #expect(fileSystem.virtualTree.count == 22)

        // A listing holds what it shows: the latest version stays valid after the kernel forgets it.
        let listing = try fileSystem.openDirectory(torrents)
        let listed = try fileSystem.readDirectory(listing, of: torrents, from: 0)
        #expect(listed.contains { $0.name == "a.torrent" && Int64(bitPattern: $0.inode) == versions.last })
        for version in versions { fileSystem.forget(version, count: 1) }
        #expect(fileSystem.virtualTree.count == 3)
        #expect(try fileSystem.getattr(versions.last!).size > 0)
        fileSystem.releaseDirectory(listing)
        #expect(fileSystem.virtualTree.count == 2)
        #expect(throws: PosixError.notFound) { try fileSystem.getattr(versions.last!) }

        fileSystem.forget(torrents, count: 1)
        fileSystem.forget(zen, count: 1)
        #expect(fileSystem.virtualTree.count == 0)
        // A new lookup gets a new number, never an old one.
        let again = Int64(try fileSystem.lookup(".zen", in: NamespaceEntry.rootID).inode)
        #expect(again != zen)
        try fileSystem.release(handle)
    }
}
