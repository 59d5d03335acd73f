import Foundation
import Node
import TestSupport
import Testing

/// Distinct money between real nodes: wallets start empty, the development faucet funds them exactly, payments
/// move exactly their amount, and the chain audit holds.
@Suite(.serialized)
struct FaucetTests {
    static let zen: Int64 = 100_000_000
    static let fee: Int64 = 10_000

    /// The units at the wallet's addresses (or at `address`) on the node's main chain.
    static func balance(_ node: NodeProcess, address: String? = nil) -> Int64? {
        struct Shown: Decodable { let units: Int64 }
        let arguments = ["wallet", "balance", "--json"] + (address.map { ["--address", $0] } ?? [])
        guard let result = try? node.runner.zenfs(arguments), result.status == 0 else { return nil }
        return (try? JSONDecoder().decode(Shown.self, from: result.output))?.units
    }

    static func audit(_ node: NodeProcess) -> ChainAudit? {
        guard let result = try? node.runner.zenfs(["chain", "audit", "--json"]), result.status == 0 else { return nil }
        return try? JSONDecoder().decode(ChainAudit.self, from: result.output)
    }

    static func transaction(_ node: NodeProcess, _ id: String) -> TransactionInfo? {
        guard let result = try? node.runner.zenfs(["chain", "tx", id, "--json"]), result.status == 0 else { return nil }
        return try? JSONDecoder().decode(TransactionInfo.self, from: result.output)
    }

    static func firstAddress(_ node: NodeProcess) throws -> String {
        let result = try node.runner.zenfs(["wallet", "address", "--json"])
        let addresses = try JSONDecoder().decode([String].self, from: result.output)
        #expect(addresses.count == 1, "a fresh wallet holds one key: \(addresses)")
        return try #require(addresses.first)
    }

    static func line(_ result: CommandRunner.Result) -> String {
        result.text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A miner and two non-mining nodes: both wallets start at zero; the faucet, called twice in a row on one
    /// node and once on the other, pays each exactly what it asked; a payment between them moves exactly its
    /// amount, its fee goes to the miner's coinbase; the premine keeps the rest; every node's audit holds.
    @Test func faucetFundsDistinctWalletsAndPaymentsMoveExactly() throws {
        let directory = TemporaryDirectory()
        let miner = try NodeProcess(
            in: directory.path,
            name: "miner",
            extra: ["--block-interval", "0.5"],
            mining: true
        )
        let alice = try NodeProcess(in: directory.path, name: "alice", peers: [miner])
        let bob = try NodeProcess(in: directory.path, name: "bob", peers: [miner])
        #expect(alice.waitForPeers(1) && bob.waitForPeers(1))
        #expect(Self.balance(alice) == 0)
        #expect(Self.balance(bob) == 0)
        let aliceAddress = try Self.firstAddress(alice)
        let bobAddress = try Self.firstAddress(bob)
        #expect(aliceAddress != bobAddress)

        // Twice in a row: the second spends the first's change in the memory pool.
        let first = try alice.runner.zenfs(["wallet", "faucet", "10"])
        #expect(first.status == 0, "\(first.error)")
        let second = try alice.runner.zenfs(["wallet", "faucet", "15", "--wait", "--timeout", "60"])
        #expect(second.status == 0, "\(second.error)\n\(alice.log().suffix(2000))")
        #expect(MountCrashTests.waitUntil(seconds: 30) { Self.transaction(alice, Self.line(first))?.height != nil })
        #expect(Self.balance(alice) == 25 * Self.zen)
        let secondInfo = try #require(Self.transaction(alice, Self.line(second)))
        #expect(secondInfo.outputs.first?.address == aliceAddress)
        let premineAddress = try #require(secondInfo.outputs.last?.address)

        // Bob's node learns of Alice's payments before its own faucet payment, which then spends their change.
        #expect(MountCrashTests.waitUntil(seconds: 30) { Self.transaction(bob, Self.line(second))?.height != nil })
        let third = try bob.runner.zenfs(["wallet", "faucet", "7.5", "--wait", "--timeout", "60"])
        #expect(third.status == 0, "\(third.error)\n\(bob.log().suffix(2000))")
        #expect(Self.balance(bob) == 750_000_000)
        #expect(Self.balance(alice) == 25 * Self.zen)

        let paid = try alice.runner.zenfs(["wallet", "send", bobAddress, "3"])
        #expect(paid.status == 0, "\(paid.error)")
        let payment = Self.line(paid)
        #expect(
            MountCrashTests.waitUntil(seconds: 30) {
                Self.balance(bob) == 1_050_000_000 && Self.balance(alice) == 22 * Self.zen - Self.fee
            },
            "alice \(Self.balance(alice) ?? -1), bob \(Self.balance(bob) ?? -1)"
        )
        #expect(MountCrashTests.waitUntil(seconds: 30) { Self.transaction(miner, payment)?.height != nil })
        let height = try #require(Self.transaction(miner, payment)?.height)
        // The payment's block pays the miner its subsidy and the payment's fee, nothing more.
        let history = try JSONDecoder().decode(
            [HistoryEntry].self,
            from: try miner.runner.zenfs(["wallet", "history", "--json"]).output
        )
        #expect(history.filter { $0.height == height }.map(\.units) == [50 * Self.zen + Self.fee])
        #expect(
            MountCrashTests.waitUntil(seconds: 30) {
                Self.balance(alice, address: premineAddress)
                    == 1_000_000 * Self.zen - (10 + 15) * Self.zen - 750_000_000 - 3 * Self.fee
            }
        )

        for node in [miner, alice, bob] {
            let audit = try #require(Self.audit(node))
            #expect(audit.holds, "\(node.name): \(audit)")
            #expect(audit.premineUnits == 1_000_000 * Self.zen)
            #expect(audit.subsidyUnits == 50 * Self.zen * Int64(audit.height))
            #expect(audit.unspentUnits == audit.premineUnits + audit.subsidyUnits)
            let shown = try node.runner.zenfs(["chain", "audit"])
            #expect(shown.status == 0 && shown.text.contains("holds"), "\(shown.text) \(shown.error)")
        }
        for node in [alice, bob, miner] { #expect(node.stop(), "\(node.name): \(node.log().suffix(2000))") }
    }

    /// Without a miner, `--wait` gives up after its timeout with a message naming the transaction, which
    /// stays in the memory pool; a malformed amount is refused before the node is asked.
    @Test func waitingWithoutAMinerTimesOutClearly() throws {
        let directory = TemporaryDirectory()
        let node = try NodeProcess(in: directory.path, name: "alone")
        #expect(Self.balance(node) == 0)
        let waited = try node.runner.zenfs(["wallet", "faucet", "1", "--wait", "--timeout", "1.5"])
        #expect(waited.status != 0)
        #expect(waited.error.contains("not in a block"), "\(waited.error)")
        let status = try node.runner.zenfs(["chain", "status", "--json"])
        #expect(try JSONDecoder().decode(ChainStatusInfo.self, from: status.output).mempool == 1)
        let malformed = try node.runner.zenfs(["wallet", "faucet", "1.123456789"])
        #expect(malformed.status != 0 && malformed.error.contains("not an amount"), "\(malformed.error)")
        #expect(Self.audit(node)?.holds == true)
        #expect(node.stop())
    }

    /// Four faucet calls at once on one node: each builds from the pool as the others leave it (or builds again
    /// when another took its output first), so all four are accepted and the pool holds four payments.
    @Test func concurrentFaucetCallsOnOneNodeAllSucceed() throws {
        let directory = TemporaryDirectory()
        let node = try NodeProcess(in: directory.path, name: "busy")
        let calls = try (1...4).map { amount in
            try node.runner.startZenfs(
                ["wallet", "faucet", "\(amount)"],
                errorPath: directory.path + "/faucet-\(amount).err"
            )
        }
        for call in calls { call.waitUntilExit() }
        for (index, call) in calls.enumerated() {
            let error =
                (try? String(contentsOfFile: directory.path + "/faucet-\(index + 1).err", encoding: .utf8)) ?? ""
            #expect(call.terminationStatus == 0, "faucet \(index + 1): \(error)")
        }
        let status = try node.runner.zenfs(["chain", "status", "--json"])
        #expect(try JSONDecoder().decode(ChainStatusInfo.self, from: status.output).mempool == 4)
        #expect(node.stop())
    }

    /// On the test network the faucet is refused with a message naming both networks; its audit still holds
    /// (no premine, no blocks).
    @Test func theFaucetIsRefusedOnTheTestNetwork() throws {
        let directory = TemporaryDirectory()
        let node = try NodeProcess(in: directory.path, name: "testnet", extra: ["--network", "testnet"])
        let refused = try node.runner.zenfs(["wallet", "faucet", "1"])
        #expect(refused.status != 0)
        #expect(refused.error.contains("development network") && refused.error.contains("testnet"), "\(refused.error)")
        let audit = try #require(Self.audit(node))
        #expect(audit.holds && audit.premineUnits == 0 && audit.height == 0)
        #expect(node.stop())
    }
}
