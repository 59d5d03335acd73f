import Foundation
import TestSupport
import Testing

/// The start of every market test: a temporary directory, a miner on loopback (a block every half second), a
/// publisher connected to it, and selling nodes made on demand. Every node is stopped when the test ends.
struct MarketCircuit {
    let directory = TemporaryDirectory()
    let miner: NodeProcess
    let publisher: NodeProcess

    var path: String { directory.path }

    init(publisherFlags: [String] = ["--payment-grace", "3s"]) throws {
        miner = try NodeProcess(
            in: directory.path,
            name: "miner",
            extra: ["--block-interval", "0.5", "--no-seeding"],
            mining: true
        )
        publisher = try NodeProcess(
            in: directory.path,
            name: "publisher",
            peers: [miner],
            extra: ["--no-seeding"] + publisherFlags
        )
    }

    /// A node selling 64 MiB at `floor` for storage, 0.01/GiB for upload and 0.02/GiB for download.
    func seller(_ name: String, floor: String, grace: String = "3s") throws -> NodeProcess {
        try StorageMarketTests.seller(in: path, name: name, miner: miner, storageFloor: floor, grace: grace)
    }

    /// `count` sellers named seller1, seller2, … at one floor.
    func sellers(_ count: Int, floor: String) throws -> [NodeProcess] {
        try (1...count).map { try seller("seller\($0)", floor: floor) }
    }

    /// Waits until every node (the publisher too) has a peer, then funds the publisher with `zen` from the
    /// faucet and waits for it.
    func connectAndFund(_ nodes: [NodeProcess], zen: String = "5") throws {
        for node in [publisher] + nodes { #expect(node.waitForPeers(1)) }
        let funded = try publisher.runner.zenfs(["wallet", "faucet", zen, "--wait"])
        try #require(funded.status == 0, "\(funded.text)")
    }
}
