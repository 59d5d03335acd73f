import Foundation
import Glibc
import TestSupport
import Testing

/// The other direction: content seeded by python3-libtorrent elsewhere becomes ZenFS content.
@Suite(.serialized)
struct SwarmDownloadTests {
    static let swarmScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scripts/bench_swarm.py").standardized.path

    /// Starts a python3-libtorrent swarm of one seeder for `source`, writing its torrent to `torrent`, and waits
    /// until it seeds.
    static func seed(_ source: String, torrent: String, in directory: TemporaryDirectory) throws -> Process {
        let ready = directory.path + "/swarm.ready"
        let swarm = try CommandRunner.start("/usr/bin/python3", [swarmScript, "seed", source, torrent, "1", ready])
        #expect(MountCrashTests.waitUntil(seconds: 60) { FileManager.default.fileExists(atPath: ready) })
        return swarm
    }

    static func stop(_ swarm: Process) {
        kill(swarm.processIdentifier, SIGKILL)
        swarm.waitUntilExit()
    }

    /// `zenfs add x.torrent` and `zenfs add 'magnet:?…'` download from a python3-libtorrent swarm straight into
    /// elements; the result reads back identical through the mount, with the swarm's info-hash.
    @Test func torrentAndMagnetBecomeZenFSContent() throws {
        let directory = TemporaryDirectory()
        let source = directory.randomFile("swarm/movie.bin", count: 4_000_000, seed: 51)
        let torrent = directory.path + "/movie.torrent"
        let swarm = try Self.seed(source, torrent: torrent, in: directory)
        defer { Self.stop(swarm) }
        let infoHash = try CommandRunner.run(
            "/usr/bin/python3",
            ["-c", "import libtorrent as lt,sys; print(lt.torrent_info(sys.argv[1]).info_hashes().v1)", torrent]
        ).text.trimmingCharacters(in: .whitespacesAndNewlines)

        let byTorrent = CommandRunner(dataDirectory: directory.path + "/by-torrent")
        let added = try byTorrent.zenfs(["add", torrent])
        #expect(added.status == 0, "\(added.error)")
        #expect(added.text.trimmingCharacters(in: .whitespacesAndNewlines) == infoHash)
        let mountPoint = directory.path + "/mnt"
        defer { _ = try? CommandRunner.run("fusermount3", ["-uz", mountPoint]) }
        #expect(try byTorrent.zenfs(["mount", mountPoint]).status == 0)
        #expect(
            FileManager.default.contents(atPath: mountPoint + "/movie.bin")
                == FileManager.default.contents(atPath: source)
        )
        #expect(try byTorrent.zenfs(["umount", mountPoint]).status == 0)

        let announce = try CommandRunner.run(
            "/usr/bin/python3",
            ["-c", "import libtorrent as lt,sys; print(list(lt.torrent_info(sys.argv[1]).trackers())[0].url)", torrent]
        ).text.trimmingCharacters(in: .whitespacesAndNewlines)
        let byMagnet = CommandRunner(dataDirectory: directory.path + "/by-magnet")
        let magnet = "magnet:?xt=urn:btih:\(infoHash)&dn=movie.bin&tr=\(announce)"
        let fetched = try byMagnet.zenfs(["add", magnet])
        #expect(fetched.status == 0, "\(fetched.error)")
        #expect(fetched.text.trimmingCharacters(in: .whitespacesAndNewlines) == infoHash)
        let got = try byMagnet.zenfs(["get", infoHash, "--to", directory.path + "/out"])
        #expect(got.status == 0, "\(got.error)")
        #expect(
            FileManager.default.contents(atPath: directory.path + "/out/movie.bin")
                == FileManager.default.contents(atPath: source)
        )
        let verified = try byMagnet.zenfs(["verify", "--json"])
        #expect(verified.status == 0 && verified.text.contains("\"healthy\" : true"), "\(verified.text)")
    }

    /// A download the quota cannot hold stops with the quota's message, indexes nothing and stores no more than
    /// the quota; with room, the same download completes.
    @Test func downloadStopsAtTheQuota() throws {
        let directory = TemporaryDirectory()
        let source = directory.randomFile("swarm/big.bin", count: 6_000_000, seed: 52)
        let torrent = directory.path + "/big.torrent"
        let swarm = try Self.seed(source, torrent: torrent, in: directory)
        defer { Self.stop(swarm) }

        let runner = CommandRunner(dataDirectory: directory.path + "/data")
        #expect(try runner.zenfs(["quota", "--set", "2M"]).status == 0)
        let refused = try runner.zenfs(["add", torrent])
        #expect(refused.status != 0)
        #expect(refused.error.contains("quota"), "\(refused.error)")
        #expect(try runner.zenfs(["ls"]).text.contains("big.bin") == false)
        let stored = try runner.zenfs(["verify", "--json"])
        #expect(stored.status == 0 && stored.text.contains("\"healthy\" : true"), "\(stored.text)")
        let elements = directory.path + "/data/elements"
        let storedBytes = try FileManager.default.subpathsOfDirectory(atPath: elements)
            .compactMap { try? FileManager.default.attributesOfItem(atPath: elements + "/" + $0) }
            .filter { ($0[.type] as? FileAttributeType) == .typeRegular }
            .reduce(0) { $0 + (($1[.size] as? Int) ?? 0) }
        #expect(storedBytes <= 2 << 20, "\(storedBytes) bytes stored under a 2 MiB quota")

        #expect(try runner.zenfs(["quota", "--set", "64M"]).status == 0)
        let added = try runner.zenfs(["add", torrent])
        #expect(added.status == 0, "\(added.error)")
    }
}
