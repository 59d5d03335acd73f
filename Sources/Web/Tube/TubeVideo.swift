import Foundation
import ZenFS

/// A video as the pages show it: its identity (the folder's info-hash), its metadata, and where it is.
public struct TubeVideo: Sendable, Equatable {
    public let infoHash: SHA1Digest
    public let metadata: VideoMetadata
    /// The folder's name (the metainfo's name).
    public let folder: String
    public let totalBytes: Int64
    /// Whether this node holds every part (false for a video found on the network).
    public let isLocal: Bool
    public var views: Int

    /// The metainfo fields that make a video searchable across the network.
    public static func fields(_ metadata: VideoMetadata) -> [String: String] {
        [
            "zentube": "1",
            "zentube.title": metadata.title,
            "zentube.duration": String(Int(metadata.durationSeconds.rounded())),
            "zentube.resolutions": metadata.resolutionList,
            "zentube.publisher": metadata.publisher,
        ]
    }

    /// The tag every ZenTube video carries, so `search(tags: ["zentube"])` lists them.
    public static let marker = "zentube"
}

/// How far an upload got: receiving, probing, encoding each rendition, publishing; then its video or an error.
public struct TubeJob: Codable, Sendable, Equatable {
    public enum Stage: String, Codable, Sendable {
        case received, probing, encoding, publishing, done, failed
    }

    public let id: String
    public var title: String
    public var stage: Stage
    public var receivedBytes: Int64
    /// Rendition name → percent encoded (0–100).
    public var renditions: [String: Int] = [:]
    public var infoHash: String?
    public var error: String?
    /// Where the encoding ran: "this node (sandboxed ffmpeg)" or a hired node.
    public var encoder: String = ""
}
