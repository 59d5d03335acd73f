import Chain
import Testing

struct AnnouncementTests {
    static func identity(_ key: PrivateKey) -> MinedIdentity {
        MinedIdentity.mine(publicKey: key.publicKey, target: TestChain.network.publisherIdentityTarget)!
    }

    /// A task offer with every field of the RFC's Task Details, mined and signed.
    static func task(publisher: PrivateKey, requiredAcceptanceBits: UInt32? = nil, timeout: UInt32 = 5) throws
        -> SignedAnnouncement
    {
        var requirements = VMRequirements()
        requirements.operatingSystems = ["dsl", "openwrt"]
        requirements.minimumBandwidthKbps = 10_000
        requirements.minimumStorageMiB = 2048
        requirements.minimumStorageIOPS = 500
        requirements.persistentStorageMiB = 512
        requirements.coreChoices = [.init(cores: 2, megahertz: 2000), .init(cores: 4, megahertz: 1500)]
        requirements.memoryPerCoreMiB = 1024
        requirements.memorySpeedMHz = 1600
        let offer = TaskOffer(
            taskID: Array("render-farm-42".utf8),
            requirements: requirements,
            minimumMachines: 10,
            connectAddress: "203.0.113.9:2222",
            leaseSeconds: 3600...86400,
            payoutIntervalSeconds: -60,
            ratePerUnit: Amount(units: 1500),
            acceptanceWindowBlocks: 30,
            informationURL: "https://zn.example/t42",
            requiredAcceptanceBits: requiredAcceptanceBits
        )
        var announcement = SignedAnnouncement(issuer: identity(publisher), body: .task(offer), timeoutBlocks: timeout)
        let mined = announcement.mine(target: TestChain.parameters.taskTarget)
        #expect(mined)
        try announcement.sign(with: publisher)
        return announcement
    }

    static func acceptance(of task: Hash256, by node: PrivateKey, target: CompactTarget) throws -> SignedAnnouncement {
        var announcement = SignedAnnouncement(issuer: identity(node), body: .acceptance(task: task), timeoutBlocks: 5)
        let mined = announcement.mine(target: target)
        #expect(mined)
        try announcement.sign(with: node)
        return announcement
    }

    /// Task and acceptance announcements stay within a few hundred bytes (RFC technical note 3).
    @Test func sizes() throws {
        let key = try PrivateKey.generate()
        let task = Transaction.announcement(try Self.task(publisher: key))
        let accept = Transaction.announcement(
            try Self.acceptance(of: task.id, by: key, target: TestChain.parameters.acceptanceTarget)
        )
        #expect(task.encoded.count <= 300, "task announcement: \(task.encoded.count) bytes")
        #expect(accept.encoded.count <= 200, "acceptance: \(accept.encoded.count) bytes")
    }

    /// A task and its acceptance enter the chain, live for their timeout, and are pruned after it; reverting the
    /// pruning block brings them back.
    @Test func liveThenPruned() throws {
        var chain = try TestChain()
        let publisher = try PrivateKey.generate()
        let node = try PrivateKey.generate()
        let task = Transaction.announcement(try Self.task(publisher: publisher, timeout: 3))
        try chain.extend([task])
        let accept = Transaction.announcement(
            try Self.acceptance(of: task.id, by: node, target: TestChain.parameters.acceptanceTarget)
        )
        try chain.extend([accept])
        #expect(chain.state.announcements[task.id] != nil && chain.state.announcements[accept.id] != nil)
        try chain.extend()
        try chain.extend()
        #expect(chain.state.announcements[task.id] == nil)
        #expect(chain.state.announcements[accept.id] != nil)
        chain.state.revert(chain.undos.removeLast())
        #expect(chain.state.announcements[task.id] != nil)
    }

    /// Every announcement rejection: too little work, a bad signature, an unknown task, a stricter target
    /// demanded by the task, a cancel by someone else, a bad timeout, a duplicate, an oversize one.
    @Test func rejections() throws {
        var chain = try TestChain()
        let publisher = try PrivateKey.generate()
        let node = try PrivateKey.generate()
        let strict = try #require(CompactTarget(bits: 0x1f0f_ffff))
        let task = Transaction.announcement(try Self.task(publisher: publisher, requiredAcceptanceBits: strict.bits))
        try chain.extend([task])

        var lazy = try Self.task(publisher: publisher)
        lazy.workNonce = 0
        while TestChain.parameters.taskTarget.isMet(by: lazy.workHash) { lazy.workNonce += 1 }
        try lazy.sign(with: publisher)
        #expect(throws: ConsensusError.insufficientAnnouncementWork) { try chain.state.check(.announcement(lazy)) }

        var forged = try Self.task(publisher: publisher)
        try forged.sign(with: node)
        #expect(throws: ConsensusError.badAnnouncementSignature) { try chain.state.check(.announcement(forged)) }

        let orphan = try Self.acceptance(
            of: Hash256.sha256([7]),
            by: node,
            target: TestChain.parameters.acceptanceTarget
        )
        #expect(throws: ConsensusError.unknownTask(Hash256.sha256([7]))) {
            try chain.state.check(.announcement(orphan))
        }

        // Enough work for the network, not for this publisher's stricter demand.
        var weak = SignedAnnouncement(issuer: Self.identity(node), body: .acceptance(task: task.id), timeoutBlocks: 5)
        while !TestChain.parameters.acceptanceTarget.isMet(by: weak.workHash) || strict.isMet(by: weak.workHash) {
            weak.workNonce += 1
        }
        try weak.sign(with: node)
        #expect(throws: ConsensusError.insufficientAnnouncementWork) { try chain.state.check(.announcement(weak)) }
        let strong = try Self.acceptance(of: task.id, by: node, target: strict)
        #expect(try chain.state.check(.announcement(strong)) == .coins(0))

        var cancel = SignedAnnouncement(issuer: Self.identity(node), body: .cancel(task: task.id), timeoutBlocks: 5)
        let mined = cancel.mine(target: TestChain.parameters.taskTarget)
        #expect(mined)
        try cancel.sign(with: node)
        #expect(throws: ConsensusError.notTaskOwner) { try chain.state.check(.announcement(cancel)) }

        var eternal = try Self.task(publisher: publisher, timeout: 5000)
        try eternal.sign(with: publisher)
        #expect(throws: ConsensusError.badAnnouncementTimeout(5000)) { try chain.state.check(.announcement(eternal)) }

        #expect(throws: ConsensusError.duplicateAnnouncement(task.id)) { try chain.state.check(task) }

        let unmined = SignedAnnouncement(
            issuer: MinedIdentity(publicKey: publisher.publicKey, nonce: 0),
            body: .acceptance(task: task.id),
            timeoutBlocks: 5
        )
        var unminedNonce: UInt64 = 0
        while TestChain.network.nodeIdentityTarget.isMet(
            by: MinedIdentity(publicKey: node.publicKey, nonce: unminedNonce).hash
        ) {
            unminedNonce += 1
        }
        let weakIdentity = SignedAnnouncement(
            issuer: MinedIdentity(publicKey: node.publicKey, nonce: unminedNonce),
            body: .acceptance(task: task.id),
            timeoutBlocks: 5
        )
        _ = unmined
        #expect(throws: ConsensusError.insufficientIdentityWork) { try chain.state.check(.announcement(weakIdentity)) }

        var huge = try Self.task(publisher: publisher)
        if case .task(var offer) = huge.body {
            offer.requirements.operatingSystems = (0..<16).map {
                "operating-system-\($0)-" + String(repeating: "x", count: 40)
            }
            huge.body = .task(offer)
        }
        try huge.sign(with: publisher)
        let size = Transaction.announcement(huge).encoded.count
        #expect(throws: ConsensusError.announcementTooLarge(size: size, limit: 512)) {
            try chain.state.check(.announcement(huge))
        }
    }
}
