/// What makes an announcement acceptable: small, within its timeout bounds, from a mined identity of the right
/// role, carrying enough work (the network's, or the stricter target a task demands of its acceptances),
/// signed, and referring to a live task where it must.
enum AnnouncementRules {
    static func check(_ announcement: SignedAnnouncement, id: Hash256, in state: ChainState)
        throws(ConsensusError)
    {
        let parameters = state.parameters
        let size = Transaction.announcement(announcement).encoded.count
        guard size <= parameters.maximumAnnouncementSize else {
            throw .announcementTooLarge(size: size, limit: parameters.maximumAnnouncementSize)
        }
        guard (1...parameters.maximumAnnouncementTimeout).contains(announcement.timeoutBlocks) else {
            throw .badAnnouncementTimeout(announcement.timeoutBlocks)
        }
        guard state.announcements[id] == nil else { throw .duplicateAnnouncement(id) }
        let network = state.network
        var workTarget = parameters.taskTarget
        switch announcement.body {
        case .task, .proofOfStorage:
            guard announcement.issuer.meets(network.publisherIdentityTarget) else { throw .insufficientIdentityWork }
        case .cancel(let task):
            guard announcement.issuer.meets(network.publisherIdentityTarget) else { throw .insufficientIdentityWork }
            guard let live = state.announcements[task] else { throw .unknownTask(task) }
            guard live.announcement.issuer.publicKey == announcement.issuer.publicKey else { throw .notTaskOwner }
        case .acceptance(let task):
            guard announcement.issuer.meets(network.nodeIdentityTarget) else { throw .insufficientIdentityWork }
            guard let live = state.announcements[task], case .task(let offer) = live.announcement.body else {
                throw .unknownTask(task)
            }
            workTarget = parameters.acceptanceTarget
            if let bits = offer.requiredAcceptanceBits, let demanded = CompactTarget(bits: bits),
                demanded.value < workTarget.value
            {
                workTarget = demanded
            }
        }
        guard workTarget.isMet(by: announcement.workHash) else { throw .insufficientAnnouncementWork }
        guard let signature = announcement.signature,
            announcement.issuer.publicKey.verifies(
                signature,
                for: Transaction.announcement(announcement).signatureHash(input: 0)
            )
        else { throw .badAnnouncementSignature }
    }
}
