import Chain

/// The canonical payload encoding of each peer message (see `PeerFrame` for the frame around it).
public enum PeerMessageCodec {
    static let maximumTextLength = 1024
    static let maximumCriteria = 64
    static let maximumHits = 1024

    /// The type byte and payload of `message`.
    public static func encode(_ message: PeerMessage) -> (PeerMessageType, [UInt8]) {
        var writer = CanonicalWriter()
        let type: PeerMessageType
        switch message {
        case .hello(let hello):
            type = .hello
            writer.write(hello.protocolVersion)
            writer.writeFixed(hello.networkID.bytes)
            writer.writeFixed(hello.identity.publicKey.bytes)
            writer.write(hello.identity.nonce)
            writer.writeBytes(hello.challenge)
            writer.write(hello.listenAddress != nil)
            hello.listenAddress?.encode(into: &writer)
            writer.writeString(hello.agent)
        case .proof(let signature):
            type = .proof
            writer.writeFixed(signature.bytes)
        case .ping(let nonce):
            type = .ping
            writer.write(nonce)
        case .pong(let nonce):
            type = .pong
            writer.write(nonce)
        case .find(let query):
            type = .find
            writer.writeFixed(query.id.bytes)
            query.origin.encode(into: &writer)
            writer.write(query.hopLimit)
            writer.write(query.kind.rawValue)
            writer.writeFixed(query.hash.bytes)
        case .have(let answer):
            type = .have
            writer.writeFixed(answer.queryID.bytes)
            writer.write(answer.kind.rawValue)
            writer.writeFixed(answer.hash.bytes)
            answer.holder.encode(into: &writer)
        case .search(let query):
            type = .search
            writer.writeFixed(query.id.bytes)
            query.origin.encode(into: &writer)
            writer.write(query.hopLimit)
            writer.writeVarInt(UInt64(query.tags.count))
            for tag in Set(query.tags).sorted(by: utf8Order) { writer.writeString(tag) }
            writer.writeVarInt(UInt64(query.fields.count))
            for key in query.fields.keys.sorted(by: utf8Order) {
                writer.writeString(key)
                writer.writeString(query.fields[key]!)
            }
            writer.write(query.wantsMetainfo)
        case .searchAnswer(let answer):
            type = .searchAnswer
            writer.writeFixed(answer.queryID.bytes)
            answer.holder.encode(into: &writer)
            writer.writeVarInt(UInt64(answer.hits.count))
            for hit in answer.hits {
                writer.writeFixed(hit.infoHash.bytes)
                writer.writeString(hit.name)
                writer.write(hit.metainfo != nil)
                if let metainfo = hit.metainfo { writer.writeBytes(metainfo) }
            }
        case .get(let request):
            type = .get
            writer.write(request.requestID)
            writer.write(request.kind.rawValue)
            writer.writeFixed(request.hash.bytes)
        case .element(let requestID, let bytes):
            type = .element
            writer = CanonicalWriter(capacity: bytes.count + 8)
            writer.write(requestID)
            writer.writeBytes(bytes)
        case .notFound(let requestID):
            type = .notFound
            writer.write(requestID)
        case .chainTip(let height, let hash):
            type = .chainTip
            writer.write(height)
            writer.writeFixed(hash.bytes)
        case .getBlocks(let locator):
            type = .getBlocks
            writer.writeVarInt(UInt64(locator.count))
            for hash in locator { writer.writeFixed(hash.bytes) }
        case .block(let bytes):
            type = .block
            writer.writeBytes(bytes)
        case .market(let bytes):
            type = .market
            writer.writeBytes(bytes)
        case .transaction(let bytes):
            type = .transaction
            writer.writeBytes(bytes)
        case .storageProof(let bytes):
            type = .storageProof
            writer.writeBytes(bytes)
        }
        return (type, writer.bytes)
    }

    /// Decodes a payload of the given type; every byte must be used.
    public static func decode(type: PeerMessageType, payload: [UInt8]) throws(PeerProtocolError) -> PeerMessage {
        var reader = CanonicalReader(payload)
        do {
            let message = try decode(type: type, from: &reader)
            try reader.finish()
            return message
        } catch {
            throw .malformed(type: type, error)
        }
    }

    private static func decode(
        type: PeerMessageType,
        from reader: inout CanonicalReader
    ) throws(CanonicalDecodingError) -> PeerMessage {
        switch type {
        case .hello:
            let version = try reader.readUInt16()
            let network = Hash256(bytes: try reader.readFixed(32))!
            let keyOffset = reader.offset
            let keyBytes = try reader.readFixed(PublicKey.byteCount)
            guard let key = try? PublicKey(bytes: keyBytes) else {
                throw .invalidValue(offset: keyOffset, reason: "not a secp256k1 public key")
            }
            let nonce = try reader.readUInt64()
            let challenge = try reader.readBytes(limit: 64)
            let address = try reader.readBool() ? try PeerAddress.decode(from: &reader) : nil
            let agent = try reader.readString(limit: maximumTextLength)
            return .hello(
                Hello(
                    protocolVersion: version,
                    networkID: network,
                    identity: MinedIdentity(publicKey: key, nonce: nonce),
                    challenge: challenge,
                    listenAddress: address,
                    agent: agent
                )
            )
        case .proof:
            let offset = reader.offset
            guard let signature = Signature(bytes: try reader.readFixed(Signature.byteCount)) else {
                throw .invalidValue(offset: offset, reason: "not a canonical signature")
            }
            return .proof(signature)
        case .ping: return .ping(try reader.readUInt64())
        case .pong: return .pong(try reader.readUInt64())
        case .find:
            let id = try readQueryID(&reader)
            let origin = try PeerAddress.decode(from: &reader)
            let hops = try reader.readUInt8()
            let kind = try readKind(&reader)
            return .find(FindQuery(id: id, origin: origin, hopLimit: hops, kind: kind, hash: try readDigest(&reader)))
        case .have:
            let id = try readQueryID(&reader)
            let kind = try readKind(&reader)
            let hash = try readDigest(&reader)
            return .have(HaveAnswer(queryID: id, kind: kind, hash: hash, holder: try PeerAddress.decode(from: &reader)))
        case .search:
            let id = try readQueryID(&reader)
            let origin = try PeerAddress.decode(from: &reader)
            let hops = try reader.readUInt8()
            let tags = try readSortedStrings(&reader)
            let fieldCount = try reader.readCount(limit: maximumCriteria)
            var fields: [String: String] = [:]
            var previous: String?
            for _ in 0..<fieldCount {
                let offset = reader.offset
                let key = try reader.readString(limit: maximumTextLength)
                if let previous, !utf8Order(previous, key) {
                    throw .invalidValue(offset: offset, reason: "field names not sorted and unique")
                }
                previous = key
                fields[key] = try reader.readString(limit: maximumTextLength)
            }
            let wants = try reader.readBool()
            return .search(
                SearchQuery(id: id, origin: origin, hopLimit: hops, tags: tags, fields: fields, wantsMetainfo: wants)
            )
        case .searchAnswer:
            let id = try readQueryID(&reader)
            let holder = try PeerAddress.decode(from: &reader)
            let count = try reader.readCount(limit: maximumHits)
            var hits: [SearchHit] = []
            for _ in 0..<count {
                let infoHash = try readDigest(&reader)
                let name = try reader.readString(limit: maximumTextLength)
                let metainfo = try reader.readBool() ? try reader.readBytes(limit: 4 << 20) : nil
                hits.append(SearchHit(infoHash: infoHash, name: name, metainfo: metainfo))
            }
            return .searchAnswer(SearchAnswer(queryID: id, holder: holder, hits: hits))
        case .get:
            let requestID = try reader.readUInt32()
            let kind = try readKind(&reader)
            return .get(ElementRequest(requestID: requestID, kind: kind, hash: try readDigest(&reader)))
        case .element:
            let requestID = try reader.readUInt32()
            return .element(requestID: requestID, bytes: try reader.readBytes(limit: PeerFrame.maximumElementLength))
        case .notFound: return .notFound(requestID: try reader.readUInt32())
        case .chainTip:
            let height = try reader.readUInt32()
            return .chainTip(height: height, hash: Hash256(bytes: try reader.readFixed(32))!)
        case .getBlocks:
            let count = try reader.readCount(limit: 64)
            var locator: [Hash256] = []
            for _ in 0..<count { locator.append(Hash256(bytes: try reader.readFixed(32))!) }
            return .getBlocks(locator: locator)
        case .block: return .block(try reader.readBytes(limit: 2 << 20))
        case .transaction: return .transaction(try reader.readBytes(limit: 1 << 20))
        case .market: return .market(try reader.readBytes(limit: PeerFrame.maximumElementLength + 1024))
        case .storageProof: return .storageProof(try reader.readBytes(limit: PeerFrame.maximumProofLength))
        }
    }

    private static func readQueryID(_ reader: inout CanonicalReader) throws(CanonicalDecodingError) -> QueryID {
        QueryID(bytes: try reader.readFixed(QueryID.byteCount))!
    }

    private static func readDigest(_ reader: inout CanonicalReader) throws(CanonicalDecodingError) -> SHA1Digest {
        SHA1Digest(bytes: try reader.readFixed(SHA1Digest.byteCount))!
    }

    private static func readKind(_ reader: inout CanonicalReader) throws(CanonicalDecodingError) -> ElementKind {
        let offset = reader.offset
        let raw = try reader.readUInt8()
        guard let kind = ElementKind(rawValue: raw) else {
            throw .invalidValue(offset: offset, reason: "unknown element kind \(raw)")
        }
        return kind
    }

    private static func readSortedStrings(_ reader: inout CanonicalReader) throws(CanonicalDecodingError) -> [String] {
        let count = try reader.readCount(limit: maximumCriteria)
        var strings: [String] = []
        for _ in 0..<count {
            let offset = reader.offset
            let value = try reader.readString(limit: maximumTextLength)
            if let last = strings.last, !utf8Order(last, value) {
                throw .invalidValue(offset: offset, reason: "tags not sorted and unique")
            }
            strings.append(value)
        }
        return strings
    }

    /// Strict byte order of UTF-8 text: the canonical order of tags and field names.
    static func utf8Order(_ lhs: String, _ rhs: String) -> Bool { lhs.utf8.lexicographicallyPrecedes(rhs.utf8) }
}
