import Foundation
import Glibc
import Node
import TestSupport
import Testing

/// Real `zenfs node` processes on separate hosts (network namespaces made by `scripts/netlab`), through lossy,
/// slow and splitting links.
@Suite(.serialized, .enabled(if: NetLab.available, "needs root and iptables for network namespaces"))
struct LabFaultTests {
    /// The content's info-hash, added on `node`.
    static func add(_ path: String, on node: LabNode) throws -> String {
        let added = try node.zenfs(["add", path])
        #expect(added.status == 0, "\(added.error)")
        return added.text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Fetches content into `directory` on `node` and compares it with the original.
    static func getAndCompare(_ infoHash: String, on node: LabNode, to directory: String, original: String) throws {
        let got = try node.zenfs(["get", infoHash, "--to", directory])
        #expect(got.status == 0, "node \(node.index): \(got.error)\n\(node.log().suffix(2000))")
        let name = (original as NSString).lastPathComponent
        #expect(
            FileManager.default.contents(atPath: directory + "/" + name)
                == FileManager.default.contents(atPath: original),
            "node \(node.index) wrote different bytes"
        )
    }

    /// At 5% loss on every link and 50 ± 20 ms each way, content two hops away arrives whole and verified.
    @Test func transfersCompleteOverLossyLaggingLinks() throws {
        let directory = TemporaryDirectory()
        let lab = try NetLab(nodes: 3)
        let lag = (milliseconds: 50, jitter: 20)
        let holder = try LabNode(lab: lab, index: 1, in: directory.path, latency: lag)
        let middle = try LabNode(lab: lab, index: 2, in: directory.path, peers: [holder], latency: lag)
        let far = try LabNode(lab: lab, index: 3, in: directory.path, peers: [middle], latency: lag)
        for node in 1...3 { try lab.loss(node, 0.05) }
        let source = directory.randomFile("lossy.bin", count: 1_200_000, seed: 20)
        let infoHash = try Self.add(source, on: holder)
        #expect(middle.waitForPeers(2), "\(middle.log().suffix(2000))")
        try Self.getAndCompare(infoHash, on: far, to: directory.path + "/far", original: source)
        try Self.getAndCompare(infoHash, on: middle, to: directory.path + "/middle", original: source)
        // The links really were slow: the measured round trip to the peers that served includes both
        // directions' delay.
        let latencies = far.status()?.peers.compactMap(\.latencyMilliseconds) ?? []
        #expect(latencies.contains { $0 >= 40 }, "round trips \(latencies) ms")
        for node in [holder, middle, far] { #expect(node.stop(), "\(node.log().suffix(2000))") }
    }

    /// Two holders serve a slow transfer; one is killed (SIGKILL) halfway: the fetch goes on at the other and
    /// the bytes verify.
    @Test func killedHolderIsRoutedAround() throws {
        let directory = TemporaryDirectory()
        let lab = try NetLab(nodes: 3)
        let first = try LabNode(lab: lab, index: 1, in: directory.path)
        let second = try LabNode(lab: lab, index: 2, in: directory.path)
        let reader = try LabNode(lab: lab, index: 3, in: directory.path, peers: [first, second])
        let source = directory.randomFile("hedged.bin", count: 3_000_000, seed: 21)
        let infoHash = try Self.add(source, on: first)
        #expect(try Self.add(source, on: second) == infoHash)
        #expect(reader.waitForPeers(2), "\(reader.log().suffix(2000))")
        // About 2 s for the whole content from both: the kill lands in the middle.
        for holder in 1...2 { try lab.rate(holder, kilobits: 6_000) }
        let fetch = Process()
        fetch.executableURL = URL(fileURLWithPath: LabCommand.zenfs)
        fetch.arguments = ["get", infoHash, "--to", directory.path + "/out"]
        fetch.environment = ProcessInfo.processInfo.environment.merging(["ZENFS_DATA_DIR": reader.dataDirectory]) {
            $1
        }
        fetch.standardOutput = FileHandle.nullDevice
        fetch.standardError = FileHandle.nullDevice
        try fetch.run()
        #expect(
            LabCommand.waitUntil(seconds: 20) { (reader.status()?.counters.bytesFetched ?? 0) > 600_000 },
            "the transfer did not start: \(reader.log().suffix(2000))"
        )
        #expect(fetch.isRunning, "the transfer ended before the kill")
        first.kill()
        fetch.waitUntilExit()
        #expect(fetch.terminationStatus == 0, "\(reader.log().suffix(3000))")
        #expect(
            FileManager.default.contents(atPath: directory.path + "/out/hedged.bin")
                == FileManager.default.contents(atPath: source)
        )
        for node in [second, reader] { #expect(node.stop(), "\(node.log().suffix(2000))") }
    }

    /// Content acknowledged by `zenfs add` survives a SIGKILL of its node right after: the restarted node still
    /// lists it and serves it whole to another host.
    @Test func nodeKilledAfterAddLosesNothing() throws {
        let directory = TemporaryDirectory()
        let lab = try NetLab(nodes: 2)
        let holder = try LabNode(lab: lab, index: 1, in: directory.path)
        let reader = try LabNode(lab: lab, index: 2, in: directory.path, peers: [holder])
        let source = directory.randomFile("durable.bin", count: 800_000, seed: 22)
        let infoHash = try Self.add(source, on: holder)
        holder.kill()
        try holder.start()
        let shown = try holder.zenfs(["show", infoHash])
        #expect(shown.status == 0 && shown.text.contains("durable.bin"), "\(shown.text) \(shown.error)")
        let verified = try holder.zenfs(["verify"])
        #expect(verified.status == 0, "\(verified.text) \(verified.error)")
        #expect(reader.waitForPeers(1), "\(reader.log().suffix(2000))")
        try Self.getAndCompare(infoHash, on: reader, to: directory.path + "/out", original: source)
        for node in [holder, reader] { #expect(node.stop(), "\(node.log().suffix(2000))") }
    }

    /// A holder that serves corrupt parts is banned by the reader, which then fetches every part from an honest
    /// holder; after a restart the reader still refuses the liar (the ban is in `bans.json`).
    @Test func liarIsBannedAndTheBanSurvivesARestart() throws {
        let directory = TemporaryDirectory()
        let lab = try NetLab(nodes: 3)
        let liar = try LabNode(lab: lab, index: 1, in: directory.path, extra: ["--testing-serve-corrupt-parts"])
        let honest = try LabNode(lab: lab, index: 2, in: directory.path)
        let reader = try LabNode(
            lab: lab,
            index: 3,
            in: directory.path,
            peers: [liar, honest],
            extra: ["--fetch-timeout", "4"]
        )
        let source = directory.randomFile("contested.bin", count: 1_000_000, seed: 24)
        let infoHash = try Self.add(source, on: liar)
        #expect(reader.waitForPeers(2), "\(reader.log().suffix(2000))")
        // Only the liar holds it: every part it sends fails verification.
        let refused = try reader.zenfs(["get", infoHash, "--to", directory.path + "/refused"])
        #expect(refused.status != 0, "corrupt parts were accepted")
        #expect((reader.status()?.counters.peersBanned ?? 0) >= 1, "\(reader.log().suffix(2000))")
        let saved = (try? String(contentsOfFile: reader.dataDirectory + "/bans.json", encoding: .utf8)) ?? ""
        #expect(saved.contains(liar.peerAddress), "\(saved)")

        #expect(try Self.add(source, on: honest) == infoHash)
        try Self.getAndCompare(infoHash, on: reader, to: directory.path + "/out", original: source)
        #expect(reader.stop())
        try reader.start()
        #expect(reader.waitForPeers(1), "\(reader.log().suffix(2000))")
        // Three rounds of redialing the configured peers: the liar is never connected again.
        Thread.sleep(forTimeInterval: 6)
        let peers = reader.status()?.peers.map(\.address) ?? []
        #expect(peers.contains(honest.peerAddress) && !peers.contains(liar.peerAddress), "\(peers)")
        let dialed = try reader.zenfs(["peer", "add", liar.peerAddress])
        #expect(dialed.status != 0 && dialed.error.contains("banned"), "\(dialed.text) \(dialed.error)")
        for node in [liar, honest, reader] { #expect(node.stop(), "\(node.log().suffix(2000))") }
    }
}
