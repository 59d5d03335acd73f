import Foundation
import Glibc
import TestSupport
import Testing

/// `zenfs gc` and `zenfs verify` on a mounted store: they run while a program rewrites a file through the mount
/// with fsync after every write, take nothing the mount still needs, and bring the store back near the size of
/// what it holds.
@Suite(.serialized, .enabled(if: getuid() == 0, "mounting needs root"))
struct OnlineCollectionTests {
    /// Starts `fsync_writes.py` on `file` (`count` fsynced rewrites), which saves the expected content to
    /// `expected`.
    static func rewrite(_ file: String, count: Int, seed: Int, expected: String) throws -> Process {
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        writer.arguments = [CommandRunner.scripts + "/fsync_writes.py", file, expected, "\(count)", "\(seed)"]
        writer.standardOutput = FileHandle.nullDevice
        writer.standardError = FileHandle.nullDevice
        try writer.run()
        return writer
    }

    /// Without any `zenfs gc`, the mount itself collects the parts its fsyncs superseded: after 300 fsynced
    /// 4 KiB rewrites of a 4 MiB file, the store settles under twice the file, and the file reads as written.
    @Test func theMountCollectsWhatItsFsyncsSuperseded() throws {
        let directory = TemporaryDirectory()
        let data = directory.path + "/data"
        let zenfs = CommandRunner(dataDirectory: data)
        let mountPoint = directory.path + "/mnt"
        defer { _ = try? CommandRunner.run("fusermount3", ["-uz", mountPoint]) }
        #expect(try zenfs.zenfs(["mount", mountPoint]).status == 0)
        let length = 4 << 20
        let file = mountPoint + "/rewritten.bin"
        let initial = directory.randomFile("initial.bin", count: length, seed: 73)
        #expect(FileManager.default.createFile(atPath: file, contents: FileManager.default.contents(atPath: initial)))
        let writer = try Self.rewrite(
            file,
            count: 300,
            seed: 74,
            expected: directory.path + "/expected.bin"
        )
        writer.waitUntilExit()
        #expect(writer.terminationStatus == 0)
        let settled = MountCrashTests.waitUntil(seconds: 30) { Self.elementBytes(data) < 2 * Int64(length) }
        #expect(settled, "the store holds \(Self.elementBytes(data)) bytes for a file of \(length)")
        #expect(
            FileManager.default.contents(atPath: file)
                == FileManager.default.contents(atPath: directory.path + "/expected.bin")
        )
        #expect(try zenfs.zenfs(["umount", mountPoint]).status == 0)
        #expect(try zenfs.zenfs(["verify"]).status == 0)
    }

    /// The bytes the element files of `data` take on the disk.
    static func elementBytes(_ data: String) -> Int64 {
        let root = data + "/elements"
        var total: Int64 = 0
        for shard in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where shard.count == 2 {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + shard)) ?? [] {
                var info = stat()
                if lstat(root + "/" + shard + "/" + name, &info) == 0 { total += Int64(info.st_blocks) * 512 }
            }
        }
        return total
    }

    /// A 4 MiB file rewritten 400 times in random 4 KiB blocks, each write fsynced, while `zenfs gc` runs over
    /// and over beside the mount: every gc succeeds, the file reads back as written (through the mount, and
    /// after a remount), `zenfs verify` finds the store intact while mounted, and a last gc leaves the store
    /// under twice the file.
    @Test func gcBesideFsyncedWrites() throws {
        let directory = TemporaryDirectory()
        let data = directory.path + "/data"
        let zenfs = CommandRunner(dataDirectory: data)
        let mountPoint = directory.path + "/mnt"
        defer { _ = try? CommandRunner.run("fusermount3", ["-uz", mountPoint]) }
        let mounted = try zenfs.zenfs(["mount", mountPoint])
        #expect(mounted.status == 0, "\(mounted.error)")
        let length = 4 << 20
        let initial = directory.randomFile("initial.bin", count: length, seed: 71)
        let file = mountPoint + "/rewritten.bin"
        #expect(FileManager.default.createFile(atPath: file, contents: FileManager.default.contents(atPath: initial)))

        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        writer.arguments = [
            CommandRunner.scripts + "/fsync_writes.py", file, directory.path + "/expected.bin", "400", "72",
        ]
        let writerErrors = directory.path + "/writer.err"
        _ = FileManager.default.createFile(atPath: writerErrors, contents: nil)
        writer.standardError = FileHandle(forWritingAtPath: writerErrors)
        writer.standardOutput = FileHandle.nullDevice
        try writer.run()
        var collections = 0
        var failures: [String] = []
        while writer.isRunning || collections == 0 {
            let collected = try zenfs.zenfs(["gc"])
            if collected.status != 0 { failures.append(collected.error) }
            collections += 1
        }
        writer.waitUntilExit()
        #expect(writer.terminationStatus == 0, "\((try? String(contentsOfFile: writerErrors, encoding: .utf8)) ?? "")")
        #expect(failures.isEmpty, "\(failures)")
        let expected = try #require(FileManager.default.contents(atPath: directory.path + "/expected.bin"))
        #expect(FileManager.default.contents(atPath: file) == expected)

        let verified = try zenfs.zenfs(["verify"])
        #expect(verified.status == 0, "\(verified.text) \(verified.error)")
        let settled = MountCrashTests.waitUntil(seconds: 20) {
            _ = try? zenfs.zenfs(["gc"])
            return Self.elementBytes(data) < 2 * Int64(length)
        }
        #expect(settled, "the store holds \(Self.elementBytes(data)) bytes for a file of \(length)")

        #expect(try zenfs.zenfs(["umount", mountPoint]).status == 0)
        #expect(try zenfs.zenfs(["verify"]).status == 0)
        #expect(try zenfs.zenfs(["mount", mountPoint]).status == 0)
        #expect(FileManager.default.contents(atPath: file) == expected)
        #expect(try zenfs.zenfs(["umount", mountPoint]).status == 0)
    }
}
