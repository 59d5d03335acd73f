import Chain
import ZenFS

/// The canonical bytes of market messages; decoding refuses unknown kinds, oversize fields and trailing bytes.
public enum MarketMessageCodec {
    /// The largest part a `store` carries.
    public static let maximumPartLength = 16 << 20
    static let maximumReasonLength = 512

    public static func encode(_ message: MarketMessage) -> [UInt8] {
        var writer = CanonicalWriter(capacity: 128)
        switch message {
        case .join(let join):
            writer.write(UInt8(1))
            writer.writeFixed(join.task.bytes)
            writer.writeFixed(join.acceptance.bytes)
            writer.writeFixed(join.payee.bytes)
            write(join.rates, into: &writer)
            writer.write(join.roomBytes)
            writer.write(join.leaseSeconds)
        case .joinRefused(let task, let reason):
            writer.write(UInt8(2))
            writer.writeFixed(task.bytes)
            writer.writeString(clipped(reason))
        case .contract(let terms):
            writer.write(UInt8(3))
            write(terms, into: &writer)
        case .downloadContract(let terms):
            writer.write(UInt8(12))
            write(terms, into: &writer)
        case .downloadTerms(let terms):
            writer.write(UInt8(11))
            writer.writeFixed(terms.payee.bytes)
            writer.write(terms.downloadPerGiB.units)
            writer.write(UInt32(bitPattern: terms.minimumPayoutIntervalSeconds))
        case .downloadDeclined(let reason):
            writer.write(UInt8(13))
            writer.writeString(clipped(reason))
        case .store(let requestID, let task, let hash, let bytes):

            writer.write(UInt8(4))
            writer.write(requestID)
            writer.writeFixed(task.bytes)
            writer.writeFixed(hash.bytes)
            writer.writeBytes(bytes)
        case .stored(let requestID):
            writer.write(UInt8(5))
            writer.write(requestID)
        case .storeRefused(let requestID, let reason):
            writer.write(UInt8(6))
            writer.write(requestID)
            writer.writeString(clipped(reason))
        case .payment(let task, let channel, let amount, let signature):
            writer.write(UInt8(7))
            writer.writeFixed(task.bytes)
            write(channel, into: &writer)
            writer.write(amount.units)
            writer.writeFixed(signature.bytes)
        case .paymentAccepted(let task, let amount):
            writer.write(UInt8(8))
            writer.writeFixed(task.bytes)
            writer.write(amount.units)
        case .paymentRefused(let task, let reason):
            writer.write(UInt8(9))
            writer.writeFixed(task.bytes)
            writer.writeString(clipped(reason))
        case .end(let task):
            writer.write(UInt8(10))
            writer.writeFixed(task.bytes)
        }
        return writer.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(CanonicalDecodingError) -> MarketMessage {
        var reader = CanonicalReader(bytes)
        let offset = reader.offset
        let message: MarketMessage
        switch try reader.readUInt8() {
        case 1:
            message = .join(
                JoinRequest(
                    task: try hash(&reader),
                    acceptance: try hash(&reader),
                    payee: try key(&reader),
                    rates: try rates(&reader),
                    roomBytes: try reader.readUInt64(),
                    leaseSeconds: try reader.readInt64()
                )
            )
        case 2:
            message = .joinRefused(task: try hash(&reader), reason: try reader.readString(limit: maximumReasonLength))
        case 3: message = .contract(try contractTerms(&reader))
        case 4:
            let requestID = try reader.readUInt32()
            let task = try hash(&reader)
            let part = SHA1Digest(bytes: try reader.readFixed(SHA1Digest.byteCount))!
            message = .store(
                requestID: requestID,
                task: task,
                hash: part,
                bytes: try reader.readBytes(limit: maximumPartLength)
            )
        case 5: message = .stored(requestID: try reader.readUInt32())
        case 6:
            message = .storeRefused(
                requestID: try reader.readUInt32(),
                reason: try reader.readString(limit: maximumReasonLength)
            )
        case 7:
            let task = try hash(&reader)
            let channel = try outPoint(&reader)
            let paid = try amount(&reader)
            message = .payment(task: task, channel: channel, amount: paid, signature: try signature(&reader))
        case 8: message = .paymentAccepted(task: try hash(&reader), amount: try amount(&reader))
        case 9:
            message = .paymentRefused(
                task: try hash(&reader),
                reason: try reader.readString(limit: maximumReasonLength)
            )
        case 10: message = .end(task: try hash(&reader))
        case 11:
            message = .downloadTerms(
                DownloadTerms(
                    payee: try key(&reader),
                    downloadPerGiB: try amount(&reader),
                    minimumPayoutIntervalSeconds: Int32(bitPattern: try reader.readUInt32())
                )
            )
        case 12: message = .downloadContract(try contractTerms(&reader))
        case 13: message = .downloadDeclined(reason: try reader.readString(limit: maximumReasonLength))
        case let kind: throw .invalidValue(offset: offset, reason: "unknown market message \(kind)")
        }
        try reader.finish()
        return message
    }

    /// A reason short enough to decode (cut at a byte limit a little under the decoder's).
    private static func clipped(_ reason: String) -> String {
        String(decoding: reason.utf8.prefix(maximumReasonLength - 8), as: UTF8.self)
    }

    private static func write(_ terms: ContractTerms, into writer: inout CanonicalWriter) {
        writer.writeFixed(terms.task.bytes)
        write(terms.channel, into: &writer)
        writer.writeFixed(terms.channelTerms.payer.bytes)
        writer.writeFixed(terms.channelTerms.payee.bytes)
        writer.write(terms.channelTerms.expiry)
        writer.write(terms.funding.units)
        write(terms.rates, into: &writer)
        writer.write(UInt32(bitPattern: terms.payoutIntervalSeconds))
        writer.write(terms.endsAt)
        writer.write(terms.closeFee.units)
    }

    private static func contractTerms(_ reader: inout CanonicalReader) throws(CanonicalDecodingError)
        -> ContractTerms
    {
        let task = try hash(&reader)
        let channel = try outPoint(&reader)
        let channelTerms = ChannelTerms(
            payer: try key(&reader),
            payee: try key(&reader),
            expiry: try reader.readUInt32()
        )
        return ContractTerms(
            task: task,
            channel: channel,
            channelTerms: channelTerms,
            funding: try amount(&reader),
            rates: try rates(&reader),
            payoutIntervalSeconds: Int32(bitPattern: try reader.readUInt32()),
            endsAt: try reader.readInt64(),
            closeFee: try amount(&reader)
        )
    }

    private static func write(_ rates: StorageRates, into writer: inout CanonicalWriter) {
        writer.write(rates.storagePerGiBMonth.units)
        writer.write(rates.uploadPerGiB.units)
        writer.write(rates.downloadPerGiB.units)
    }

    private static func write(_ outPoint: OutPoint, into writer: inout CanonicalWriter) {
        writer.writeFixed(outPoint.transaction.bytes)
        writer.write(outPoint.index)
    }

    private static func rates(_ reader: inout CanonicalReader) throws(CanonicalDecodingError) -> StorageRates {
        StorageRates(
            storagePerGiBMonth: try amount(&reader),
            uploadPerGiB: try amount(&reader),
            downloadPerGiB: try amount(&reader)
        )
    }

    private static func amount(_ reader: inout CanonicalReader) throws(CanonicalDecodingError) -> Amount {
        let offset = reader.offset
        let units = try reader.readInt64()
        guard units >= 0, units <= Amount.maximum.units else {
            throw .invalidValue(offset: offset, reason: "an amount outside 0 and the coin supply")
        }
        return Amount(units: units)
    }

    private static func hash(_ reader: inout CanonicalReader) throws(CanonicalDecodingError) -> Hash256 {
        Hash256(bytes: try reader.readFixed(32))!
    }

    private static func outPoint(_ reader: inout CanonicalReader) throws(CanonicalDecodingError) -> OutPoint {
        OutPoint(transaction: try hash(&reader), index: try reader.readUInt32())
    }

    private static func key(_ reader: inout CanonicalReader) throws(CanonicalDecodingError) -> PublicKey {
        let offset = reader.offset
        guard let key = try? PublicKey(bytes: try reader.readFixed(PublicKey.byteCount)) else {
            throw .invalidValue(offset: offset, reason: "not a secp256k1 public key")
        }
        return key
    }

    private static func signature(_ reader: inout CanonicalReader) throws(CanonicalDecodingError) -> Signature {
        let offset = reader.offset
        guard let signature = Signature(bytes: try reader.readFixed(Signature.byteCount)) else {
            throw .invalidValue(offset: offset, reason: "not a canonical (low-S) signature")
        }
        return signature
    }
}
