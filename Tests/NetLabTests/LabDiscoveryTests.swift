import Foundation
import Node
import TestSupport
import Testing

/// Discovery past the flood's radius, through the BitTorrent Mainline DHT the nodes' own libtorrent sessions
/// run among themselves (a private DHT: each node joins through the one before it).
@Suite(.serialized, .enabled(if: NetLab.available, "needs root and iptables for network namespaces"))
struct LabDiscoveryTests {
    /// Five hosts in a line, each peered with the one before and flooding one hop past its neighbours: the
    /// first node's flood cannot reach the last, which holds the content; the DHT lookup finds it, the first
    /// node dials it and fetches every part, verified.
    @Test func holderBeyondTheFloodIsFoundThroughTheDHT() throws {
        let directory = TemporaryDirectory()
        let count = 5
        let lab = try NetLab(nodes: count)
        var nodes: [LabNode] = []
        for index in 1...count {
            let previous = nodes.last
            let bootstrap = try previous.map { "\(try lab.address($0.index)):6881" } ?? "none"
            nodes.append(
                try LabNode(
                    lab: lab,
                    index: index,
                    in: directory.path,
                    peers: previous.map { [$0] } ?? [],
                    extra: ["--hop-limit", "1", "--fetch-timeout", "60", "--dht-bootstrap", bootstrap]
                )
            )
        }
        let first = nodes[0]
        let holder = nodes[count - 1]
        for node in nodes.dropFirst().dropLast() {
            #expect(node.waitForPeers(2), "node \(node.index): \(node.log().suffix(2000))")
        }
        let source = directory.randomFile("far.bin", count: 700_000, seed: 23)
        let added = try holder.zenfs(["add", source])
        #expect(added.status == 0, "\(added.error)")
        let infoHash = added.text.trimmingCharacters(in: .whitespacesAndNewlines)

        let got = try first.zenfs(["get", infoHash, "--to", directory.path + "/out"])
        #expect(got.status == 0, "\(got.error)\n\(first.log().suffix(3000))")
        #expect(
            FileManager.default.contents(atPath: directory.path + "/out/far.bin")
                == FileManager.default.contents(atPath: source)
        )
        #expect(first.log().contains("the DHT lists \(holder.peerAddress) as a holder"), "\(first.log().suffix(3000))")
        // The flood never reached the holder: it was dialed directly at the address the DHT gave.
        #expect(first.status()?.peers.contains { $0.address == holder.peerAddress } == true)
        for node in nodes { #expect(node.stop(), "node \(node.index): \(node.log().suffix(2000))") }
    }

    /// aria2c, given a magnet link with no tracker and one of the lab's DHT nodes as its way in, finds the
    /// ZenFS seeder through the DHT alone and downloads the content whole.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/aria2c"), "needs aria2c"))
    func bitTorrentClientFindsTheSeederWithoutATracker() throws {
        let directory = TemporaryDirectory()
        let lab = try NetLab(nodes: 4)
        var nodes: [LabNode] = []
        for index in 1...3 {
            let bootstrap = index == 1 ? "none" : "\(try lab.address(1)):6881"
            nodes.append(
                try LabNode(lab: lab, index: index, in: directory.path, extra: ["--dht-bootstrap", bootstrap])
            )
        }
        let source = directory.randomFile("swarmless.bin", count: 600_000, seed: 25)
        let added = try nodes[2].zenfs(["add", source])
        #expect(added.status == 0, "\(added.error)")
        let infoHash = added.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let output = directory.path + "/aria2"
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let downloaded = try LabCommand.run(
            NetLab.script,
            lab.command(
                in: 4,
                [
                    "timeout", "120", "aria2c", "--enable-dht=true", "--dht-entry-point=\(try lab.address(1)):6881",
                    "--dht-listen-port=6881", "--dht-file-path=\(output)/dht.dat", "--listen-port=6882",
                    "--bt-enable-lpd=false", "--enable-peer-exchange=false", "--seed-time=0", "--bt-stop-timeout=100",
                    "--summary-interval=0", "--console-log-level=warn", "-d", output, "magnet:?xt=urn:btih:\(infoHash)",
                ]
            )
        )
        #expect(downloaded.status == 0, "\(downloaded.text) \(downloaded.error)")
        #expect(
            FileManager.default.contents(atPath: output + "/swarmless.bin")
                == FileManager.default.contents(atPath: source)
        )
        for node in nodes { #expect(node.stop(), "node \(node.index): \(node.log().suffix(2000))") }
    }

    /// Nodes that listen on 0.0.0.0 and advertise nothing still find each other: the neighbour that relays
    /// the first node's query puts in the address it sees that node at, and the answer's holder address is
    /// replaced by the address the answer came from, so neither side dials 0.0.0.0 (which is itself).
    @Test func wildcardListenersAreReachedAtTheirObservedAddresses() throws {
        let directory = TemporaryDirectory()
        let lab = try NetLab(nodes: 3)
        let asker = try LabNode(lab: lab, index: 1, in: directory.path, listensEverywhere: true)
        let middle = try LabNode(lab: lab, index: 2, in: directory.path, peers: [asker])
        let holder = try LabNode(lab: lab, index: 3, in: directory.path, peers: [middle], listensEverywhere: true)
        #expect(middle.waitForPeers(2), "\(middle.log().suffix(2000))")
        let source = directory.randomFile("wildcard.bin", count: 400_000, seed: 26)
        let added = try holder.zenfs(["add", source])
        #expect(added.status == 0, "\(added.error)")
        let infoHash = added.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let got = try asker.zenfs(["get", infoHash, "--to", directory.path + "/out"])
        #expect(got.status == 0, "\(got.error)\n\(asker.log().suffix(2000))\n\(holder.log().suffix(2000))")
        #expect(
            FileManager.default.contents(atPath: directory.path + "/out/wildcard.bin")
                == FileManager.default.contents(atPath: source)
        )
        let peers = asker.status()?.peers.map(\.address) ?? []
        #expect(peers.contains("0.0.0.0:\(LabNode.port)"), "the holder connected to the asker: \(peers)")
        for node in [asker, middle, holder] { #expect(node.stop(), "node \(node.index): \(node.log().suffix(2000))") }
    }
}
