import Foundation
import Glibc
import TestSupport
import Testing

/// ZenFS on small and full disks (tmpfs mounts made here): small adds fit, refusals say what is free and
/// needed, and a disk another program filled can still be read and cleaned up with `rm` and `gc`.
@Suite(.serialized, .enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
struct SmallDiskTests {
    /// A tmpfs of `megabytes` at `path`, unmounted when the returned value goes away.
    final class SmallDisk {
        let path: String
        init(_ path: String, megabytes: Int) throws {
            self.path = path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            guard mount("tmpfs", path, "tmpfs", 0, "size=\(megabytes)m") == 0 else {
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
        }

        /// Writes zeros into `filler` until the disk is full (as another program would).
        func fill() throws {
            _ = try CommandRunner.run("dd", ["if=/dev/zero", "of=\(path)/filler", "bs=64k"])
        }

        var free: Int64 {
            var info = statvfs()
            statvfs(path, &info)
            return Int64(info.f_bavail) * Int64(info.f_frsize)
        }

        deinit { umount2(path, Int32(MNT_DETACH)) }
    }

    /// On an empty 20 MiB disk a 4 KiB file is added (a fixed 32 MiB reserve refused it); a 30 MiB file is
    /// refused with "disk full", the bytes free and the bytes needed.
    @Test func aSmallDiskTakesWhatFits() throws {
        let directory = TemporaryDirectory()
        let disk = try SmallDisk(directory.path + "/disk", megabytes: 20)
        let zenfs = CommandRunner(dataDirectory: disk.path + "/data")
        let small = try zenfs.zenfs(["add", directory.randomFile("small.bin", count: 4096)])
        #expect(small.status == 0, "\(small.error)")
        let big = try zenfs.zenfs(["add", directory.randomFile("big.bin", count: 30 << 20)])
        #expect(big.status != 0)
        #expect(big.error.contains("disk full: the disk holding \(disk.path)/data has "), "\(big.error)")
        #expect(big.error.contains("MiB free and this needs up to 31.0 MiB"), "\(big.error)")
    }

    /// A disk filled by another program after content was added: `ls`, `show` and `verify` work, `rm` and `gc`
    /// free the content's space, and then an add fits again; an add on the full disk says "disk full".
    @Test func aFullDiskCanBeReadAndCleanedUp() throws {
        let directory = TemporaryDirectory()
        let disk = try SmallDisk(directory.path + "/disk", megabytes: 20)
        let zenfs = CommandRunner(dataDirectory: disk.path + "/data")
        #expect(try zenfs.zenfs(["add", directory.randomFile("small.bin", count: 4096)]).status == 0)
        #expect(try zenfs.zenfs(["add", directory.randomFile("big.bin", count: 12 << 20, seed: 2)]).status == 0)
        try disk.fill()
        #expect(disk.free == 0)

        let refused = try zenfs.zenfs(["add", directory.randomFile("more.bin", count: 4096, seed: 3)])
        #expect(refused.status != 0)
        #expect(refused.error.contains("disk full"), "\(refused.error)")
        let listed = try zenfs.zenfs(["ls", "/"])
        #expect(listed.status == 0, "\(listed.error)")
        #expect(listed.text.contains("/big.bin") && listed.text.contains("/small.bin"))
        let shown = try zenfs.zenfs(["show", "/big.bin"])
        #expect(shown.status == 0, "\(shown.error)")
        let verified = try zenfs.zenfs(["verify"])
        #expect(verified.status == 0, "\(verified.text) \(verified.error)")
        let removed = try zenfs.zenfs(["rm", "/big.bin"])
        #expect(removed.status == 0, "\(removed.error)")
        let collected = try zenfs.zenfs(["gc"])
        #expect(collected.status == 0, "\(collected.error)")
        #expect(collected.text.contains("freed 12.0 MiB"), "\(collected.text)")
        #expect(disk.free >= 12 << 20)
        let again = try zenfs.zenfs(["add", directory.randomFile("again.bin", count: 4096, seed: 4)])
        #expect(again.status == 0, "\(again.error)")
        #expect(try zenfs.zenfs(["ls", "/"]).text.contains("/again.bin"))
    }
}
