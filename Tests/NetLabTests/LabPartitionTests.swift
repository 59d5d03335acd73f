import Foundation
import Node
import TestSupport
import Testing

/// Two mining hosts split by a partition and joined again.
@Suite(.serialized, .enabled(if: NetLab.available, "needs root and iptables for network namespaces"))
struct LabPartitionTests {
    static func chain(_ node: LabNode) -> ChainStatusInfo? {
        guard let result = try? node.zenfs(["chain", "status", "--json"]), result.status == 0 else { return nil }
        return try? JSONDecoder().decode(ChainStatusInfo.self, from: result.output)
    }

    static func balance(_ node: LabNode, _ address: String) -> Int64? {
        struct Shown: Decodable { let units: Int64 }
        guard let result = try? node.zenfs(["wallet", "balance", "--address", address, "--json"]), result.status == 0
        else { return nil }
        return (try? JSONDecoder().decode(Shown.self, from: result.output))?.units
    }

    static func audit(_ node: LabNode) -> ChainAudit? {
        guard let result = try? node.zenfs(["chain", "audit", "--json"]), result.status == 0 else { return nil }
        return try? JSONDecoder().decode(ChainAudit.self, from: result.output)
    }

    /// The hosts share a chain, then a partition splits them: each mines its own branch, the slower one with a
    /// payment in it. Once the partition heals the slower host reorganizes to the heavier branch, its payment
    /// goes back to the memory pool and is mined again, and both agree on the tip and every balance to the unit.
    @Test func partitionHealsToTheHeaviestChain() throws {
        let directory = TemporaryDirectory()
        let lab = try NetLab(nodes: 2)
        let quick = ["--idle-timeout", "3"]
        let heavy = try LabNode(
            lab: lab,
            index: 1,
            in: directory.path,
            mining: true,
            extra: quick + ["--block-interval", "0.4"]
        )
        let light = try LabNode(
            lab: lab,
            index: 2,
            in: directory.path,
            peers: [heavy],
            mining: true,
            extra: quick + ["--block-interval", "2.5"]
        )
        #expect(
            LabCommand.waitUntil(seconds: 30) {
                guard let a = Self.chain(heavy), let b = Self.chain(light) else { return false }
                return a.height >= 2 && a.tip == b.tip
            },
            "the hosts did not share a chain: \(light.log().suffix(2000))"
        )

        try lab.cut(1, 2)
        #expect(LabCommand.waitUntil(seconds: 20) { light.status()?.peers.isEmpty == true }, "the cut kept the peers")
        let recipient = try light.zenfs(["wallet", "new", "--data-dir", directory.path + "/recipient"]).text
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let funded = try light.zenfs(["wallet", "faucet", "20", "--wait", "--timeout", "60"])
        #expect(funded.status == 0, "\(funded.error)")
        let sent = try light.zenfs(["wallet", "send", recipient, "10"])
        #expect(sent.status == 0, "\(sent.error)")
        #expect(LabCommand.waitUntil(seconds: 30) { Self.balance(light, recipient) == 1_000_000_000 })
        let lightBefore = try #require(Self.chain(light))
        #expect(
            LabCommand.waitUntil(seconds: 30) {
                (Self.chain(heavy)?.height ?? 0) > (Self.chain(light)?.height ?? 0) + 3
            }
        )
        #expect(Self.balance(heavy, recipient) == 0)

        try lab.heal()
        #expect(
            LabCommand.waitUntil(seconds: 40) {
                guard let a = Self.chain(heavy), let b = Self.chain(light) else { return false }
                return a.tip == b.tip && a.height > lightBefore.height
            },
            "the tips did not meet after the heal:\n\(light.log().suffix(3000))"
        )
        #expect(light.log().contains("chain reorganized"))
        #expect(
            LabCommand.waitUntil(seconds: 40) {
                Self.balance(heavy, recipient) == 1_000_000_000 && Self.balance(light, recipient) == 1_000_000_000
            },
            """
            the payment was not mined again (memory pools: heavy \(Self.chain(heavy)?.mempool ?? -1), light \
            \(Self.chain(light)?.mempool ?? -1)):
            \(light.log().suffix(3000))
            heavy:
            \(heavy.log().suffix(3000))
            """
        )
        // Nothing is left waiting: the reverted transactions were mined again, none twice.
        #expect(
            LabCommand.waitUntil(seconds: 20) { Self.chain(heavy)?.mempool == 0 && Self.chain(light)?.mempool == 0 },
            "memory pools: heavy \(Self.chain(heavy)?.mempool ?? -1), light \(Self.chain(light)?.mempool ?? -1)"
        )
        for node in [heavy, light] {
            let audit = try #require(Self.audit(node))
            #expect(audit.holds, "node \(node.index): \(audit)")
        }
        for node in [heavy, light] { #expect(node.stop(), "node \(node.index): \(node.log().suffix(2000))") }
    }
}
