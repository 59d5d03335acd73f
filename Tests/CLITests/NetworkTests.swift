import Foundation
import Glibc
import Node
import TestSupport
import Testing
import ZenFS

/// Real `zenfs node` processes talking over loopback.
@Suite(.serialized)
struct NetworkTests {
    /// Five nodes in a line A–B–C–D–E: a file added on A is found by a search from E and read through E's
    /// mount byte for byte; every node forwards each query at most once.
    @Test func lineOfFiveNodes() throws {
        let directory = TemporaryDirectory()
        var nodes: [NodeProcess] = []
        for name in ["a", "b", "c", "d", "e"] {
            nodes.append(try NodeProcess(in: directory.path, name: name, peers: nodes.last.map { [$0] } ?? []))
        }
        for (index, node) in nodes.enumerated() {
            #expect(node.waitForPeers(index == 0 || index == 4 ? 1 : 2), "\(node.name): \(node.log())")
        }
        let (a, e) = (nodes[0], nodes[4])
        let source = directory.randomFile("line.bin", count: 3_000_000 + 123, seed: 5)
        let added = try a.runner.zenfs(["add", source, "--tag", "line-test"])
        #expect(added.status == 0, "\(added.error)")
        let infoHash = added.text.trimmingCharacters(in: .whitespacesAndNewlines)

        let search = try e.runner.zenfs(["search", "--tag", "line-test", "--json"])
        #expect(search.status == 0, "\(search.error)")
        #expect(search.text.contains(infoHash) && search.text.contains(a.address), "\(search.text)")
        let withMetainfo = try e.runner.zenfs(["search", "--tag", "line-test", "--with-metainfo", "--json"])
        struct Hit: Decodable { let infoHash: String; let metainfo: String? }
        let hits = try JSONDecoder().decode([Hit].self, from: withMetainfo.output)
        let carried = try #require(hits.first { $0.infoHash == infoHash }?.metainfo.flatMap { Data(base64Encoded: $0) })
        #expect(try Metainfo(parsing: [UInt8](carried)).infoHash.hex == infoHash)

        let mountPoint = directory.path + "/mnt"
        defer { _ = try? CommandRunner.run("fusermount3", ["-uz", mountPoint]) }
        let mounted = try e.runner.zenfs(["mount", mountPoint])
        #expect(mounted.status == 0, "\(mounted.error)")
        let read = FileManager.default.contents(atPath: "\(mountPoint)/.zen/by-infohash/\(infoHash)/line.bin")
        #expect(read == FileManager.default.contents(atPath: source), "\(e.log())")
        #expect(try e.runner.zenfs(["umount", mountPoint]).status == 0)

        for node in nodes {
            let counters = try #require(node.status()?.counters)
            #expect(
                counters.queriesForwarded <= counters.queriesReceived - counters.queriesDuplicate,
                "\(node.name) forwarded a query twice: \(counters)"
            )
        }
        // The queries crossed the middle of the line and A answered them.
        #expect((nodes[2].status()?.counters.queriesForwarded ?? 0) > 0)
        #expect((a.status()?.counters.answersSent ?? 0) > 0)
        #expect((a.status()?.counters.elementsServed ?? 0) >= 12)
        for node in nodes { #expect(node.stop(), "\(node.name) did not stop cleanly: \(node.log())") }
    }

    /// A lying node that serves corrupt parts is detected and banned, the read completes from an honest holder,
    /// and no corrupt element is stored.
    @Test func lyingNodeIsBanned() throws {
        let directory = TemporaryDirectory()
        let liar = try NodeProcess(in: directory.path, name: "liar", extra: ["--testing-serve-corrupt-parts"])
        let honest = try NodeProcess(in: directory.path, name: "honest", peers: [liar])
        let client = try NodeProcess(in: directory.path, name: "client", peers: [liar])
        let source = directory.randomFile("shared.bin", count: 5_000_000, seed: 9)
        let infoHash = try liar.runner.zenfs(["add", source]).text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try honest.runner.zenfs(["add", source]).text.contains(infoHash))
        #expect(honest.waitForPeers(1), "\(honest.log())\n\(liar.log())")
        #expect(client.waitForPeers(1), "\(client.log())")

        let got = try client.runner.zenfs(["get", infoHash, "--to", directory.path + "/out"])
        #expect(got.status == 0, "\(got.error)\n\(client.log())")
        #expect(
            FileManager.default.contents(atPath: directory.path + "/out/shared.bin")
                == FileManager.default.contents(atPath: source)
        )
        let counters = try #require(client.status()?.counters)
        #expect(counters.corruptElementsReceived >= 1, "\(counters)")
        #expect(counters.peersBanned >= 1, "\(counters)")
        #expect(client.status()?.peers.contains { $0.address == liar.address } == false)
        _ = client.stop()
        #expect(try Self.isHealthy(client), "corrupt or missing elements after the transfer")
    }

    /// A holder killed in the middle of a transfer: the transfer completes from the other holder, and no
    /// corrupt element is stored anywhere.
    @Test func holderKilledMidTransfer() throws {
        let directory = TemporaryDirectory()
        let first = try NodeProcess(in: directory.path, name: "h1")
        let second = try NodeProcess(in: directory.path, name: "h2")
        let client = try NodeProcess(in: directory.path, name: "client", peers: [first, second])
        let source = directory.randomFile("big.bin", count: 160 << 20, seed: 3)
        let infoHash = try first.runner.zenfs(["add", source]).text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try second.runner.zenfs(["add", source]).text.contains(infoHash))
        #expect(client.waitForPeers(2))

        let errors = directory.path + "/get.err"
        let get = try client.runner.startZenfs(["get", infoHash, "--to", directory.path + "/out"], errorPath: errors)
        var victim: NodeProcess?
        _ = MountCrashTests.waitUntil(seconds: 30) {
            let served = [first, second].map { ($0, $0.status()?.counters.elementsServed ?? 0) }
            guard let busiest = served.max(by: { $0.1 < $1.1 }), busiest.1 >= 8 else { return false }
            victim = busiest.0
            return true
        }
        let killedMidway = get.isRunning
        if let victim { kill(victim.process.processIdentifier, SIGKILL) }
        get.waitUntilExit()
        #expect(victim != nil && killedMidway, "the transfer ended before a holder could be killed")
        let message = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        #expect(get.terminationStatus == 0, "\(message)\n\(client.log())")
        #expect(
            FileManager.default.contents(atPath: directory.path + "/out/big.bin")
                == FileManager.default.contents(atPath: source)
        )
        _ = client.stop()
        #expect(try Self.isHealthy(client), "corrupt or missing elements after the transfer")
    }

    /// A holder that takes seconds to answer does not hold the transfer up: after a deadline derived from the
    /// measured latency each request is hedged to the other holder, and the whole file arrives long before the
    /// slow holder could have sent even one part.
    @Test func slowHolderIsHedged() throws {
        let directory = TemporaryDirectory()
        let slow = try NodeProcess(in: directory.path, name: "slow", extra: ["--testing-serve-delay", "20"])
        let quick = try NodeProcess(in: directory.path, name: "quick")
        let client = try NodeProcess(in: directory.path, name: "client", peers: [slow, quick])
        let source = directory.randomFile("hedged.bin", count: 6_000_000, seed: 11)
        let infoHash = try slow.runner.zenfs(["add", source]).text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try quick.runner.zenfs(["add", source]).text.contains(infoHash))
        #expect(client.waitForPeers(2))
        let started = Date()
        let got = try client.runner.zenfs(["get", infoHash, "--to", directory.path + "/out"])
        let elapsed = Date().timeIntervalSince(started)
        #expect(got.status == 0, "\(got.error)\n\(client.log())")
        #expect(elapsed < 15, "took \(elapsed) s: requests waited for the slow holder")
        #expect(
            FileManager.default.contents(atPath: directory.path + "/out/hedged.bin")
                == FileManager.default.contents(atPath: source)
        )
        #expect((quick.status()?.counters.elementsServed ?? 0) >= 23)
    }

    /// A node whose quota cannot hold a file refuses to fetch it with the quota's message and stores none of
    /// its parts, and its mount answers `EDQUOT` for the file; with a larger quota the same `get` completes.
    @Test func fetchStaysWithinTheQuota() throws {
        let directory = TemporaryDirectory()
        let holder = try NodeProcess(in: directory.path, name: "holder")
        let client = try NodeProcess(in: directory.path, name: "client", peers: [holder])
        let source = directory.randomFile("wide.bin", count: 3_000_000, seed: 13)
        let infoHash = try holder.runner.zenfs(["add", source]).text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(client.waitForPeers(1), "\(client.log())")
        #expect(try client.runner.zenfs(["quota", "--set", "1M"]).status == 0)

        let refused = try client.runner.zenfs(["get", infoHash, "--to", directory.path + "/refused"])
        #expect(refused.status != 0)
        #expect(refused.error.contains("quota"), "\(refused.error)")
        #expect((client.status()?.counters.elementsFetched ?? 0) <= 1, "parts were fetched past the quota")
        let mountPoint = directory.path + "/mnt"
        defer { _ = try? CommandRunner.run("fusermount3", ["-uz", mountPoint]) }
        #expect(try client.runner.zenfs(["mount", mountPoint]).status == 0)
        let descriptor = open("\(mountPoint)/.zen/by-infohash/\(infoHash)/wide.bin", O_RDONLY)
        let failure = errno
        if descriptor >= 0 { close(descriptor) }
        #expect(descriptor < 0 && failure == EDQUOT, "open gave \(descriptor), errno \(failure)")
        #expect(try client.runner.zenfs(["umount", mountPoint]).status == 0)

        #expect(try client.runner.zenfs(["quota", "--set", "64M"]).status == 0)
        let got = try client.runner.zenfs(["get", infoHash, "--to", directory.path + "/out"])
        #expect(got.status == 0, "\(got.error)\n\(client.log())")
        #expect(
            FileManager.default.contents(atPath: directory.path + "/out/wide.bin")
                == FileManager.default.contents(atPath: source)
        )
        _ = client.stop()
        #expect(try Self.isHealthy(client))
    }

    /// `zenfs verify` re-hashes every element of a stopped node: nothing quarantined, nothing missing.
    static func isHealthy(_ node: NodeProcess) throws -> Bool {
        struct Report: Decodable {
            let healthy: Bool
            let quarantined: [String]
            let missing: [String]
        }
        let verified = try node.runner.zenfs(["verify", "--json"])
        guard let report = try? JSONDecoder().decode(Report.self, from: verified.output) else { return false }
        return report.healthy && report.quarantined.isEmpty && report.missing.isEmpty
    }
}
