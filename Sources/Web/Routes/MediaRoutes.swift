import Foundation
import Hummingbird
import ZenFS

/// `/media/<info-hash>/<path>`: a file of a video folder, read from ZenFS as its parts arrive, with byte ranges
/// (players seek with them). Paths name files inside the metainfo only; nothing on this machine's filesystem.
struct MediaRoutes {
    let tube: TubeService

    func add(to router: Router<BasicRequestContext>) {
        router.get("/media/:id/**") { request, context in try await serve(request, context, head: false) }
        router.head("/media/:id/**") { request, context in try await serve(request, context, head: true) }
    }

    func serve(_ request: Request, _ context: BasicRequestContext, head: Bool) async throws -> Response {
        let id = try Responses.videoID(context)
        let components = context.parameters.getCatchAll().map(String.init)
        guard !components.isEmpty, components.count <= 8,
            components.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && $0.count <= 255 })
        else { throw HTTPError(.badRequest, message: "not a file path inside a video") }
        var found = tube.metainfo(id)
        if found == nil, await tube.video(id) != nil { found = tube.metainfo(id) }
        guard let metainfo = found else {
            throw HTTPError(.notFound, message: "no video \(id.hex) here or on the network")
        }
        let path = components.joined(separator: "/")
        guard let file = ContentReader.file(metainfo, path: path) else {
            throw HTTPError(.notFound, message: "the video has no file \(path)")
        }
        let length = file.length
        var headers = HTTPFields()
        headers[.contentType] = Self.contentType(path)
        headers[.acceptRanges] = "bytes"
        headers[.cacheControl] = "public, max-age=31536000, immutable"
        var range: Range<Int64> = 0..<length
        var status = HTTPResponse.Status.ok
        if let header = request.headers[.range] {
            switch ByteRange.parse(header, length: length) {
            case .whole:
                break
            case .part(let part):
                range = part
                status = .partialContent
                headers[.contentRange] = "bytes \(part.lowerBound)-\(part.upperBound - 1)/\(length)"
            case .unsatisfiable:
                headers[.contentRange] = "bytes */\(length)"
                return Response(status: .rangeNotSatisfiable, headers: headers)
            }
        }
        headers[.contentLength] = String(range.count)
        if head { return Response(status: status, headers: headers) }
        let reader = tube.reader
        let served = range
        let body = ResponseBody(contentLength: Int(range.count)) { writer in
            try await reader.read(metainfo, file: file, range: served) { bytes in
                try await writer.write(ByteBuffer(bytes: bytes))
            }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }

    static func contentType(_ path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "m3u8": "application/vnd.apple.mpegurl"
        case "m4s": "video/iso.segment"
        case "mp4": "video/mp4"
        case "jpg", "jpeg": "image/jpeg"
        case "json": "application/json"
        default: "application/octet-stream"
        }
    }
}

/// One `Range: bytes=…` header against a length: the whole file (no usable range, or several), one part, or none.
enum ByteRange: Equatable {
    case whole
    case part(Range<Int64>)
    case unsatisfiable

    static func parse(_ header: String, length: Int64) -> ByteRange {
        guard header.hasPrefix("bytes=") else { return .whole }
        let spec = header.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        if spec.contains(",") { return .whole }
        let sides = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard sides.count == 2, sides[0].count <= 19, sides[1].count <= 19 else { return .unsatisfiable }
        if sides[0].isEmpty {
            guard let suffix = Int64(sides[1]), suffix > 0, length > 0 else { return .unsatisfiable }
            return .part(max(0, length - suffix)..<length)
        }
        guard let start = Int64(sides[0]), start >= 0, start < length else { return .unsatisfiable }
        if sides[1].isEmpty { return .part(start..<length) }
        guard let end = Int64(sides[1]), end >= start else { return .unsatisfiable }
        return .part(start..<min(length, end + 1))
    }
}
