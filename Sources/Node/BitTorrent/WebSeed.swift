import Foundation
import Glibc
import ZenFS

/// A BEP 19 web seed over the element store: `GET /seed/<info-hash>/<name>[/<path>]`, whole or by `Range`,
/// read part by part from the element files (BEP 47 pad files too, as the zeros they hold); parts that are not
/// local are fetched from the circuit first.
public struct WebSeed: Sendable {
    let data: DataDirectory
    /// Brings a part into the store (blocking); true when it is there.
    let fetch: @Sendable (SHA1Digest) -> Bool
    /// The most bytes one response carries; longer ranges are cut (clients ask again for the rest).
    static let maximumResponse: Int64 = 16 << 20

    /// An HTTP answer.
    public struct Response: Sendable {
        public let status: Int
        public let headers: [(String, String)]
        public let body: [UInt8]
    }

    public init(data: DataDirectory, fetch: @escaping @Sendable (SHA1Digest) -> Bool) {
        self.data = data
        self.fetch = fetch
    }

    /// The answer to `GET path` (the part after `/seed/`) with an optional `Range` header value.
    public func respond(path: String, range: String?) -> Response {
        let components = path.split(separator: "/", omittingEmptySubsequences: true).map { component in
            String(decoding: TrackerQuery.decode(component) ?? Array(component.utf8), as: UTF8.self)
        }
        guard components.count >= 2, let infoHash = SHA1Digest(hex: components[0]),
            let metainfo = try? data.storedMetainfo(infoHash)
        else { return Self.text(404, "unknown content") }
        let info = metainfo.info
        let wanted = Array(components.dropFirst())
        guard
            let file = info.files.first(where: {
                (info.isMultiFile ? [info.name] + $0.path : [info.name]) == wanted
            })
        else { return Self.text(404, "no such file in \(infoHash)") }
        var start: Int64 = 0
        var end = file.length - 1
        var partial = false
        if let range {
            guard let parsed = Self.parse(range, length: file.length) else {
                return Response(
                    status: 416,
                    headers: [("Content-Range", "bytes */\(file.length)")],
                    body: []
                )
            }
            (start, end) = parsed
            partial = true
        }
        end = min(end, start + Self.maximumResponse - 1)
        if file.length == 0 { return Response(status: 200, headers: [], body: []) }
        guard let body = read(info: info, from: file.offset + start, count: Int(end - start + 1)) else {
            return Self.text(503, "a part of this file is not available")
        }
        var headers = [("Accept-Ranges", "bytes"), ("Content-Type", "application/octet-stream")]
        if partial || end < file.length - 1 {
            headers.append(("Content-Range", "bytes \(start)-\(end)/\(file.length)"))
        }
        return Response(status: partial || end < file.length - 1 ? 206 : 200, headers: headers, body: body)
    }

    /// `bytes=a-b`, `bytes=a-` or `bytes=-n`, within the file; nil when unsatisfiable or malformed.
    static func parse(_ header: String, length: Int64) -> (Int64, Int64)? {
        guard header.hasPrefix("bytes="), !header.contains(",") else { return nil }
        let spec = header.dropFirst(6).split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard spec.count == 2 else { return nil }
        if spec[0].isEmpty {
            guard let suffix = Int64(spec[1]), suffix > 0 else { return nil }
            return (max(0, length - suffix), length - 1)
        }
        guard let first = Int64(spec[0]), first < length else { return nil }
        let last = spec[1].isEmpty ? length - 1 : min(Int64(spec[1]) ?? -1, length - 1)
        return last >= first ? (first, last) : nil
    }

    /// Bytes `offset ..< offset + count` of the torrent's stream, from the parts.
    private func read(info: MetainfoInfo, from offset: Int64, count: Int) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let position = offset + Int64(done)
            let piece = Int(position / Int64(info.pieceLength))
            let within = Int(position % Int64(info.pieceLength))
            let chunk = min(count - done, info.pieceLength - within)
            guard piece < info.pieces.count else { return nil }
            let hash = info.pieces[piece]
            if !data.store.contains(hash), !fetch(hash) { return nil }
            let fd = Glibc.open(data.store.path(of: hash), O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            let ok = output.withUnsafeMutableBytes { buffer in
                (try? Posix.readExactly(
                    fd,
                    into: UnsafeMutableRawBufferPointer(rebasing: buffer[done..<done + chunk]),
                    at: Int64(within),
                    path: data.store.path(of: hash)
                )) != nil
            }
            guard ok else { return nil }
            done += chunk
        }
        return output
    }

    static func text(_ status: Int, _ message: String) -> Response {
        Response(status: status, headers: [("Content-Type", "text/plain")], body: Array((message + "\n").utf8))
    }
}
