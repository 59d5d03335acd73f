import Foundation
import ZenFS

/// A BEP 19 web seed over the element store: `GET /seed/<info-hash>/<name>[/<path>]`. A request without `Range`
/// gets the whole file (200), a satisfiable `Range` exactly the bytes it names (206), however long; both are
/// streamed part by part from the element files (BEP 47 pad files too, as the zeros they hold), so a response
/// holds at most two chunks in memory. Parts that are not local are fetched from the circuit first. At most
/// `maximumStreams` responses are streamed at once; the others are told to retry (503).
public struct WebSeed: Sendable {
    let data: DataDirectory
    /// Brings a part into the store (blocking); true when it is there.
    let fetch: @Sendable (SHA1Digest) -> Bool
    /// Counts the responses being streamed.
    let gate: WebSeedGate

    /// How many responses are streamed at once by default.
    public static let defaultMaximumStreams = 32

    /// An HTTP answer held whole in memory (errors and empty files).
    public struct Response: Sendable {
        public let status: Int
        public let headers: [(String, String)]
        public let body: [UInt8]
    }

    /// What a request is answered with.
    public enum Answer: Sendable {
        /// A short answer, sent as it is.
        case complete(Response)
        /// A status and headers, followed by `body.length` bytes read from the parts as they are sent.
        case stream(status: Int, headers: [(String, String)], body: WebSeedBody)
    }

    public init(
        data: DataDirectory,
        maximumStreams: Int = WebSeed.defaultMaximumStreams,
        fetch: @escaping @Sendable (SHA1Digest) -> Bool
    ) {
        self.data = data
        self.fetch = fetch
        gate = WebSeedGate(limit: maximumStreams)
    }

    /// The answer to `GET path` (the part after `/seed/`) with an optional `Range` header value. Reads the
    /// catalog: call it off the event loop.
    public func answer(path: String, range: String?) -> Answer {
        let components = path.split(separator: "/", omittingEmptySubsequences: true).map { component in
            String(decoding: TrackerQuery.decode(component) ?? Array(component.utf8), as: UTF8.self)
        }
        guard components.count >= 2, let infoHash = SHA1Digest(hex: components[0]),
            let metainfo = try? data.storedMetainfo(infoHash)
        else { return .complete(Self.text(404, "unknown content")) }
        let info = metainfo.info
        let wanted = Array(components.dropFirst())
        guard
            let file = info.files.first(where: {
                (info.isMultiFile ? [info.name] + $0.path : [info.name]) == wanted
            })
        else { return .complete(Self.text(404, "no such file in \(infoHash)")) }
        var headers = [("Accept-Ranges", "bytes"), ("Content-Type", "application/octet-stream")]
        guard let range else {
            if file.length == 0 { return .complete(Response(status: 200, headers: headers, body: [])) }
            return .stream(status: 200, headers: headers, body: body(info, file.offset, file.length))
        }
        guard let (start, end) = Self.parse(range, length: file.length) else {
            return .complete(Response(status: 416, headers: [("Content-Range", "bytes */\(file.length)")], body: []))
        }
        headers.append(("Content-Range", "bytes \(start)-\(end)/\(file.length)"))
        return .stream(status: 206, headers: headers, body: body(info, file.offset + start, end - start + 1))
    }

    private func body(_ info: MetainfoInfo, _ offset: Int64, _ length: Int64) -> WebSeedBody {
        WebSeedBody(store: data.store, fetch: fetch, info: info, start: offset, length: length)
    }

    /// `bytes=a-b`, `bytes=a-` or `bytes=-n`, within the file; nil when unsatisfiable or malformed.
    static func parse(_ header: String, length: Int64) -> (Int64, Int64)? {
        guard header.hasPrefix("bytes="), !header.contains(",") else { return nil }
        let spec = header.dropFirst(6).split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard spec.count == 2 else { return nil }
        if spec[0].isEmpty {
            guard let suffix = Int64(spec[1]), suffix > 0, length > 0 else { return nil }
            return (max(0, length - suffix), length - 1)
        }
        guard let first = Int64(spec[0]), first >= 0, first < length else { return nil }
        guard spec[1].isEmpty || Int64(spec[1]) != nil else { return nil }
        let last = spec[1].isEmpty ? length - 1 : min(Int64(spec[1])!, length - 1)
        return last >= first ? (first, last) : nil
    }

    static func text(_ status: Int, _ message: String) -> Response {
        Response(status: status, headers: [("Content-Type", "text/plain")], body: Array((message + "\n").utf8))
    }
}
