import Foundation
import Glibc
import TestSupport
import Testing

/// The node's BitTorrent tracker with real clients: python3-libtorrent seeds, aria2c downloads through it.
@Suite(.serialized)
struct TrackerInteropTests {
    static func curl(_ url: String) throws -> String {
        try CommandRunner.run("curl", ["-s", "--max-time", "10", url]).text
    }

    /// A torrent exported by `zenfs torrent --announce` with the node's tracker: python3-libtorrent seeds it from a
    /// plain folder, aria2c finds the seeder through the tracker and downloads identical bytes; scrape counts them.
    /// Hostile queries get bencoded failures and the tracker keeps serving.
    @Test func clientsMeetThroughTheTracker() throws {
        let directory = TemporaryDirectory()
        let node = try NodeProcess(in: directory.path, name: "node")
        let source = directory.randomFile("seed/film.bin", count: 6_000_000, seed: 21)
        let infoHash = try node.runner.zenfs(["add", source]).text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(MountCrashTests.waitUntil { node.status()?.tracker != nil }, "\(node.log())")
        let announce = "http://127.0.0.1:\(node.trackerPort)/announce"
        let torrent = directory.path + "/film.torrent"
        let exported = try node.runner.zenfs(["torrent", infoHash, "--announce", announce, "-o", torrent])
        #expect(exported.status == 0, "\(exported.error)")

        let ready = directory.path + "/seeder.ready"
        let seeder = try CommandRunner.start(
            "/usr/bin/python3",
            [CommandRunner.scripts + "/libtorrent_seed.py", torrent, directory.path + "/seed", ready]
        )
        defer {
            kill(seeder.processIdentifier, SIGKILL)
            seeder.waitUntilExit()
        }
        #expect(MountCrashTests.waitUntil(seconds: 60) { FileManager.default.fileExists(atPath: ready) })

        let download = try CommandRunner.run(
            "aria2c",
            [
                "--interface=127.0.0.1", "--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false",
                "--enable-peer-exchange=false", "--seed-time=0", "--summary-interval=0", "--bt-stop-timeout=60",
                "--dir", directory.path + "/aria2", torrent,
            ]
        )
        #expect(download.status == 0, "\(download.text) \(download.error)")
        #expect(
            FileManager.default.contents(atPath: directory.path + "/aria2/film.bin")
                == FileManager.default.contents(atPath: source)
        )

        let scrape = try Self.curl("http://127.0.0.1:\(node.trackerPort)/scrape")
        #expect(scrape.hasPrefix("d5:filesd20:") && scrape.contains("8:completei"), "\(scrape)")

        let escaped = Array(repeating: "%00", count: 20).joined()
        let hostile = [
            "/announce", "/announce?info_hash=short&peer_id=12345678901234567890&port=1",
            "/announce?info_hash=\(escaped)&peer_id=12345678901234567890&port=1",
            "/announce?info_hash=\(escaped)&info_hash=\(escaped)&peer_id=12345678901234567890&port=1",
            "/announce?info_hash=\(escaped)&peer_id=123&port=99999", "/nothing-here",
            "/announce?" + String(repeating: "x=1&", count: 2000), "/announce?%%%",
        ]
        for path in hostile {
            let answer = try Self.curl("http://127.0.0.1:\(node.trackerPort)" + path)
            #expect(answer.hasPrefix("d14:failure reason"), "\(path): \(answer)")
        }
        let garbage = try CommandRunner.run(
            "bash",
            ["-c", "printf 'NOT HTTP\\r\\n\\r\\n' > /dev/tcp/127.0.0.1/\(node.trackerPort); echo sent"]
        )
        #expect(garbage.text.contains("sent"))
        #expect(try Self.curl("http://127.0.0.1:\(node.trackerPort)/scrape").hasPrefix("d5:files"))
        #expect(node.stop())
    }
}
