/// Why a ZenTube request failed, in words a person can act on.
public enum TubeError: Error, Equatable, CustomStringConvertible {
    case badField(String)
    case notAVideo(String)
    case unknownVideo(String)
    case tooLarge(limit: Int64)
    case noRoom(needed: Int64, available: Int64)
    case encodingFailed(String)
    case toolMissing(String)

    public var description: String {
        switch self {
        case .badField(let reason): reason
        case .notAVideo(let reason): "the file is not a video ffmpeg can read: \(reason)"
        case .unknownVideo(let id): "no video \(id) on this node"
        case .tooLarge(let limit): "an upload is at most \(limit) bytes"
        case .noRoom(let needed, let available):
            "not enough room: the video needs about \(needed) bytes and the quota leaves \(available); free space with `zenfs rm` and `zenfs gc` or raise the quota"
        case .encodingFailed(let reason): "encoding failed: \(reason)"
        case .toolMissing(let tool): "\(tool) is not installed (apt-get install ffmpeg bubblewrap)"
        }
    }
}
