import Foundation
import Glibc
import TestSupport
import Testing

/// Standard BitTorrent clients download content the node serves from its element store.
@Suite(.serialized)
struct BitTorrentSeedingTests {
    static func aria2c(_ torrent: String, into directory: String) throws -> CommandRunner.Result {
        try CommandRunner.run(
            "aria2c",
            [
                "--interface=127.0.0.1", "--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false",
                "--enable-peer-exchange=false", "--seed-time=0", "--summary-interval=0", "--bt-stop-timeout=60",
                "--console-log-level=warn", "--dir", directory, torrent,
            ]
        )
    }

    static func libtorrent(_ torrent: String, into directory: String) throws -> CommandRunner.Result {
        try CommandRunner.run(
            "/usr/bin/python3",
            [CommandRunner.scripts + "/libtorrent_download.py", torrent, directory]
        )
    }

    /// A 64 MiB file and a nested folder added to ZenFS, whose sources are then deleted: aria2c and
    /// python3-libtorrent each download them through the node's tracker, byte for byte.
    @Test func clientsDownloadFromTheElementStore() throws {
        let directory = TemporaryDirectory()
        let node = try NodeProcess(in: directory.path, name: "node")
        let big = directory.randomFile("sources/big.bin", count: 64 << 20, seed: 31)
        let expectedBig = FileManager.default.contents(atPath: big)
        directory.randomFile("sources/album/cd1/track1.flac", count: 700_000, seed: 32)
        directory.randomFile("sources/album/cd1/track2.flac", count: 1_300_001, seed: 33)
        directory.randomFile("sources/album/cover.jpg", count: 90_000, seed: 34)
        let expectedAlbum = tree(directory.path + "/sources/album")
        let bigHash = try node.runner.zenfs(["add", big]).text.trimmingCharacters(in: .whitespacesAndNewlines)
        let albumHash = try node.runner.zenfs(["add", directory.path + "/sources/album"]).text
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try FileManager.default.removeItem(atPath: directory.path + "/sources")
        #expect(
            MountCrashTests.waitUntil(seconds: 20) { (node.status()?.seeding?.torrents ?? 0) >= 2 },
            "\(node.log())"
        )
        let announce = try #require(node.status()?.tracker)
        for (name, hash) in [("big", bigHash), ("album", albumHash)] {
            // No web seed: the clients must take every piece from the seeding session.
            let exported = try node.runner.zenfs([
                "torrent", hash, "--announce", announce, "--no-web-seed", "-o", "\(directory.path)/\(name).torrent",
            ])
            #expect(exported.status == 0, "\(exported.error)")
        }

        let aria = try Self.aria2c(directory.path + "/big.torrent", into: directory.path + "/aria2")
        #expect(aria.status == 0, "\(aria.text) \(aria.error)")
        #expect(FileManager.default.contents(atPath: directory.path + "/aria2/big.bin") == expectedBig)
        let ariaAlbum = try Self.aria2c(directory.path + "/album.torrent", into: directory.path + "/aria2")
        #expect(ariaAlbum.status == 0, "\(ariaAlbum.text) \(ariaAlbum.error)")
        // aria2 writes BEP 47 pad files out as `.pad/N` files of zeros; every real file must match.
        #expect(tree(directory.path + "/aria2/album").filter { !$0.key.hasPrefix(".pad/") } == expectedAlbum)

        let python = try Self.libtorrent(directory.path + "/big.torrent", into: directory.path + "/libtorrent")
        #expect(python.status == 0, "\(python.text) \(python.error)")
        #expect(FileManager.default.contents(atPath: directory.path + "/libtorrent/big.bin") == expectedBig)
        let pythonAlbum = try Self.libtorrent(directory.path + "/album.torrent", into: directory.path + "/libtorrent")
        #expect(pythonAlbum.status == 0, "\(pythonAlbum.text) \(pythonAlbum.error)")
        #expect(tree(directory.path + "/libtorrent/album") == expectedAlbum)

        // libtorrent's upload counters lag a little; at least one whole copy has been counted.
        #expect((node.status()?.seeding?.bytesServed ?? 0) >= 64 << 20)
        #expect(node.stop())
    }

    /// A node that knows a metainfo but holds none of its parts still seeds it: each piece libtorrent needs is
    /// fetched from the circuit first.
    @Test func piecesNotLocalComeFromTheCircuit() throws {
        let directory = TemporaryDirectory()
        let holder = try NodeProcess(in: directory.path, name: "holder", extra: ["--no-seeding"])
        let source = directory.randomFile("remote.bin", count: 5_000_000, seed: 35)
        let infoHash = try holder.runner.zenfs(["add", source]).text.trimmingCharacters(in: .whitespacesAndNewlines)
        let gateway = try NodeProcess(in: directory.path, name: "gateway", peers: [holder])
        #expect(gateway.waitForPeers(1))
        // The gateway learns the metainfo only (no part), as the mount's by-infohash lookup does.
        let deadline = Date().addingTimeInterval(45)
        var learned = false
        while !learned, Date() < deadline {
            learned = (try? ControlClientShim.fetchMetainfo(infoHash, dataDirectory: gateway.dataDirectory)) == true
            if !learned { usleep(500_000) }
        }
        #expect(learned, "the gateway could not fetch the metainfo:\n\(gateway.log())\n\(holder.log())")
        #expect(MountCrashTests.waitUntil(seconds: 20) { (gateway.status()?.seeding?.torrents ?? 0) >= 1 })
        let announce = try #require(gateway.status()?.tracker)
        let exported = try gateway.runner.zenfs([
            "torrent", infoHash, "--announce", announce, "-o", directory.path + "/remote.torrent",
        ])
        #expect(exported.status == 0, "\(exported.error)")
        let aria = try Self.aria2c(directory.path + "/remote.torrent", into: directory.path + "/aria2")
        #expect(aria.status == 0, "\(aria.text) \(aria.error)\n\(gateway.log())")
        #expect(
            FileManager.default.contents(atPath: directory.path + "/aria2/remote.bin")
                == FileManager.default.contents(atPath: source)
        )
        #expect((gateway.status()?.counters.elementsFetched ?? 0) >= 19)
    }

    /// With no tracker reachable and no BitTorrent session, aria2c downloads a file and a folder from the
    /// node's web seed alone (BEP 19, Range requests over the element store).
    @Test func webSeedAlone() throws {
        let directory = TemporaryDirectory()
        let node = try NodeProcess(in: directory.path, name: "node", extra: ["--no-seeding"])
        let file = directory.randomFile("sources/single.bin", count: 3_000_000, seed: 41)
        let expected = FileManager.default.contents(atPath: file)
        directory.randomFile("sources/folder/a/deep.bin", count: 400_000, seed: 42)
        directory.randomFile("sources/folder/b.txt", count: 1_000, seed: 43)
        let expectedFolder = tree(directory.path + "/sources/folder")
        let fileHash = try node.runner.zenfs(["add", file]).text.trimmingCharacters(in: .whitespacesAndNewlines)
        let folderHash = try node.runner.zenfs(["add", directory.path + "/sources/folder"]).text
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try FileManager.default.removeItem(atPath: directory.path + "/sources")
        #expect(MountCrashTests.waitUntil { node.status()?.tracker != nil })
        for (name, hash) in [("single", fileHash), ("folder", folderHash)] {
            // A tracker nobody listens on: only the web seed the export adds can serve.
            let exported = try node.runner.zenfs([
                "torrent", hash, "--announce", "http://127.0.0.1:9/announce", "-o", "\(directory.path)/\(name).torrent",
            ])
            #expect(exported.status == 0, "\(exported.error)")
            let aria = try Self.aria2c("\(directory.path)/\(name).torrent", into: directory.path + "/aria2")
            #expect(aria.status == 0, "\(aria.text) \(aria.error)")
        }
        #expect(FileManager.default.contents(atPath: directory.path + "/aria2/single.bin") == expected)
        #expect(tree(directory.path + "/aria2/folder").filter { !$0.key.hasPrefix(".pad/") } == expectedFolder)
        let base = try #require(node.status()?.tracker).replacingOccurrences(of: "/announce", with: "")
        let ranged = try CommandRunner.run(
            "curl",
            ["-s", "-r", "100-199", "\(base)/seed/\(fileHash)/single.bin"]
        )
        #expect(ranged.output == expected?.subdata(in: 100..<200))
        let missing = try CommandRunner.run(
            "curl",
            ["-s", "-o", "/dev/null", "-w", "%{http_code}", "\(base)/seed/\(fileHash)/other.bin"]
        )
        #expect(missing.text == "404")
        #expect(node.stop())
    }

    /// An empty file has no piece and no swarm: the node seeds the other content and never warns about it (it
    /// used to log "cannot seed …: invalid length of torrent" every two seconds).
    @Test func anEmptyFileIsNotOfferedToTheSwarm() throws {
        let directory = TemporaryDirectory()
        let node = try NodeProcess(in: directory.path, name: "node")
        let empty = directory.path + "/empty.bin"
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        #expect(try node.runner.zenfs(["add", empty]).status == 0)
        let file = directory.randomFile("some.bin", count: 300_000, seed: 45)
        #expect(try node.runner.zenfs(["add", file]).status == 0)
        #expect(MountCrashTests.waitUntil(seconds: 20) { (node.status()?.seeding?.torrents ?? 0) >= 1 })
        // The seeder looks for new content every two seconds: give it three passes.
        usleep(6_500_000)
        #expect(node.status()?.seeding?.torrents == 1)
        #expect(!node.log().contains("cannot seed"), "\(node.log())")
        #expect(node.stop())
    }

    /// A magnet link naming the node's tracker: python3-libtorrent fetches the metadata from the node's seeder
    /// (BEP 9) and then the content.
    @Test func magnetThroughTheTracker() throws {
        let directory = TemporaryDirectory()
        let node = try NodeProcess(in: directory.path, name: "node")
        let file = directory.randomFile("magnet.bin", count: 2_500_000, seed: 44)
        let infoHash = try node.runner.zenfs(["add", file]).text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(MountCrashTests.waitUntil(seconds: 20) { (node.status()?.seeding?.torrents ?? 0) >= 1 })
        let magnet = try node.runner.zenfs(["torrent", infoHash, "--magnet"]).text
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(magnet.hasPrefix("magnet:?xt=urn:btih:\(infoHash)&dn=magnet.bin&tr="))
        let python = try Self.libtorrent(magnet, into: directory.path + "/out")
        #expect(python.status == 0, "\(python.text) \(python.error)")
        #expect(
            FileManager.default.contents(atPath: directory.path + "/out/magnet.bin")
                == FileManager.default.contents(atPath: file)
        )
        #expect(node.stop())
    }
}
