import Chain
import Market
import Testing
import ZenFS

struct MarketMessageCodecTests {
    static let key = try! PrivateKey.generate()

    static func examples() throws -> [MarketMessage] {
        let task = Hash256.sha256([1])
        let channel = OutPoint(transaction: Hash256.sha256([2]), index: 3)
        let rates = StorageRates(
            storagePerGiBMonth: Amount(units: 5),
            uploadPerGiB: Amount(units: 6),
            downloadPerGiB: Amount(units: 7)
        )
        return [
            .join(
                JoinRequest(
                    task: task,
                    acceptance: Hash256.sha256([9]),
                    payee: key.publicKey,
                    rates: rates,
                    roomBytes: 1 << 40,
                    leaseSeconds: 86_400
                )
            ),
            .joinRefused(task: task, reason: "enough holders"),
            .contract(
                ContractTerms(
                    task: task,
                    channel: channel,
                    channelTerms: ChannelTerms(payer: key.publicKey, payee: key.publicKey, expiry: 77),
                    funding: .coins(3),
                    rates: rates,
                    payoutIntervalSeconds: -60,
                    endsAt: 1_800_000_000,
                    closeFee: Amount(units: 10_000)
                )
            ),
            .store(requestID: 4, task: task, hash: SHA1Digest.of([1, 2]), bytes: [1, 2]),
            .stored(requestID: 4),
            .storeRefused(requestID: 5, reason: "no room"),
            .payment(
                task: task,
                channel: channel,
                amount: Amount(units: 123),
                signature: try key.signChannelState(channel: channel, payeeAmount: Amount(units: 123))
            ),
            .paymentAccepted(task: task, amount: Amount(units: 123)),
            .paymentRefused(task: task, reason: "replayed"),
            .end(task: task),
            .downloadTerms(
                DownloadTerms(
                    payee: key.publicKey,
                    downloadPerGiB: Amount(units: 2_000_000),
                    minimumPayoutIntervalSeconds: 2
                )
            ),
            .downloadContract(
                ContractTerms(
                    task: task,
                    channel: channel,
                    channelTerms: ChannelTerms(payer: key.publicKey, payee: key.publicKey, expiry: 9),
                    funding: Amount(units: 2_010_001),
                    rates: StorageRates(
                        storagePerGiBMonth: Amount(units: 0),
                        uploadPerGiB: Amount(units: 0),
                        downloadPerGiB: Amount(units: 2_000_000)
                    ),
                    payoutIntervalSeconds: 2,
                    endsAt: 1_800_000_600,
                    closeFee: Amount(units: 10_000)
                )
            ),
            .downloadDeclined(reason: "too dear"),
        ]
    }

    @Test func roundTrips() throws {
        for message in try Self.examples() {
            #expect(try MarketMessageCodec.decode(MarketMessageCodec.encode(message)) == message)
        }
    }

    /// Truncated, padded, unknown and negative-amount messages are refused, never trapped on.
    @Test func refusesMalformed() throws {
        for message in try Self.examples() {
            let bytes = MarketMessageCodec.encode(message)
            #expect(throws: CanonicalDecodingError.self) { try MarketMessageCodec.decode(bytes + [0]) }
            #expect(throws: CanonicalDecodingError.self) { try MarketMessageCodec.decode(Array(bytes.dropLast())) }
        }
        #expect(throws: CanonicalDecodingError.self) { try MarketMessageCodec.decode([]) }
        #expect(throws: CanonicalDecodingError.self) { try MarketMessageCodec.decode([99]) }
        var negative = MarketMessageCodec.encode(.paymentAccepted(task: Hash256.sha256([1]), amount: Amount(units: 1)))
        negative.replaceSubrange(33..<41, with: [UInt8](repeating: 0xff, count: 8))
        #expect(throws: CanonicalDecodingError.self) { try MarketMessageCodec.decode(negative) }
        let long = String(repeating: "é", count: 2000)
        guard
            case .joinRefused(_, let reason) = try MarketMessageCodec.decode(
                MarketMessageCodec.encode(.joinRefused(task: Hash256.sha256([1]), reason: long))
            )
        else { return #expect(Bool(false)) }
        #expect(reason.utf8.count <= 512)
    }
}
