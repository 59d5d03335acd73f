import Chain
import Testing
import ZenFS

struct PeerMessageCodecTests {
    static func sampleMessages() throws -> [PeerMessage] {
        let identity = try PeerTestIdentities.make()
        let hash = PeerTestIdentities.hash
        let id = PeerTestIdentities.queryID
        let origin = PeerTestIdentities.origin
        return [
            .hello(
                Hello(
                    protocolVersion: 1,
                    networkID: NetworkParameters.development.id,
                    identity: identity.identity,
                    challenge: Array(repeating: 9, count: 32),
                    listenAddress: origin,
                    agent: "zenfs/test"
                )
            ),
            .hello(
                Hello(
                    protocolVersion: 1,
                    networkID: NetworkParameters.development.id,
                    identity: identity.identity,
                    challenge: Array(repeating: 1, count: 16),
                    listenAddress: nil,
                    agent: ""
                )
            ),
            .proof(try identity.privateKey.sign([1, 2, 3])),
            .ping(42), .pong(.max),
            .find(FindQuery(id: id, origin: origin, hopLimit: 7, kind: .part, hash: hash)),
            .have(HaveAnswer(queryID: id, kind: .metainfo, hash: hash, holder: PeerAddress(host: "::1", port: 9))),
            .search(
                SearchQuery(
                    id: id,
                    origin: origin,
                    hopLimit: 3,
                    tags: ["b", "a"],
                    fields: ["k": "v", "é": "x"],
                    wantsMetainfo: true
                )
            ),
            .searchAnswer(
                SearchAnswer(
                    queryID: id,
                    holder: origin,
                    hits: [
                        SearchHit(infoHash: hash, name: "film.mkv", metainfo: [1, 2, 3]),
                        SearchHit(infoHash: hash, name: "other", metainfo: nil),
                    ]
                )
            ),
            .get(ElementRequest(requestID: 7, kind: .part, hash: hash)),
            .element(requestID: 7, bytes: Array(repeating: 0xab, count: 300_000)),
            .notFound(requestID: 7),
        ]
    }

    /// Every message survives a frame round trip, with its header announcing the right type and length.
    @Test func everyMessageRoundTrips() throws {
        for message in try Self.sampleMessages() {
            let frame = PeerFrame.encode(message)
            guard case .frame(let type, let length) = PeerFrame.checkHeader(frame.prefix(5)) else {
                Issue.record("header of \(message) refused")
                continue
            }
            #expect(length == frame.count - PeerFrame.headerLength)
            var decoded = try PeerMessageCodec.decode(type: type, payload: Array(frame.dropFirst(5)))
            if case .search(var query) = decoded, case .search(let original) = message {
                // Tags travel sorted.
                #expect(query.tags == original.tags.sorted())
                query.tags = original.tags
                decoded = .search(query)
            }
            #expect(decoded == message)
        }
    }

    /// Headers announcing unknown types, empty frames or lengths above the type's limit are refused from the
    /// first five bytes, before any payload would be buffered.
    @Test func headersAreCheckedBeforeThePayload() {
        #expect(PeerFrame.checkHeader([0, 0, 0]) == .needMoreBytes)
        #expect(PeerFrame.checkHeader([0, 0, 0, 0, 1]) == .invalid(.emptyFrame))
        #expect(PeerFrame.checkHeader([0, 0, 0, 2, 0x7f]) == .invalid(.unknownMessageType(0x7f)))
        #expect(
            PeerFrame.checkHeader([0xff, 0xff, 0xff, 0xff, PeerMessageType.element.rawValue])
                == .invalid(
                    .frameTooLarge(
                        type: .element,
                        length: 0xffff_fffe,
                        limit: PeerMessageType.element.maximumPayloadLength
                    )
                )
        )
        #expect(
            PeerFrame.checkHeader([0, 1, 0, 0, PeerMessageType.ping.rawValue])
                == .invalid(.frameTooLarge(type: .ping, length: 65535, limit: 16 << 10))
        )
    }

    /// Truncated, padded and non-canonical payloads are errors naming the message type.
    @Test func malformedPayloads() throws {
        #expect(throws: PeerProtocolError.malformed(type: .ping, .truncated(offset: 0, needed: 4))) {
            try PeerMessageCodec.decode(type: .ping, payload: [1, 2, 3, 4])
        }
        #expect(throws: PeerProtocolError.malformed(type: .pong, .trailingBytes(offset: 8, count: 1))) {
            try PeerMessageCodec.decode(type: .pong, payload: Array(repeating: 0, count: 9))
        }
        let find = PeerFrame.encode(
            .find(
                FindQuery(
                    id: PeerTestIdentities.queryID,
                    origin: PeerTestIdentities.origin,
                    hopLimit: 1,
                    kind: .part,
                    hash: PeerTestIdentities.hash
                )
            )
        )
        var badKind = Array(find.dropFirst(5))
        badKind[16 + 1 + 9 + 2 + 1] = 9
        #expect(throws: PeerProtocolError.self) { try PeerMessageCodec.decode(type: .find, payload: badKind) }
        // Two tags out of order: [count 2]["b"]["a"].
        var search = CanonicalWriter()
        search.writeFixed(PeerTestIdentities.queryID.bytes)
        search.writeString("h")
        search.write(UInt16(1))
        search.write(UInt8(1))
        search.writeVarInt(2)
        search.writeString("b")
        search.writeString("a")
        search.writeVarInt(0)
        search.write(false)
        #expect(throws: PeerProtocolError.self) { try PeerMessageCodec.decode(type: .search, payload: search.bytes) }
    }

    /// Addresses parse from the command line's `HOST:PORT` forms.
    @Test func addressParsing() {
        #expect(PeerAddress(parsing: "127.0.0.1:7001") == PeerAddress(host: "127.0.0.1", port: 7001))
        #expect(PeerAddress(parsing: "[::1]:80") == PeerAddress(host: "::1", port: 80))
        #expect(PeerAddress(parsing: "[::1]:80")?.description == "[::1]:80")
        for bad in ["", "host", "host:0", "host:70000", ":80", "[::1]80"] { #expect(PeerAddress(parsing: bad) == nil) }
    }
}
