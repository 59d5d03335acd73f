import Foundation
import Glibc
import Node
import Testing

/// The data directory's quota through a real mount.
struct QuotaTests {
    /// Writing past the quota fails with `EDQUOT` ("Disk quota exceeded"); what was accepted before stays readable.
    @Test func writesPastTheQuotaFailWithEDQUOT() throws {
        let mount = try TestMount()
        try DataDirectory(path: mount.dataPath, syncEveryTransaction: false).setQuota(2 << 20)
        try mount.remount()
        let fd = open(mount.path("big.bin"), O_WRONLY | O_CREAT, 0o644)
        #expect(fd >= 0)
        var state: UInt64 = 3
        let block = (0..<(256 << 10)).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        var written = 0
        var failure: Int32 = 0
        for index in 0..<16 {
            var bytes = block
            bytes[0] = UInt8(index)  // every part different
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                failure = errno
                break
            }
            written += count
        }
        close(fd)
        #expect(failure == EDQUOT)
        #expect(written == 2 << 20)
        #expect(statOf(mount.path("big.bin"))?.st_size == off_t(written))
        #expect(readFile(mount.path("big.bin"))?.count == written)
    }
}
