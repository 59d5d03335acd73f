import Foundation
import Glibc
import Node
import TestSupport
import Testing

/// Writes through the mount stay within the data directory's quota.
struct MountQuotaTests {
    /// With a quota of 3 MiB, writing 1 MiB at a time succeeds three times and is then refused with
    /// `quotaExceeded` (the mount answers `EDQUOT`), leaving the file as the accepted writes made it; raising the
    /// quota on the live mount lets writing go on.
    @Test func writesPastTheQuotaAreRefused() throws {
        let directory = TemporaryDirectory()
        let fileSystem = try MountedFileSystem.fresh(in: directory, quota: 3 << 20)
        let data = fileSystem.data
        defer { try? fileSystem.shutdown() }
        let handle = try fileSystem.createInRoot("big")
        // Different bytes in every part, so no part is shared and the store really grows by what is written.
        func chunk(_ index: Int) -> [UInt8] {
            var state = UInt64(index + 1)
            return (0..<(1 << 20)).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return UInt8(truncatingIfNeeded: state >> 33)
            }
        }
        var accepted = 0
        var refusal: (any Error)?
        for index in 0..<6 {
            do {
                _ = try chunk(index).withUnsafeBytes {
                    try fileSystem.write(handle, at: Int64(index << 20), bytes: $0)
                }
                accepted += 1
            } catch {
                refusal = error
                break
            }
        }
        #expect(accepted == 3)
        guard case StoreError.quotaExceeded = try #require(refusal) else {
            Issue.record("expected quotaExceeded, got \(String(describing: refusal))")
            return
        }
        try fileSystem.fsync(handle)
        let size = try fileSystem.lookup("big", in: NamespaceEntry.rootID).size
        #expect(size == 3 << 20)
        let stored = try data.catalog.storedBytes()
        #expect(stored >= 3 << 20 && stored <= 3 << 20 + 4096)
        #expect(throws: StoreError.self) {
            try chunk(3).withUnsafeBytes { try fileSystem.write(handle, at: 3 << 20, bytes: $0) }
        }

        try data.setQuota(8 << 20)
        _ = try chunk(3).withUnsafeBytes { try fileSystem.write(handle, at: 3 << 20, bytes: $0) }
        try fileSystem.release(handle)
    }

    /// Bytes written through the mount and not yet recorded count against the quota for an add running meanwhile.
    @Test func unrecordedWritesHoldBackAnAdd() throws {
        let directory = TemporaryDirectory()
        let fileSystem = try MountedFileSystem.fresh(in: directory, quota: 4 << 20)
        defer { try? fileSystem.shutdown() }
        let handle = try fileSystem.createInRoot("open")
        let chunk = [UInt8](repeating: 1, count: 3 << 20)
        _ = try chunk.withUnsafeBytes { try fileSystem.write(handle, at: 0, bytes: $0) }
        let service = FileSystemService(data: try DataDirectory(path: directory.path + "/data"))
        let source = directory.randomFile("src/two.bin", count: 2 << 20)
        #expect {
            try service.add(source)
        } throws: { error in
            if case StoreError.quotaExceeded = error { true } else { false }
        }
        try fileSystem.release(handle)
    }
}

/// A quota set or removed while the mount runs applies to it without a remount.
struct LiveMountQuotaTests {
    /// A mount started without a quota refuses writes once one is set (within the re-read interval, even with
    /// no group commit in between), and accepts them again once it is removed.
    @Test func aQuotaSetAndRemovedOnALiveMountApplies() throws {
        let directory = TemporaryDirectory()
        let fileSystem = try MountedFileSystem.fresh(in: directory)
        let data = fileSystem.data
        defer { try? fileSystem.shutdown() }
        let handle = try fileSystem.createInRoot("growing")
        let chunk = [UInt8](repeating: 7, count: 1 << 20)
        _ = try chunk.withUnsafeBytes { try fileSystem.write(handle, at: 0, bytes: $0) }

        try data.setQuota(1 << 20)
        Thread.sleep(forTimeInterval: 1.2)
        #expect {
            try chunk.withUnsafeBytes { try fileSystem.write(handle, at: 1 << 20, bytes: $0) }
        } throws: { error in
            if case StoreError.quotaExceeded = error { true } else { false }
        }

        try data.setQuota(nil)
        try fileSystem.fsync(handle)
        _ = try chunk.withUnsafeBytes { try fileSystem.write(handle, at: 1 << 20, bytes: $0) }
        _ = try chunk.withUnsafeBytes { try fileSystem.write(handle, at: 2 << 20, bytes: $0) }
        try fileSystem.release(handle)
        #expect(try fileSystem.lookup("growing", in: NamespaceEntry.rootID).size == 3 << 20)
    }
}
