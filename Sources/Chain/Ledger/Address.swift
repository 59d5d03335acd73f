/// Where coins are paid: the first 20 bytes of SHA-256d of a public key. Written `zen` + 40 hexadecimal digits
/// of the hash + 8 of a checksum, so a mistyped address is refused rather than paid.
public struct Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let byteCount = 20
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    /// The address of a public key.
    public init(publicKey: PublicKey) {
        bytes = Array(Hash256.sha256d(publicKey.bytes).bytes.prefix(Self.byteCount))
    }

    /// Parses the written form, checking its checksum.
    public init?(parsing text: String) {
        guard text.hasPrefix("zen"), text.utf8.count == 3 + 48, let raw = Hex.decode(String(text.dropFirst(3))) else {
            return nil
        }
        let body = Array(raw.prefix(Self.byteCount))
        guard Array(raw.suffix(4)) == Self.checksum(body) else { return nil }
        bytes = body
    }

    private static func checksum(_ body: [UInt8]) -> [UInt8] {
        Array(Hash256.sha256d(Array("zen".utf8) + body).bytes.prefix(4))
    }

    public var description: String { "zen" + Hex.encode(bytes + Self.checksum(bytes)) }

    public static func < (lhs: Address, rhs: Address) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }
}
