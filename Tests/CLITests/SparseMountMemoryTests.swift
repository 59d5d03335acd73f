import Foundation
import Glibc
import Node
import TestSupport
import Testing

/// A huge sparse file costs the mount process memory in proportion to what was written, not to its size.
@Suite(.serialized)
struct SparseMountMemoryTests {
    /// The peak resident memory of a process (`VmHWM`), in bytes.
    static func peakResident(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }.map { $0 * 1024 }
    }

    /// Truncating to the largest size, writing its last byte, reading holes and committing keep `zenfs mount`
    /// under 300 MiB resident; a size past the largest is `EFBIG`, and the mount goes on serving.
    @Test func largestSparseFileInBoundedMemory() throws {
        let directory = TemporaryDirectory()
        let zenfs = CommandRunner(dataDirectory: directory.path + "/data")
        let mountPoint = directory.path + "/mnt"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        defer { _ = try? CommandRunner.run("fusermount3", ["-uz", mountPoint]) }
        let node = try zenfs.startZenfs(["mount", mountPoint, "--foreground"])
        defer {
            kill(node.processIdentifier, SIGTERM)
            node.waitUntilExit()
        }
        #expect(MountCrashTests.waitUntil { MountCrashTests.isMounted(mountPoint) })
        let largest = MountedFileSystem.largestNewFile
        for name in ["a", "b"] {
            let fd = open(mountPoint + "/" + name, O_RDWR | O_CREAT, 0o644)
            #expect(fd >= 0)
            #expect(ftruncate(fd, off_t(largest)) == 0)
            #expect(pwrite(fd, [7], 1, off_t(largest - 1)) == 1)
            errno = 0
            #expect(ftruncate(fd, off_t(largest) * 16) == -1 && errno == EFBIG)
            var hole = [UInt8](repeating: 1, count: 1 << 20)
            for step in 0..<64 {
                #expect(pread(fd, &hole, hole.count, off_t(largest / 64 * Int64(step))) == hole.count)
            }
            #expect(hole.allSatisfy { $0 == 0 })
            #expect(fsync(fd) == 0)
            close(fd)
        }
        #expect(FileManager.default.createFile(atPath: mountPoint + "/small", contents: Data([1, 2, 3])))
        #expect(FileManager.default.contents(atPath: mountPoint + "/small") == Data([1, 2, 3]))
        let peak = try #require(Self.peakResident(node.processIdentifier))
        #expect(peak < 300 << 20, "peak resident memory \(peak >> 20) MiB")
    }
}
