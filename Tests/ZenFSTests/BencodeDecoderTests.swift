import Testing
import ZenFS

struct BencodeDecoderTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Canonical values decode and re-encode to the very same bytes.
    @Test(arguments: [
        "i0e", "i-1e", "i9223372036854775807e", "i-9223372036854775808e", "0:", "4:spam", "le", "de",
        "l4:spami42ee", "d3:bar4:spam3:fooi42ee", "d1:ad1:bli1ei2eeee",
    ])
    func canonicalRoundTrip(_ text: String) throws {
        let value = try BencodeDecoder().decode(Self.bytes(text))
        #expect(BencodeEncoder.encode(value) == Self.bytes(text))
    }

    /// Every kind of bad input is rejected with the reason and the byte offset where it shows.
    @Test(arguments: [
        ("", BencodeError.Reason.unexpectedEnd, 0),
        ("i03e", .nonCanonicalInteger, 0),
        ("i-0e", .nonCanonicalInteger, 0),
        ("ie", .nonCanonicalInteger, 0),
        ("i-e", .nonCanonicalInteger, 0),
        ("i12", .unexpectedEnd, 3),
        ("i1x2e", .unexpectedByte(UInt8(ascii: "x")), 2),
        ("i9223372036854775808e", .integerOutOfRange, 0),
        ("i99999999999999999999e", .integerOutOfRange, 0),
        ("5:abc", .unexpectedEnd, 5),
        ("03:abc", .nonCanonicalInteger, 0),
        ("l4:spam", .unexpectedEnd, 7),
        ("d1:b0:1:a0:e", .keysNotSorted, 6),
        ("d1:a0:1:a0:e", .duplicateKey, 6),
        ("di1ei2ee", .unexpectedByte(UInt8(ascii: "i")), 1),
        ("i1ei2e", .trailingBytes(count: 3), 3),
        ("x", .unexpectedByte(UInt8(ascii: "x")), 0),
    ])
    func rejects(_ text: String, _ reason: BencodeError.Reason, _ offset: Int) {
        #expect(throws: BencodeError(reason, at: offset)) { try BencodeDecoder().decode(Self.bytes(text)) }
    }

    /// Nesting deeper than the limit is refused before it can exhaust the stack.
    @Test func boundsDepth() {
        let deep = String(repeating: "l", count: 100_000) + String(repeating: "e", count: 100_000)
        #expect(throws: BencodeError(.nestingTooDeep(limit: 64), at: 64)) {
            try BencodeDecoder().decode(Self.bytes(deep))
        }
    }

    /// A huge declared string length fails on the length, without allocating it.
    @Test func boundsStringLength() {
        #expect(throws: BencodeError(.stringTooLong(length: 999_999_999, limit: 64 << 20), at: 0)) {
            try BencodeDecoder().decode(Self.bytes("999999999:x"))
        }
        #expect(throws: BencodeError.self) { try BencodeDecoder().decode(Self.bytes("99999999999999999999:x")) }
    }

    /// Input size and value count limits apply.
    @Test func boundsInputAndItems() {
        let limits = BencodeDecoder.Limits(maxInputLength: 16, maxStringLength: 8, maxDepth: 8, maxItems: 3)
        #expect(throws: BencodeError(.inputTooLarge(length: 18, limit: 16), at: 0)) {
            try BencodeDecoder(limits: limits).decode(Self.bytes("15:abcdefghijklmno"))
        }
        #expect(throws: BencodeError(.tooManyItems(limit: 3), at: 7)) {
            try BencodeDecoder(limits: limits).decode(Self.bytes("li1ei2ei3ee"))
        }
    }

    /// The spans API gives each top-level value's exact bytes.
    @Test func spansGiveRawBytes() throws {
        let input = Self.bytes("d8:announce3:url4:infod4:name1:xee")
        let (_, spans) = try BencodeDecoder().decodeDictionaryWithSpans(input)
        let info = try #require(spans.first { $0.key == Self.bytes("info") })
        #expect(Array(input[info.valueRange]) == Self.bytes("d4:name1:xe"))
    }

    /// The encoder sorts keys by their bytes, whatever order they were given in.
    @Test func encoderSortsKeys() {
        let value = BencodeValue.dictionary(["b": .integer(1), "a": .text("x"), "A": .list([])])
        #expect(BencodeEncoder.encode(value) == Self.bytes("d1:Ale1:a1:x1:bi1ee"))
    }
}
