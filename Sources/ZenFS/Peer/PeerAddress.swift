import Chain

/// Where a node listens: a host name or IP literal and a TCP port. Carried in handshakes and discovery
/// answers so that holders can reach the origin of a query directly.
public struct PeerAddress: Hashable, Sendable, CustomStringConvertible {
    /// The longest host accepted (DNS names are at most 253 bytes).
    public static let maximumHostLength = 255

    public let host: String
    public let port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` (`[v6]:PORT` for IPv6 literals); nil for anything else.
    public init?(parsing text: String) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return nil
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, host.utf8.count <= Self.maximumHostLength, let port = UInt16(portText), port != 0 else {
            return nil
        }
        self.init(host: String(host), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    func encode(into writer: inout CanonicalWriter) {
        writer.writeString(host)
        writer.write(port)
    }

    static func decode(from reader: inout CanonicalReader) throws(CanonicalDecodingError) -> PeerAddress {
        let start = reader.offset
        let host = try reader.readString(limit: maximumHostLength)
        let port = try reader.readUInt16()
        guard !host.isEmpty, port != 0 else { throw .invalidValue(offset: start, reason: "empty host or port 0") }
        return PeerAddress(host: host, port: port)
    }
}
