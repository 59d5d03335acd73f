import Foundation
import Glibc
import Node
import TestSupport
import Testing

struct DiskFullTests {
    /// On a disk too small for the content (a 48 MiB tmpfs, a 50 MiB file), adding fails with a disk-full error that says what to do, and
    /// leaves no element, staged file or index row; the store keeps working for content that fits.
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func fullDiskLeavesNothingBehind() throws {
        let directory = TemporaryDirectory()
        let mountPoint = directory.path + "/small"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        #expect(
            mount("tmpfs", mountPoint, "tmpfs", 0, "size=48m") == 0,
            "mount tmpfs: \(String(cString: strerror(errno)))"
        )
        defer { umount2(mountPoint, Int32(MNT_DETACH)) }
        let service = FileSystemService(data: try DataDirectory(path: mountPoint + "/data"))
        let big = directory.randomFile("src/big.bin", count: 50 << 20)
        #expect {
            try service.add(big)
        } throws: { error in
            guard case StoreError.diskFull = error else { return false }
            return "\(error)".contains("disk") && "\(error)".contains("nothing was stored")
        }
        #expect(service.data.store.allElements().isEmpty)
        #expect(service.data.store.stagedFiles().isEmpty)
        #expect(try service.data.catalog.allMetainfos().isEmpty)
        let small = try service.add(directory.randomFile("src/small.bin", count: 1 << 20))
        _ = try service.get(small.infoHash.hex, to: directory.path + "/out")
    }
}
