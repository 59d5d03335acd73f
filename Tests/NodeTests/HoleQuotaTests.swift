import Foundation
import Glibc
import TestSupport
import Testing
import ZenFS

@testable import Node

/// The quota counts what elements take on the disk: a part whose zero tail is a hole counts its data blocks, not
/// its whole length.
struct HoleQuotaTests {
    /// 200 files of 1–100 bytes, each in a 256 KiB part of its own (BEP 47 padding), are stored in about a block
    /// each (50 MiB of parts at full length): the catalog counts about 800 KiB, and a 2 MiB quota admits them.
    @Test func paddedSmallFilesCountTheirBlocks() throws {
        let directory = TemporaryDirectory()
        let service = try directory.service()
        try service.data.setQuota(2 << 20)
        var generator = SystemRandomNumberGenerator()
        let folder = directory.path + "/small"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for index in 0..<200 {
            let bytes = (0..<Int.random(in: 1...100, using: &generator)).map { _ in
                UInt8.random(in: 1...255, using: &generator)
            }
            #expect(FileManager.default.createFile(atPath: folder + "/f\(index)", contents: Data(bytes)))
        }
        let added = try service.add(folder)
        #expect(added.pieceCount == 200)
        let metainfoLength = Int64(try #require(try service.data.catalog.metainfo(added.infoHash)).pieceCount) * 20
        let stored = try service.data.catalog.storedBytes()
        #expect(stored <= 200 * 4096 + metainfoLength + 64 << 10, "the catalog counts \(stored) bytes")
        #expect(stored >= 200 * 4096)
    }

    /// A file made 64 MiB through the mount with 100 bytes written at its start counts one block and its
    /// metainfo, not two whole parts (the written one and the shared part of zeros).
    @Test func sparseMountFileCountsItsBlocks() throws {
        let directory = TemporaryDirectory()
        let fileSystem = try MountedFileSystem.fresh(in: directory)
        defer { try? fileSystem.shutdown() }
        let handle = try fileSystem.createInRoot("sparse")
        let inode = try fileSystem.lookup("sparse", in: NamespaceEntry.rootID).inode
        _ = try fileSystem.setattr(Int64(inode), AttributeChanges(size: 64 << 20))
        let bytes = [UInt8](repeating: 7, count: 100)
        _ = try bytes.withUnsafeBytes { try fileSystem.write(handle, at: 0, bytes: $0) }
        try fileSystem.fsync(handle)
        try fileSystem.release(handle)
        let stored = try fileSystem.data.catalog.storedBytes()
        // 256 parts: a metainfo of about 5 KiB.
        #expect(stored >= 4096 && stored <= 4096 + 16 << 10, "the catalog counts \(stored) bytes")
        #expect(try fileSystem.data.catalog.integrityProblems() == [])
    }
}
