import Foundation
import Glibc
import TestSupport
import Testing

/// The mount as a separate node process: started by `zenfs mount`, stopped by `zenfs umount`, and killed.
@Suite(.serialized)
struct MountCrashTests {
    static func isMounted(_ path: String) -> Bool {
        let table = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        return table.split(separator: "\n").contains {
            $0.split(separator: " ").dropFirst().first.map(String.init) == path
        }
    }

    static func waitUntil(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    /// `zenfs mount` returns once mounted; files written there are ZenFS content the CLI sees after `zenfs umount`.
    @Test func mountWriteUnmount() throws {
        let directory = TemporaryDirectory()
        let zenfs = CommandRunner(dataDirectory: directory.path + "/data")
        let mountPoint = directory.path + "/mnt"
        defer { _ = try? CommandRunner.run("fusermount3", ["-uz", mountPoint]) }
        let mounted = try zenfs.zenfs(["mount", mountPoint])
        #expect(mounted.status == 0, "\(mounted.error)")
        #expect(Self.isMounted(mountPoint))
        let content = Array(repeating: UInt8(7), count: 700_000)
        #expect(FileManager.default.createFile(atPath: mountPoint + "/seven.bin", contents: Data(content)))
        let unmounted = try zenfs.zenfs(["umount", mountPoint])
        #expect(unmounted.status == 0, "\(unmounted.error)")
        #expect(!Self.isMounted(mountPoint))
        // The node records pending writes as it stops; give it the moment it needs.
        var listed = ""
        _ = Self.waitUntil {
            listed = (try? zenfs.zenfs(["ls", "--json"]).text) ?? ""
            return listed.contains("seven.bin") && listed.contains("infoHash")
        }
        #expect(listed.contains("/seven.bin"))
        let got = try zenfs.zenfs(["get", "/seven.bin", "--to", directory.path + "/out"])
        #expect(got.status == 0, "\(got.error)")
        #expect(FileManager.default.contents(atPath: directory.path + "/out/seven.bin") == Data(content))
    }

    /// `kill -9` of the node during a storm of writes: after a remount every byte acknowledged by fsync is there,
    /// the catalog is consistent, and nothing is left mounted.
    @Test func killDuringWritesKeepsFsyncedData() throws {
        let directory = TemporaryDirectory()
        let zenfs = CommandRunner(dataDirectory: directory.path + "/data")
        let mountPoint = directory.path + "/mnt"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        defer { _ = try? CommandRunner.run("fusermount3", ["-uz", mountPoint]) }
        let node = try zenfs.startZenfs(["mount", mountPoint, "--foreground"])
        #expect(Self.waitUntil { Self.isMounted(mountPoint) })

        let acknowledged = AcknowledgedFiles()
        let writer = Thread {
            var index = 0
            while true {
                let path = mountPoint + "/file\(index)"
                let bytes = (0..<(50_000 + index * 7919 % 400_000)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
                let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                if fd < 0 { break }
                let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                let synced = written == bytes.count && fsync(fd) == 0
                close(fd)
                if !synced { break }
                acknowledged.add(path: "file\(index)", bytes: bytes)
                index += 1
            }
            acknowledged.finish()
        }
        writer.start()
        usleep(1_500_000)
        kill(node.processIdentifier, SIGKILL)
        node.waitUntilExit()
        // The dead mount answers ENOTCONN, which stops the writer; only then is it detached (after which
        // the path would lead to the folder underneath).
        #expect(acknowledged.waitForFinish())
        _ = try CommandRunner.run("fusermount3", ["-uz", mountPoint])
        let files = acknowledged.snapshot()
        #expect(files.count > 0, "no write was acknowledged before the kill")

        let remounted = try zenfs.startZenfs(["mount", mountPoint, "--foreground"])
        #expect(Self.waitUntil { Self.isMounted(mountPoint) })
        for (name, bytes) in files {
            #expect(
                FileManager.default.contents(atPath: mountPoint + "/" + name) == Data(bytes),
                "\(name) lost after the crash"
            )
        }
        kill(remounted.processIdentifier, SIGTERM)
        remounted.waitUntilExit()
        #expect(!Self.isMounted(mountPoint))
        let verify = try zenfs.zenfs(["verify", "--json"])
        #expect(verify.status == 0, "\(verify.text)")
    }
}

/// Files whose content fsync acknowledged, filled by the writer thread.
final class AcknowledgedFiles: @unchecked Sendable {
    private let lock = NSCondition()
    private var files: [(String, [UInt8])] = []
    private var finished = false

    func add(path: String, bytes: [UInt8]) { lock.withLock { files.append((path, bytes)) } }

    func finish() {
        lock.withLock {
            finished = true
            lock.broadcast()
        }
    }

    func waitForFinish() -> Bool {
        lock.withLock {
            let deadline = Date().addingTimeInterval(30)
            while !finished { if !lock.wait(until: deadline) { return false } }
            return true
        }
    }

    func snapshot() -> [(String, [UInt8])] { lock.withLock { files } }
}

/// The mount(8) helper that `mount -t fuse.zenfs` and /etc/fstab use.
struct MountHelperTests {
    /// `mount.zenfs DATA MOUNTPOINT -o fstab-options` mounts the data directory, ignoring mount(8)'s generic options.
    @Test func helperMountsWithFstabOptions() throws {
        let directory = TemporaryDirectory()
        let zenfs = CommandRunner(dataDirectory: directory.path + "/data")
        let source = directory.randomFile("src/note.txt", count: 1234)
        #expect(try zenfs.zenfs(["add", source]).status == 0)
        let mountPoint = directory.path + "/mnt"
        defer { _ = try? CommandRunner.run("fusermount3", ["-uz", mountPoint]) }
        let helper = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/mount.zenfs").path
        let binDirectory = (CommandRunner.zenfs as NSString).deletingLastPathComponent
        let path = binDirectory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let mounted = try CommandRunner.run(
            helper,
            [directory.path + "/data", mountPoint, "-o", "rw,defaults,noauto,allow_other"],
            environment: ["PATH": path]
        )
        #expect(mounted.status == 0, "\(mounted.text) \(mounted.error)")
        #expect(MountCrashTests.isMounted(mountPoint))
        #expect(
            FileManager.default.contents(atPath: mountPoint + "/note.txt")
                == FileManager.default.contents(atPath: source)
        )
        #expect(try CommandRunner.run(CommandRunner.zenfs, ["umount", mountPoint]).status == 0)
        #expect(!MountCrashTests.isMounted(mountPoint))
    }
}
