import Foundation
import TestSupport
import Testing
import ZenFS

/// Hostile bytes cost a node nothing but the connection that sent them.
@Suite(.serialized)
struct HostilePeerTests {
    @Test func hostileFramesCloseOnlyTheirConnection() throws {
        let directory = TemporaryDirectory()
        let node = try NodeProcess(in: directory.path, name: "target", extra: ["--idle-timeout", "2"])
        let source = directory.randomFile("kept.bin", count: 1_500_000, seed: 4)
        let infoHash = try node.runner.zenfs(["add", source]).text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(MountCrashTests.waitUntil { node.status() != nil })

        // A frame announcing 4 GiB: refused from its header, before any payload.
        let oversize = try #require(RawPeerConnection(port: node.port))
        oversize.send([0xff, 0xff, 0xff, 0xff, PeerMessageType.element.rawValue])
        #expect(oversize.waitForClose())

        // Bytes of another protocol.
        let garbage = try #require(RawPeerConnection(port: node.port))
        garbage.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(garbage.waitForClose())

        // Half a frame, then silence: dropped at the handshake deadline.
        let half = try #require(RawPeerConnection(port: node.port))
        half.send([0, 0, 0, 200, PeerMessageType.hello.rawValue] + [UInt8](repeating: 1, count: 20))
        #expect(half.waitForClose())

        // A proven peer that floods queries is cut off.
        let flooder = try #require(RawPeerConnection(port: node.port))
        #expect(try flooder.handshake())
        var flood: [UInt8] = []
        for index in 0..<2000 {
            let id = QueryID(bytes: (0..<16).map { UInt8(truncatingIfNeeded: index >> ($0 % 2 * 8)) ^ UInt8($0) })!
            flood += PeerFrame.encode(
                .find(
                    FindQuery(
                        id: id,
                        origin: PeerAddress(host: "127.0.0.1", port: 1),
                        hopLimit: 3,
                        kind: .part,
                        hash: SHA1Digest.of([UInt8(truncatingIfNeeded: index)])
                    )
                )
            )
        }
        flooder.send(flood)
        #expect(flooder.waitForClose())
        // The flooder proved an identity: it is banned, and the ban is on disk before the connection closes.
        let bans = (try? String(contentsOfFile: node.dataDirectory + "/bans.json", encoding: .utf8)) ?? ""
        #expect(bans.contains("more queries than the rate allows"), "\(bans) \(node.log().suffix(1500))")

        // The node still serves: a new peer fetches its content.
        let counters = try #require(node.status()?.counters)
        #expect(counters.connectionsDropped >= 4, "\(counters)")
        let client = try NodeProcess(in: directory.path, name: "client", peers: [node])
        #expect(client.waitForPeers(1))
        let got = try client.runner.zenfs(["get", infoHash, "--to", directory.path + "/out"])
        #expect(got.status == 0, "\(got.error)")
        #expect(
            FileManager.default.contents(atPath: directory.path + "/out/kept.bin")
                == FileManager.default.contents(atPath: source)
        )
        #expect(node.stop())
    }
}
