import Foundation
import Glibc
import TestSupport
import Testing

/// Each failure the command line reports says what happened and what to do, in words: never a Foundation
/// dump, never advice that does not fit.
@Suite(.serialized)
struct ErrorMessageTests {
    /// What a failed command printed must not be one of Foundation's raw error dumps.
    static func expectNoDump(_ result: CommandRunner.Result, sourceLocation: SourceLocation = #_sourceLocation) {
        for marker in ["NSCocoaErrorDomain", "Error Domain=", "UserInfo=", "NSFilePath"] {
            #expect(!result.error.contains(marker), "\(result.error)", sourceLocation: sourceLocation)
        }
    }

    /// `zenfs add ''` names the empty argument instead of claiming that "" does not exist.
    @Test func anEmptyPathIsNamed() throws {
        let directory = TemporaryDirectory()
        let result = try CommandRunner(dataDirectory: directory.path + "/data").zenfs(["add", ""])
        #expect(result.status != 0)
        #expect(result.error.contains("the path to add is empty"), "\(result.error)")
        #expect(!result.error.contains("does not exist"))
    }

    /// A negative `--piece-length` is refused as a value, not as a "Missing value".
    @Test func aNegativePieceLengthIsRefusedAsAValue() throws {
        let directory = TemporaryDirectory()
        let file = directory.randomFile("a.bin", count: 1000)
        let zenfs = CommandRunner(dataDirectory: directory.path + "/data")
        for value in ["-1", "1000", "x"] {
            let result = try zenfs.zenfs(["add", file, "--piece-length", value])
            #expect(result.status != 0)
            #expect(result.error.contains("must be a power of two"), "\(value): \(result.error)")
            #expect(!result.error.contains("Missing value"))
        }
        #expect(try zenfs.zenfs(["add", file, "--piece-length", "32768"]).status == 0)
    }

    /// `zenfs import DIR` says that a folder was given where the .torrent goes.
    @Test func importingAFolderNamesTheMixUp() throws {
        let directory = TemporaryDirectory()
        directory.randomFile("content/a.bin", count: 1000)
        let result = try CommandRunner(dataDirectory: directory.path + "/data").zenfs([
            "import", directory.path + "/content", "--data", directory.path + "/content",
        ])
        #expect(result.status != 0)
        #expect(result.error.contains("is a folder, not a .torrent file"), "\(result.error)")
        #expect(!result.error.contains("does not exist"))
    }

    /// Content cannot be placed under `/.zen` (a mount shows its virtual tree there), neither with `--as` nor as
    /// a folder named `.zen`; nothing is stored, and the mount's `/.zen` stays the virtual tree.
    @Test(.enabled(if: getuid() == 0, "mounting needs root"))
    func theVirtualFolderIsRefusedAsADestination() throws {
        let directory = TemporaryDirectory()
        let zenfs = CommandRunner(dataDirectory: directory.path + "/data")
        let file = directory.randomFile("a.bin", count: 1000)
        let refused = try zenfs.zenfs(["add", file, "--as", "/.zen/x"])
        #expect(refused.status != 0)
        #expect(refused.error.contains("inside /.zen"), "\(refused.error)")
        directory.randomFile(".zen/b.bin", count: 1000)
        let named = try zenfs.zenfs(["add", directory.path + "/.zen"])
        #expect(named.status != 0)
        #expect(named.error.contains("inside /.zen"), "\(named.error)")
        #expect(try zenfs.zenfs(["ls", "/"]).text.isEmpty)
        let mountPoint = directory.path + "/mnt"
        defer { _ = try? CommandRunner.run("fusermount3", ["-uz", mountPoint]) }
        #expect(try zenfs.zenfs(["mount", mountPoint]).status == 0)
        let virtual = (try? FileManager.default.contentsOfDirectory(atPath: mountPoint + "/.zen")) ?? []
        #expect(Set(virtual) == ["torrents", "by-infohash"])
        #expect(try zenfs.zenfs(["umount", mountPoint]).status == 0)
    }

    /// Empty folders inside an added folder are listed among the skipped entries (text and JSON).
    @Test func emptyFoldersAreReportedAsSkipped() throws {
        let directory = TemporaryDirectory()
        directory.randomFile("album/cd1/track.flac", count: 5000)
        for empty in ["album/cd2", "album/art/small", "album/art/large"] {
            try FileManager.default.createDirectory(
                atPath: directory.path + "/" + empty,
                withIntermediateDirectories: true
            )
        }
        let zenfs = CommandRunner(dataDirectory: directory.path + "/data")
        let added = try zenfs.zenfs(["add", directory.path + "/album"])
        #expect(added.status == 0, "\(added.error)")
        #expect(
            added.error.contains(
                "skipped (an empty folder, which a torrent cannot hold): \(directory.path)/album/art\n"
            )
        )
        #expect(
            added.error.contains(
                "skipped (an empty folder, which a torrent cannot hold): \(directory.path)/album/cd2\n"
            )
        )
        #expect(!added.error.contains("album/art/small"))
        let json = try zenfs.zenfs(["add", directory.path + "/album", "--as", "/again", "--json"])
        struct Added: Decodable { let skippedEmptyFolders: [String] }
        let decoded = try JSONDecoder().decode(Added.self, from: json.output)
        #expect(decoded.skippedEmptyFolders == [directory.path + "/album/art", directory.path + "/album/cd2"])
    }

    /// `zenfs mount` onto a regular file, onto a stale mount (its process killed) and with a data directory that
    /// is a file: each refusal names the problem and the remedy, with no Foundation dump; after the advised
    /// `zenfs umount --lazy` the stale mount point mounts again.
    @Test(.enabled(if: getuid() == 0, "mounting needs root"))
    func mountPointProblemsAreNamed() throws {
        let directory = TemporaryDirectory()
        let zenfs = CommandRunner(dataDirectory: directory.path + "/data")
        let file = directory.randomFile("plain.bin", count: 10)
        let ontoFile = try zenfs.zenfs(["mount", file])
        #expect(ontoFile.status != 0)
        #expect(ontoFile.error.contains("is not a folder"), "\(ontoFile.error)")
        Self.expectNoDump(ontoFile)

        let badData = try CommandRunner(dataDirectory: file).zenfs(["mount", directory.path + "/other"])
        #expect(badData.status != 0)
        #expect(badData.error.contains(file), "\(badData.error)")
        Self.expectNoDump(badData)

        let mountPoint = directory.path + "/mnt"
        defer { _ = try? CommandRunner.run("fusermount3", ["-uz", mountPoint]) }
        let node = try zenfs.startZenfs(["mount", mountPoint, "--foreground"])
        #expect(MountCrashTests.waitUntil { MountCrashTests.isMounted(mountPoint) })
        kill(node.processIdentifier, SIGKILL)
        node.waitUntilExit()
        let stale = try zenfs.zenfs(["mount", mountPoint])
        #expect(stale.status != 0)
        #expect(stale.error.contains("is a stale mount"), "\(stale.error)")
        #expect(stale.error.contains("zenfs umount --lazy \(mountPoint)"))
        Self.expectNoDump(stale)
        #expect(try zenfs.zenfs(["umount", "--lazy", mountPoint]).status == 0)
        let again = try zenfs.zenfs(["mount", mountPoint])
        #expect(again.status == 0, "\(again.error)")
        #expect(try zenfs.zenfs(["umount", mountPoint]).status == 0)
    }

    /// A source shortened by another process during `add` is reported as changed, never as "Bad address" or
    /// another I/O error, and nothing is stored.
    @Test func aSourceTruncatedDuringAddIsReportedAsChanged() throws {
        let directory = TemporaryDirectory()
        let zenfs = CommandRunner(dataDirectory: directory.path + "/data")
        var failures = 0
        for attempt in 0..<8 {
            let source = directory.randomFile("big\(attempt).bin", count: 96 << 20, seed: UInt64(60 + attempt))
            let errors = directory.path + "/add\(attempt).err"
            let add = try zenfs.startZenfs(["add", source], errorPath: errors)
            usleep(useconds_t(20_000 + attempt * 40_000))
            #expect(truncate(source, 5 << 20) == 0)
            add.waitUntilExit()
            let message = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
            if add.terminationStatus != 0 {
                failures += 1
                #expect(message.contains("changed while it was being read"), "\(message)")
                #expect(!message.contains("Bad address"))
            }
            try FileManager.default.removeItem(atPath: source)
        }
        #expect(failures > 0, "no add was still reading when its source was truncated")
        #expect(try zenfs.zenfs(["ls", "/"]).text.split(separator: "\n").count == 8 - failures)
    }

    /// `zenfs get` into a folder on a full disk (a small tmpfs filled by another program) says that the
    /// destination is full, with its free space and what is needed, and not to move the data directory.
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func getIntoAFullDestinationSaysSo() throws {
        let directory = TemporaryDirectory()
        let zenfs = CommandRunner(dataDirectory: directory.path + "/data")
        let file = directory.randomFile("content.bin", count: 3 << 20)
        #expect(try zenfs.zenfs(["add", file]).status == 0)
        let small = directory.path + "/small"
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
        #expect(mount("tmpfs", small, "tmpfs", 0, "size=4m") == 0)
        defer { umount2(small, Int32(MNT_DETACH)) }
        _ = try CommandRunner.run("dd", ["if=/dev/zero", "of=\(small)/filler", "bs=1M", "count=2"])
        let result = try zenfs.zenfs(["get", "/content.bin", "--to", small + "/out"])
        #expect(result.status != 0)
        #expect(result.error.contains("disk full"), "\(result.error)")
        #expect(result.error.contains("choose another --to folder"))
        #expect(result.error.contains("needs 3.0 MiB"))
        #expect(!result.error.contains("data directory"))
        #expect(!FileManager.default.fileExists(atPath: small + "/out/content.bin"))
    }
}
