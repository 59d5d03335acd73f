/// The canonical binary encoding of transactions (see `CanonicalWriter`); decoding rejects every other form.
public enum TransactionCodec {
    static let maximumListCount = 10_000
    static let maximumTextLength = 256

    /// The bytes of `transaction`; without signatures, the bytes its id and signature hash cover.
    public static func encode(_ transaction: Transaction, includingSignatures: Bool) -> [UInt8] {
        var writer = CanonicalWriter(capacity: 256)
        encode(transaction, into: &writer, includingSignatures: includingSignatures)
        return writer.bytes
    }

    static func encode(_ transaction: Transaction, into writer: inout CanonicalWriter, includingSignatures: Bool) {
        switch transaction {
        case .coinbase(let height, let outputs):
            writer.write(UInt8(0))
            writer.write(height)
            encode(outputs, into: &writer)
        case .transfer(let inputs, let outputs):
            writer.write(UInt8(1))
            writer.writeVarInt(UInt64(inputs.count))
            for input in inputs {
                writer.writeFixed(input.previous.transaction.bytes)
                writer.write(input.previous.index)
                encode(input.unlock, into: &writer, includingSignatures: includingSignatures)
            }
            encode(outputs, into: &writer)
        case .announcement(let announcement):
            writer.write(UInt8(2))
            writer.writeFixed(announcement.issuer.publicKey.bytes)
            writer.write(announcement.issuer.nonce)
            encode(announcement.body, into: &writer)
            writer.write(announcement.timeoutBlocks)
            writer.write(announcement.workNonce)
            if includingSignatures {
                writer.write(announcement.signature != nil)
                if let signature = announcement.signature { writer.writeFixed(signature.bytes) }
            }
        case .pruned(let id):
            writer.write(UInt8(3))
            writer.writeFixed(id.bytes)
        }
    }

    private static func encode(_ outputs: [TransactionOutput], into writer: inout CanonicalWriter) {
        writer.writeVarInt(UInt64(outputs.count))
        for output in outputs {
            writer.write(output.amount.units)
            switch output.lock {
            case .address(let address):
                writer.write(UInt8(0))
                writer.writeFixed(address.bytes)
            case .channel(let terms):
                writer.write(UInt8(1))
                writer.writeFixed(terms.payer.bytes)
                writer.writeFixed(terms.payee.bytes)
                writer.write(terms.expiry)
            }
        }
    }

    private static func encode(_ unlock: Unlock, into writer: inout CanonicalWriter, includingSignatures: Bool) {
        switch unlock {
        case .signature(let key, let signature):
            writer.write(UInt8(0))
            writer.writeFixed(key.bytes)
            if includingSignatures { writer.writeFixed(signature.bytes) }
        case .channelClose(let amount, let stateSignature, let payeeSignature):
            writer.write(UInt8(1))
            writer.write(amount.units)
            if includingSignatures {
                writer.writeFixed(stateSignature.bytes)
                writer.writeFixed(payeeSignature.bytes)
            }
        case .channelRefund(let signature):
            writer.write(UInt8(2))
            if includingSignatures { writer.writeFixed(signature.bytes) }
        }
    }

    private static func encode(_ body: AnnouncementBody, into writer: inout CanonicalWriter) {
        switch body {
        case .task(let offer):
            // A storage task is a task with its storage terms after the RFC's fields (kind 4), so offers without
            // them keep their kind-0 bytes; a VM task carries its VM terms the same way (kind 5).
            writer.write(UInt8(offer.storage != nil ? 4 : offer.vm != nil ? 5 : 0))
            writer.writeBytes(offer.taskID)
            let requirements = offer.requirements
            writer.writeVarInt(UInt64(requirements.operatingSystems.count))
            for system in requirements.operatingSystems { writer.writeString(system) }
            for value in [
                requirements.minimumBandwidthKbps, requirements.minimumStorageMiB, requirements.minimumStorageIOPS,
                requirements.persistentStorageMiB, requirements.memoryPerCoreMiB, requirements.memorySpeedMHz,
            ] {
                writer.write(value != nil)
                if let value { writer.write(value) }
            }
            writer.writeVarInt(UInt64(requirements.coreChoices.count))
            for choice in requirements.coreChoices {
                writer.write(choice.cores)
                writer.write(choice.megahertz)
            }
            writer.write(offer.minimumMachines)
            writer.writeString(offer.connectAddress)
            writer.write(offer.leaseSeconds.lowerBound)
            writer.write(offer.leaseSeconds.upperBound)
            writer.write(UInt32(bitPattern: offer.payoutIntervalSeconds))
            writer.write(offer.ratePerUnit.units)
            writer.write(offer.acceptanceWindowBlocks)
            writer.writeString(offer.informationURL)
            writer.write(offer.requiredAcceptanceBits != nil)
            if let bits = offer.requiredAcceptanceBits { writer.write(bits) }
            if let storage = offer.storage {
                writer.write(storage.bytesPerHolder)
                writer.write(storage.replicas)
                writer.write(storage.storagePricePerGiBMonth.units)
                writer.write(storage.uploadPricePerGiB.units)
                writer.write(storage.downloadPricePerGiB.units)
            } else if let vm = offer.vm {
                for price in [vm.coreHourPrice, vm.memoryGiBHourPrice, vm.diskGiBMonthPrice, vm.trafficGiBPrice] {
                    writer.write(price.units)
                }
                writer.writeString(vm.tunnelAddress)
                writer.writeString(vm.tunnelHostKey)
                writer.writeString(vm.guestKey)
            }
        case .acceptance(let task):
            writer.write(UInt8(1))
            writer.writeFixed(task.bytes)
        case .cancel(let task):
            writer.write(UInt8(2))
            writer.writeFixed(task.bytes)
        case .proofOfStorage(let metainfo, let reward):
            writer.write(UInt8(3))
            writer.writeBytes(metainfo)
            writer.write(reward.units)
        }
    }

    /// Decodes one whole transaction; trailing bytes are an error.
    public static func decode(_ bytes: [UInt8]) throws(CanonicalDecodingError) -> Transaction {
        var reader = CanonicalReader(bytes)
        let transaction = try decode(from: &reader)
        try reader.finish()
        return transaction
    }

    static func decode(from reader: inout CanonicalReader) throws(CanonicalDecodingError) -> Transaction {
        let offset = reader.offset
        switch try reader.readUInt8() {
        case 0:
            let height = try reader.readUInt32()
            return .coinbase(height: height, outputs: try decodeOutputs(&reader))
        case 1:
            let count = try reader.readCount(limit: maximumListCount)
            var inputs: [TransactionInput] = []
            inputs.reserveCapacity(count)
            for _ in 0..<count {
                let previous = OutPoint(transaction: try readHash(&reader), index: try reader.readUInt32())
                inputs.append(TransactionInput(previous: previous, unlock: try decodeUnlock(&reader)))
            }
            return .transfer(inputs: inputs, outputs: try decodeOutputs(&reader))
        case 2:
            let issuer = MinedIdentity(publicKey: try readKey(&reader), nonce: try reader.readUInt64())
            let body = try decodeBody(&reader)
            var announcement = SignedAnnouncement(
                issuer: issuer,
                body: body,
                timeoutBlocks: try reader.readUInt32(),
                workNonce: try reader.readUInt64()
            )
            if try reader.readBool() { announcement.signature = try readSignature(&reader) }
            return .announcement(announcement)
        case 3:
            return .pruned(try readHash(&reader))
        case let tag:
            throw .invalidValue(offset: offset, reason: "unknown transaction kind \(tag)")
        }
    }

    private static func decodeOutputs(_ reader: inout CanonicalReader) throws(CanonicalDecodingError)
        -> [TransactionOutput]
    {
        let count = try reader.readCount(limit: maximumListCount)
        var outputs: [TransactionOutput] = []
        outputs.reserveCapacity(count)
        for _ in 0..<count {
            let amount = Amount(units: try reader.readInt64())
            let offset = reader.offset
            switch try reader.readUInt8() {
            case 0:
                outputs.append(
                    TransactionOutput(amount: amount, lock: .address(Address(bytes: try reader.readFixed(20))!))
                )
            case 1:
                let terms = ChannelTerms(
                    payer: try readKey(&reader),
                    payee: try readKey(&reader),
                    expiry: try reader.readUInt32()
                )
                outputs.append(TransactionOutput(amount: amount, lock: .channel(terms)))
            case let tag:
                throw .invalidValue(offset: offset, reason: "unknown output lock \(tag)")
            }
        }
        return outputs
    }

    private static func decodeUnlock(_ reader: inout CanonicalReader) throws(CanonicalDecodingError) -> Unlock {
        let offset = reader.offset
        switch try reader.readUInt8() {
        case 0: return .signature(try readKey(&reader), try readSignature(&reader))
        case 1:
            let amount = Amount(units: try reader.readInt64())
            return .channelClose(
                payeeAmount: amount,
                payerStateSignature: try readSignature(&reader),
                payeeSignature: try readSignature(&reader)
            )
        case 2: return .channelRefund(payerSignature: try readSignature(&reader))
        case let tag: throw .invalidValue(offset: offset, reason: "unknown unlock \(tag)")
        }
    }

    private static func decodeBody(_ reader: inout CanonicalReader) throws(CanonicalDecodingError) -> AnnouncementBody {
        let offset = reader.offset
        switch try reader.readUInt8() {
        case let kind where kind == 0 || kind == 4 || kind == 5:
            let taskID = try reader.readBytes(limit: 32)
            var requirements = VMRequirements()
            let systems = try reader.readCount(limit: 16)
            for _ in 0..<systems { requirements.operatingSystems.append(try reader.readString(limit: 64)) }
            var optionals: [UInt32?] = []
            for _ in 0..<6 { optionals.append(try reader.readBool() ? try reader.readUInt32() : nil) }
            requirements.minimumBandwidthKbps = optionals[0]
            requirements.minimumStorageMiB = optionals[1]
            requirements.minimumStorageIOPS = optionals[2]
            requirements.persistentStorageMiB = optionals[3]
            requirements.memoryPerCoreMiB = optionals[4]
            requirements.memorySpeedMHz = optionals[5]
            let choices = try reader.readCount(limit: 16)
            for _ in 0..<choices {
                requirements.coreChoices.append(
                    VMRequirements.CoreChoice(cores: try reader.readUInt16(), megahertz: try reader.readUInt32())
                )
            }
            let machines = try reader.readUInt32()
            let address = try reader.readString(limit: 64)
            let leaseOffset = reader.offset
            let leaseLow = try reader.readUInt32()
            let leaseHigh = try reader.readUInt32()
            guard leaseLow <= leaseHigh else {
                throw .invalidValue(offset: leaseOffset, reason: "lease range reversed")
            }
            let payout = Int32(bitPattern: try reader.readUInt32())
            let rate = Amount(units: try reader.readInt64())
            let window = try reader.readUInt32()
            let url = try reader.readString(limit: 128)
            let bits = try reader.readBool() ? try reader.readUInt32() : nil
            let storage = kind == 4 ? try decodeStorageTerms(&reader) : nil
            let vm = kind == 5 ? try decodeVMTerms(&reader) : nil
            return .task(
                TaskOffer(
                    taskID: taskID,
                    requirements: requirements,
                    minimumMachines: machines,
                    connectAddress: address,
                    leaseSeconds: leaseLow...leaseHigh,
                    payoutIntervalSeconds: payout,
                    ratePerUnit: rate,
                    acceptanceWindowBlocks: window,
                    informationURL: url,
                    requiredAcceptanceBits: bits,
                    storage: storage,
                    vm: vm
                )
            )
        case 1: return .acceptance(task: try readHash(&reader))
        case 2: return .cancel(task: try readHash(&reader))
        case 3:
            return .proofOfStorage(
                metainfo: try reader.readBytes(limit: 32),
                rewardPerCheck: Amount(units: try reader.readInt64())
            )
        case let tag: throw .invalidValue(offset: offset, reason: "unknown announcement kind \(tag)")
        }
    }

    private static func decodeVMTerms(_ reader: inout CanonicalReader) throws(CanonicalDecodingError) -> VMTerms {
        var prices: [Amount] = []
        for _ in 0..<4 { prices.append(try readPrice(&reader)) }
        return VMTerms(
            coreHourPrice: prices[0],
            memoryGiBHourPrice: prices[1],
            diskGiBMonthPrice: prices[2],
            trafficGiBPrice: prices[3],
            tunnelAddress: try reader.readString(limit: 64),
            tunnelHostKey: try reader.readString(limit: 256),
            guestKey: try reader.readString(limit: 2048)
        )
    }

    private static func readPrice(_ reader: inout CanonicalReader) throws(CanonicalDecodingError) -> Amount {
        let offset = reader.offset
        let units = try reader.readInt64()
        guard units >= 0, units <= Amount.maximum.units else {
            throw .invalidValue(offset: offset, reason: "a price outside 0 and the coin supply")
        }
        return Amount(units: units)
    }

    private static func decodeStorageTerms(_ reader: inout CanonicalReader) throws(CanonicalDecodingError)
        -> StorageTerms
    {
        let bytes = try reader.readUInt64()
        let replicas = try reader.readUInt16()
        var prices: [Amount] = []
        for _ in 0..<3 {
            let offset = reader.offset
            let units = try reader.readInt64()
            guard units >= 0, units <= Amount.maximum.units else {
                throw .invalidValue(offset: offset, reason: "a price outside 0 and the coin supply")
            }
            prices.append(Amount(units: units))
        }
        return StorageTerms(
            bytesPerHolder: bytes,
            replicas: replicas,
            storagePricePerGiBMonth: prices[0],
            uploadPricePerGiB: prices[1],
            downloadPricePerGiB: prices[2]
        )
    }

    static func readHash(_ reader: inout CanonicalReader) throws(CanonicalDecodingError) -> Hash256 {
        Hash256(bytes: try reader.readFixed(32))!
    }

    static func readKey(_ reader: inout CanonicalReader) throws(CanonicalDecodingError) -> PublicKey {
        let offset = reader.offset
        let bytes = try reader.readFixed(PublicKey.byteCount)
        guard let key = try? PublicKey(bytes: bytes) else {
            throw .invalidValue(offset: offset, reason: "not a secp256k1 public key")
        }
        return key
    }

    static func readSignature(_ reader: inout CanonicalReader) throws(CanonicalDecodingError) -> Signature {
        let offset = reader.offset
        guard let signature = Signature(bytes: try reader.readFixed(Signature.byteCount)) else {
            throw .invalidValue(offset: offset, reason: "not a canonical (low-S) signature")
        }
        return signature
    }
}
