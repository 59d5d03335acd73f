import Foundation
import HTTPTypes
import Hummingbird
import Node
import ZenFS

/// Small helpers the routes share: JSON bodies, ids from paths, errors mapped to statuses.
enum Responses {
    /// 507: the quota or the disk has no room for it.
    static let insufficientStorage = HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .secondsSince1970
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A 40-digit info-hash from a path parameter, or a 400 saying what was wrong.
    static func videoID(_ context: some RequestContext, _ name: String = "id") throws -> SHA1Digest {
        let text = context.parameters.get(name) ?? ""
        guard text.count == 40, let hash = SHA1Digest(hex: text.lowercased()) else {
            throw HTTPError(.badRequest, message: "not a video id (40 hexadecimal digits): \(text.prefix(60))")
        }
        return hash
    }

    /// The HTTP form of a failure: bad input is 4xx with its message, anything else 500 with its text.
    static func httpError(_ error: any Error) -> HTTPError {
        if let error = error as? HTTPError { return error }
        if let error = error as? TubeError {
            switch error {
            case .badField, .notAVideo: return HTTPError(.badRequest, message: error.description)
            case .unknownVideo: return HTTPError(.notFound, message: error.description)
            case .tooLarge: return HTTPError(.contentTooLarge, message: error.description)
            case .noRoom: return HTTPError(Responses.insufficientStorage, message: error.description)
            case .encodingFailed, .toolMissing: return HTTPError(.internalServerError, message: error.description)
            }
        }
        if let error = error as? StoreError, case .quotaExceeded = error {
            return HTTPError(Responses.insufficientStorage, message: "\(error)")
        }
        return HTTPError(.internalServerError, message: "\(error)")
    }
}

/// One video as the JSON API gives it.
struct VideoJSON: Codable {
    let id: String
    let title: String
    let description: String
    let tags: [String]
    let durationSeconds: Double
    let resolutions: [String]
    let publisher: String
    let views: Int
    let local: Bool
    let sizeBytes: Int64
    let createdAt: Date
    let magnet: String
    let torrent: String
    let playlist: String
    let poster: String

    init(_ video: TubeVideo, magnet: String) {
        id = video.infoHash.hex
        title = video.metadata.title
        description = video.metadata.description
        tags = video.metadata.tags
        durationSeconds = video.metadata.durationSeconds
        resolutions = video.metadata.renditions.map(\.name)
        publisher = video.metadata.publisher
        views = video.views
        local = video.isLocal
        sizeBytes = video.totalBytes
        createdAt = video.metadata.createdAt
        self.magnet = magnet
        torrent = "/api/videos/\(id)/torrent"
        playlist = "/media/\(id)/\(video.metadata.masterPlaylist)"
        poster = "/media/\(id)/\(video.metadata.poster)"
    }

    /// The values a template shows.
    var page: [String: Any] {
        [
            "id": id, "title": title, "description": description, "tags": tags.map { ["tag": $0] },
            "duration": Self.clock(durationSeconds), "resolutions": resolutions.joined(separator: ", "),
            "publisher": publisher, "views": views, "local": local, "magnet": magnet, "torrent": torrent,
            "playlist": playlist, "poster": poster, "size": Self.size(sizeBytes),
        ]
    }

    /// `m:ss`; a duration from the network that is no sensible number shows as `?`.
    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0, seconds < 1e7 else { return "?" }
        let whole = Int(seconds.rounded())
        return String(format: "%d:%02d", whole / 60, whole % 60)
    }

    static func size(_ bytes: Int64) -> String {
        bytes >= 1 << 20 ? String(format: "%.1f MiB", Double(bytes) / 1_048_576) : "\(bytes / 1024) KiB"
    }
}
