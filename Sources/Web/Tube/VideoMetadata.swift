import Foundation

/// What a ZenTube video folder says about itself, stored as `video.json` beside its playlists. The same title,
/// tags, duration and resolutions are also the metainfo's searchable fields, so other nodes find the video
/// without downloading it.
public struct VideoMetadata: Codable, Equatable, Sendable {
    public var title: String
    public var description: String
    public var tags: [String]
    public var durationSeconds: Double
    public var renditions: [Rendition]
    /// The node identity that published it.
    public var publisher: String
    public var createdAt: Date
    /// The master playlist's path inside the folder.
    public var masterPlaylist: String = "master.m3u8"
    public var poster: String = "poster.jpg"

    /// Heights, largest first, as `720p,480p`.
    public var resolutionList: String { renditions.map(\.name).joined(separator: ",") }

    public static let fileName = "video.json"

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.dateEncodingStrategy = .secondsSince1970
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> VideoMetadata {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try decoder.decode(VideoMetadata.self, from: data)
    }
}

/// The rules a title, a description and tags must follow; what breaks them is refused with a message.
public enum VideoFieldRules {
    public static let maxTitle = 200
    public static let maxDescription = 5_000
    public static let maxTags = 16
    public static let maxTag = 40

    /// Tags as a person typed them (commas or spaces), lowercased, deduplicated, checked.
    public static func tags(_ text: String) throws(TubeError) -> [String] {
        var seen: [String] = []
        for raw in text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }) {
            let tag = raw.lowercased()
            guard tag.count <= maxTag, tag.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw .badField("a tag has letters, digits, '-' and '_' only, at most \(maxTag) of them: '\(raw)'")
            }
            if !seen.contains(tag) { seen.append(tag) }
        }
        guard seen.count <= maxTags else { throw .badField("at most \(maxTags) tags, got \(seen.count)") }
        return seen
    }

    public static func title(_ text: String) throws(TubeError) -> String {
        let title = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty else { throw .badField("a video needs a title") }
        guard title.count <= maxTitle else { throw .badField("a title has at most \(maxTitle) characters") }
        guard !title.contains(where: { $0.isNewline }) else { throw .badField("a title is one line") }
        return title
    }

    public static func description(_ text: String) throws(TubeError) -> String {
        guard text.count <= maxDescription else {
            throw .badField("a description has at most \(maxDescription) characters")
        }
        return text
    }
}
