import Chain
import Testing

struct StorageTermsTests {
    static func storageOffer() -> TaskOffer {
        TaskOffer(
            taskID: Array("upload-7".utf8),
            requirements: VMRequirements(),
            minimumMachines: 3,
            connectAddress: "127.0.0.1:7600",
            leaseSeconds: 60...2_592_000,
            payoutIntervalSeconds: -30,
            ratePerUnit: Amount(units: 0),
            acceptanceWindowBlocks: 6,
            informationURL: "",
            storage: StorageTerms(
                bytesPerHolder: 3 << 30,
                replicas: 3,
                storagePricePerGiBMonth: Amount(units: 100_000_000),
                uploadPricePerGiB: Amount(units: 5_000_000),
                downloadPricePerGiB: Amount(units: 5_000_000)
            )
        )
    }

    /// A storage task round-trips with its terms; without terms the offer keeps the RFC's kind-0 bytes.
    @Test func roundTripsAndKeepsPlainTasks() throws {
        let key = try PrivateKey.generate()
        var announcement = SignedAnnouncement(
            issuer: AnnouncementTests.identity(key),
            body: .task(Self.storageOffer()),
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
        #expect(offer.storage?.bytesPerHolder == 3 << 30)
        #expect(offer.storage?.uploadPricePerGiB == Amount(units: 5_000_000))

        var plain = Self.storageOffer()
        plain.storage = nil
        let plainBytes = Transaction.announcement(
            SignedAnnouncement(issuer: announcement.issuer, body: .task(plain), timeoutBlocks: 5)
        ).encoded
        let storageBytes = Transaction.announcement(
            SignedAnnouncement(issuer: announcement.issuer, body: .task(Self.storageOffer()), timeoutBlocks: 5)
        ).encoded
        // Kind byte after the tag (1), key (33) and identity nonce (8).
        #expect(plainBytes[42] == 0 && storageBytes[42] == 4)
        #expect(storageBytes.count == plainBytes.count + 34)
    }

    /// A negative price is refused when decoding.
    @Test func negativePriceRefused() throws {
        let key = try PrivateKey.generate()
        var offer = Self.storageOffer()
        offer.storage?.downloadPricePerGiB = Amount(units: -1)
        let bytes = Transaction.announcement(
            SignedAnnouncement(issuer: AnnouncementTests.identity(key), body: .task(offer), timeoutBlocks: 5)
        ).encoded
        #expect(throws: CanonicalDecodingError.self) { try TransactionCodec.decode(bytes) }
    }
}
