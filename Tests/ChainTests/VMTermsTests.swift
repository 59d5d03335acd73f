import Chain
import Testing

struct VMTermsTests {
    static func vmOffer() -> TaskOffer {
        var requirements = VMRequirements()
        requirements.coreChoices = [VMRequirements.CoreChoice(cores: 2, megahertz: 0)]
        requirements.memoryPerCoreMiB = 256
        requirements.minimumStorageMiB = 1024
        return TaskOffer(
            taskID: Array("vm-3".utf8),
            requirements: requirements,
            minimumMachines: 1,
            connectAddress: "127.0.0.1:7600",
            leaseSeconds: 60...3600,
            payoutIntervalSeconds: 30,
            ratePerUnit: Amount(units: 0),
            acceptanceWindowBlocks: 6,
            informationURL: "",
            vm: VMTerms(
                coreHourPrice: Amount(units: 10_000_000),
                memoryGiBHourPrice: Amount(units: 2_000_000),
                diskGiBMonthPrice: Amount(units: 50_000_000),
                trafficGiBPrice: Amount(units: 1_000_000),
                tunnelAddress: "127.0.0.1:40022",
                tunnelHostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample",
                guestKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGuest publisher@host"
            )
        )
    }

    /// A VM task round-trips with its terms as kind 5; the RFC's fields keep their bytes.
    @Test func roundTripsAsKindFive() throws {
        let key = try PrivateKey.generate()
        var announcement = SignedAnnouncement(
            issuer: AnnouncementTests.identity(key),
            body: .task(Self.vmOffer()),
            timeoutBlocks: 5
        )
        let mined = announcement.mine(target: TestChain.parameters.taskTarget)
        #expect(mined)
        try announcement.sign(with: key)
        let transaction = Transaction.announcement(announcement)
        let decoded = try TransactionCodec.decode(transaction.encoded)
        #expect(decoded == transaction)
        guard case .announcement(let back) = decoded, case .task(let offer) = back.body else {
            Issue.record("not a task")
            return
        }
        #expect(offer.vm == Self.vmOffer().vm)
        #expect(offer.storage == nil)
        #expect(transaction.encoded[42] == 5)
    }

    /// A negative VM price is refused when decoding.
    @Test func negativePriceRefused() throws {
        let key = try PrivateKey.generate()
        var offer = Self.vmOffer()
        offer.vm?.trafficGiBPrice = Amount(units: -1)
        let bytes = Transaction.announcement(
            SignedAnnouncement(issuer: AnnouncementTests.identity(key), body: .task(offer), timeoutBlocks: 5)
        ).encoded
        #expect(throws: CanonicalDecodingError.self) { try TransactionCodec.decode(bytes) }
    }
}
