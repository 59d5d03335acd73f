import Foundation
import Glibc
import TestSupport
import Testing

/// Transmission 3 refuses peers on 127.x as "martian", so it runs in a network namespace of the test's own,
/// reaching the node over a veth pair at a non-loopback address.
@Suite(.serialized)
struct TransmissionTests {
    /// A namespace and a veth pair (host 10.231.N.1, namespace 10.231.N.2), removed when done.
    final class Namespace {
        let name: String
        let hostLink: String
        let subnet: Int
        var hostAddress: String { "10.231.\(subnet).1" }

        init() throws {
            subnet = Int(getpid() % 200) + 20
            name = "zntest\(getpid())"
            hostLink = "znh\(getpid() % 100_000)"
            let peer = "znn\(getpid() % 100_000)"
            let commands = [
                ["netns", "add", name], ["link", "add", hostLink, "type", "veth", "peer", "name", peer],
                ["link", "set", peer, "netns", name], ["addr", "add", "10.231.\(subnet).1/24", "dev", hostLink],
                ["link", "set", hostLink, "up"],
                ["netns", "exec", name, "ip", "addr", "add", "10.231.\(subnet).2/24", "dev", peer],
                ["netns", "exec", name, "ip", "link", "set", peer, "up"],
                ["netns", "exec", name, "ip", "link", "set", "lo", "up"],
            ]
            for command in commands {
                let result = try CommandRunner.run("ip", command)
                guard result.status == 0 else { throw CocoaError(.featureUnsupported, userInfo: ["ip": result.error]) }
            }
        }

        deinit {
            _ = try? CommandRunner.run("ip", ["netns", "del", name])
            _ = try? CommandRunner.run("ip", ["link", "del", hostLink])
        }
    }

    /// transmission-cli (with its default settings) downloads a file and a nested folder served from the
    /// element store, through the node's tracker, byte for byte.
    @Test func transmissionDownloadsThroughTheTracker() throws {
        let directory = TemporaryDirectory()
        let namespace = try Namespace()
        let trackerPort = NodeProcess.freePort()
        let node = try NodeProcess(
            in: directory.path,
            name: "node",
            extra: [
                "--tracker", "\(namespace.hostAddress):\(trackerPort)", "--bittorrent-listen",
                "\(namespace.hostAddress):0",
            ]
        )
        let file = directory.randomFile("sources/clip.bin", count: 3_000_000, seed: 61)
        let expectedFile = FileManager.default.contents(atPath: file)
        directory.randomFile("sources/set/inner/a.bin", count: 500_000, seed: 62)
        directory.randomFile("sources/set/b.bin", count: 200_001, seed: 63)
        let expectedSet = tree(directory.path + "/sources/set")
        let fileHash = try node.runner.zenfs(["add", file]).text.trimmingCharacters(in: .whitespacesAndNewlines)
        let setHash = try node.runner.zenfs(["add", directory.path + "/sources/set"]).text
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try FileManager.default.removeItem(atPath: directory.path + "/sources")
        #expect(
            MountCrashTests.waitUntil(seconds: 20) { (node.status()?.seeding?.torrents ?? 0) >= 2 },
            "\(node.log())"
        )

        for (name, hash, check) in [
            (
                "clip", fileHash,
                { (out: String) in FileManager.default.contents(atPath: out + "/clip.bin") == expectedFile }
            ),
            // Transmission, like aria2, writes BEP 47 pad files out as `.pad/N`; every real file must match.
            (
                "set", setHash,
                { (out: String) in tree(out + "/set").filter { !$0.key.hasPrefix(".pad/") } == expectedSet }
            ),
        ] {
            let torrent = "\(directory.path)/\(name).torrent"
            let exported = try node.runner.zenfs(["torrent", hash, "--no-web-seed", "-o", torrent])
            #expect(exported.status == 0, "\(exported.error)")
            let output = "\(directory.path)/transmission-\(name)"
            let client = try CommandRunner.start(
                "/usr/sbin/ip",
                [
                    "netns", "exec", namespace.name, "transmission-cli", "-w", output, "-g",
                    directory.path + "/tr-\(name)", torrent,
                ]
            )
            let done = MountCrashTests.waitUntil(seconds: 90) { check(output) }
            kill(client.processIdentifier, SIGKILL)  // transmission-cli keeps seeding and ignores SIGTERM
            client.waitUntilExit()
            #expect(done, "transmission did not complete \(name): \(tree(output).mapValues(\.count))")
        }
        #expect(node.stop())
    }
}
