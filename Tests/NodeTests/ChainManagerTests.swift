import Chain
import Foundation
import Logging
import Node
import TestSupport
import Testing

struct ChainManagerTests {
    static let network = NetworkParameters.regtest

    static func mine(_ manager: ChainManager, time: inout UInt64, payee: Address, gap: UInt64 = 10) throws -> Block {
        time += gap
        var block = manager.template(algorithm: .sha256d, payee: payee, now: time)
        block.header = Miner.solve(block.header)!
        #expect(try manager.submit(block, now: time) == .accepted(newTip: true))
        return block
    }

    /// An announcement is pruned from `chain.sqlite` after its timeout: its block keeps only its id, the block's
    /// Merkle root still verifies, the stored bytes shrink, and a restarted manager replays to the same tip.
    @Test func announcementsArePrunedFromStorage() throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/chain.sqlite"
        let logger = Logger(label: "test")
        let manager = try ChainManager(network: Self.network, path: path, logger: logger)
        let publisher = try PrivateKey.generate()
        let payee = Address(publicKey: publisher.publicKey)
        var time: UInt64 = 1_000_000
        _ = try Self.mine(manager, time: &time, payee: payee)

        let identity = MinedIdentity.mine(publicKey: publisher.publicKey, target: Self.network.publisherIdentityTarget)!
        var announcement = SignedAnnouncement(
            issuer: identity,
            body: .proofOfStorage(metainfo: Array(repeating: 7, count: 20), rewardPerCheck: .coins(1)),
            timeoutBlocks: 2
        )
        let mined = announcement.mine(target: Self.network.chain.taskTarget)
        #expect(mined)
        try announcement.sign(with: publisher)
        let transaction = Transaction.announcement(announcement)
        #expect(try manager.submitTransaction(transaction))
        let holder = try Self.mine(manager, time: &time, payee: payee)
        #expect(holder.transactions.contains(transaction))
        #expect(manager.state.announcements[transaction.id] != nil)
        let bytesBefore = try manager.storedBytes()

        _ = try Self.mine(manager, time: &time, payee: payee)
        _ = try Self.mine(manager, time: &time, payee: payee)
        #expect(manager.state.announcements[transaction.id] == nil)
        let stored = try #require(try manager.block(holder.id))
        #expect(stored.transactions.contains(.pruned(transaction.id)))
        #expect(!stored.transactions.contains(transaction))
        #expect(Block.merkleRoot(of: stored.transactions) == stored.header.merkleRoot)
        #expect(stored.encoded.count < holder.encoded.count - 100)
        #expect(try manager.storedBytes() > bytesBefore)  // two more blocks, one pruned

        let tip = manager.tip
        let reopened = try ChainManager(network: Self.network, path: path, logger: logger)
        #expect(reopened.tip == tip)
        #expect(reopened.state.totalCoins == manager.state.totalCoins)
    }

    /// A channel's expiry covers its seconds at the configured spacing (4 s here) while blocks come slower, and at
    /// the pace of the newest 24 blocks when they come faster, so a fast miner cannot expire a channel early.
    @Test(arguments: [(gap: UInt64(10), blocks: UInt32(150)), (gap: 2, blocks: 300), (gap: 1, blocks: 600)])
    func expiryFollowsTheFasterOfSpacingAndPace(gap: UInt64, blocks: UInt32) throws {
        let directory = TemporaryDirectory()
        let manager = try ChainManager(
            network: Self.network,
            path: directory.path + "/chain.sqlite",
            logger: Logger(label: "test")
        )
        let payee = Address(publicKey: try PrivateKey.generate().publicKey)
        var time: UInt64 = 1_000_000
        #expect(manager.expiryHeight(coveringSeconds: 600) == 150 + 6)
        for _ in 0..<25 { _ = try Self.mine(manager, time: &time, payee: payee, gap: gap) }
        #expect(manager.tip.height == 25)
        #expect(manager.expiryHeight(coveringSeconds: 600) == 25 + blocks + 6)
        #expect(manager.expiryHeight(coveringSeconds: 600, margin: 0) == 25 + blocks)
        #expect(manager.expiryHeight(coveringSeconds: -5, margin: 0) == 25)
        #expect(manager.expiryHeight(coveringSeconds: .max) == UInt32.max)
    }

    /// Orphans wait for their parent; a block from another network's genesis is refused at open.
    @Test func orphansAndForeignStores() throws {
        let directory = TemporaryDirectory()
        let logger = Logger(label: "test")
        let source = try ChainManager(network: Self.network, path: directory.path + "/a.sqlite", logger: logger)
        let key = try PrivateKey.generate()
        var time: UInt64 = 1_000_000
        let first = try Self.mine(source, time: &time, payee: Address(publicKey: key.publicKey))
        let second = try Self.mine(source, time: &time, payee: Address(publicKey: key.publicKey))
        let sink = try ChainManager(network: Self.network, path: directory.path + "/b.sqlite", logger: logger)
        #expect(try sink.submit(second, now: time) == .orphan(missingParent: first.id))
        #expect(try sink.submit(first, now: time) == .accepted(newTip: true))
        #expect(sink.tip.hash == second.id)
        #expect(try sink.submit(second, now: time) == .alreadyKnown)
        #expect(throws: (any Error).self) {
            try ChainManager(network: .development, path: directory.path + "/a.sqlite", logger: logger)
        }
    }

    /// A node may demand more work of task announcements than the network does: it refuses to relay or mine
    /// weaker ones, which stay valid in blocks.
    @Test func stricterTaskWorkPolicy() throws {
        let directory = TemporaryDirectory()
        let strict = try #require(CompactTarget(bits: 0x1f0f_ffff))
        let manager = try ChainManager(
            network: Self.network,
            path: directory.path + "/chain.sqlite",
            logger: Logger(label: "test"),
            minimumTaskTarget: strict
        )
        let publisher = try PrivateKey.generate()
        let identity = MinedIdentity.mine(publicKey: publisher.publicKey, target: Self.network.publisherIdentityTarget)!
        var weak = SignedAnnouncement(
            issuer: identity,
            body: .proofOfStorage(metainfo: Array(repeating: 1, count: 20), rewardPerCheck: .coins(1)),
            timeoutBlocks: 5
        )
        var task = SignedAnnouncement(
            issuer: identity,
            body: .task(
                TaskOffer(
                    taskID: [1],
                    requirements: VMRequirements(),
                    minimumMachines: 1,
                    connectAddress: "198.51.100.1:22",
                    leaseSeconds: 60...120,
                    payoutIntervalSeconds: 30,
                    ratePerUnit: .coins(1),
                    acceptanceWindowBlocks: 10,
                    informationURL: ""
                )
            ),
            timeoutBlocks: 5
        )
        while !Self.network.chain.taskTarget.isMet(by: task.workHash) || strict.isMet(by: task.workHash) {
            task.workNonce += 1
        }
        try task.sign(with: publisher)
        #expect(throws: ChainError.taskWorkBelowPolicy) { try manager.submitTransaction(.announcement(task)) }
        let mined = task.mine(target: strict)
        #expect(mined)
        try task.sign(with: publisher)
        #expect(try manager.submitTransaction(.announcement(task)))
        // Only tasks are held to the stricter target.
        let minedWeak = weak.mine(target: Self.network.chain.taskTarget)
        #expect(minedWeak)
        try weak.sign(with: publisher)
        #expect(try manager.submitTransaction(.announcement(weak)))
    }

    /// Networks differ by genesis and id; a data directory's chain belongs to one.
    @Test func networksAreDistinct() {
        #expect(NetworkParameters.named("testnet")?.chain.genesis.id != NetworkParameters.development.chain.genesis.id)
        #expect(NetworkParameters.testnet.id != NetworkParameters.development.id)
        #expect(NetworkParameters.named("mainnet-someday") == nil)
    }
}
