import Foundation
import Node
import TestSupport
import Testing

/// Real nodes mining the development chain.
@Suite(.serialized)
struct ChainNetworkTests {
    static func chain(_ node: NodeProcess) -> ChainStatusInfo? {
        guard let result = try? node.runner.zenfs(["chain", "status", "--json"]), result.status == 0 else { return nil }
        return try? JSONDecoder().decode(ChainStatusInfo.self, from: result.output)
    }

    static func balance(_ node: NodeProcess, _ address: String) -> Int64? {
        struct Shown: Decodable { let units: Int64 }
        guard let result = try? node.runner.zenfs(["wallet", "balance", "--address", address, "--json"]),
            result.status == 0
        else { return nil }
        return (try? JSONDecoder().decode(Shown.self, from: result.output))?.units
    }

    /// Two nodes mine apart, the second more slowly and with a faucet payment and a payment in its chain; once
    /// connected, the second reorganizes to the heavier chain, its payments return to its memory pool and are
    /// mined again, and both agree on the tip and on every balance; no coin is created or lost.
    @Test func lighterChainReorganizesToTheHeavier() throws {
        let directory = TemporaryDirectory()
        let heavy = try NodeProcess(
            in: directory.path,
            name: "heavy",
            extra: ["--block-interval", "0.4"],
            mining: true
        )
        let light = try NodeProcess(
            in: directory.path,
            name: "light",
            extra: ["--block-interval", "2.5"],
            mining: true
        )
        #expect(MountCrashTests.waitUntil(seconds: 20) { (Self.chain(light)?.height ?? 0) >= 1 })

        let recipient = try light.runner.zenfs(["wallet", "new", "--data-dir", directory.path + "/recipient"]).text
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // The light node's wallet holds only its own key: the faucet funds it before it pays.
        let funded = try light.runner.zenfs(["wallet", "faucet", "20", "--wait", "--timeout", "30"])
        #expect(funded.status == 0, "\(funded.error)")
        let sent = try light.runner.zenfs(["wallet", "send", recipient, "10"])
        #expect(sent.status == 0, "\(sent.error)")
        let payment = sent.text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(MountCrashTests.waitUntil(seconds: 20) { Self.balance(light, recipient) == 1_000_000_000 })
        let lightTipBefore = try #require(Self.chain(light))
        #expect(
            MountCrashTests.waitUntil(seconds: 20) {
                (Self.chain(heavy)?.height ?? 0) > (Self.chain(light)?.height ?? 0) + 3
            }
        )
        #expect(Self.balance(heavy, recipient) == 0)

        #expect(try light.runner.zenfs(["peer", "add", heavy.address]).status == 0)
        #expect(
            MountCrashTests.waitUntil(seconds: 30) {
                guard let a = Self.chain(heavy), let b = Self.chain(light) else { return false }
                return a.tip == b.tip && a.height > lightTipBefore.height
            },
            "the tips did not meet:\n\(light.log())"
        )
        #expect(light.log().contains("chain reorganized"))
        // The payment left the light chain with its blocks, went back to the memory pool and is mined again.
        #expect(
            MountCrashTests.waitUntil(seconds: 30) {
                Self.balance(heavy, recipient) == 1_000_000_000 && Self.balance(light, recipient) == 1_000_000_000
            },
            "\(light.log())"
        )
        let shown = try light.runner.zenfs(["chain", "tx", payment, "--json"])
        #expect(shown.status == 0 && shown.text.contains("\"height\""), "\(shown.text) \(shown.error)")
        for node in [heavy, light] {
            let status = try #require(Self.chain(node))
            // Coins: the premine plus 50 ZEN per block, fees included in rewards, nothing else.
            let expected = 1_000_000 + 50 * Int64(status.height)
            #expect(status.coins == "\(expected).00000000", "\(node.name): \(status.coins) at height \(status.height)")
        }
        for node in [heavy, light] {
            let audit = try #require(FaucetTests.audit(node))
            #expect(audit.holds, "\(node.name): \(audit)")
        }
        for node in [heavy, light] {
            let running = node.process.isRunning
            #expect(
                node.stop(),
                "\(node.name) (running: \(running), status \(node.process.terminationStatus)): \(node.log().suffix(3000))"
            )
        }
    }
}
