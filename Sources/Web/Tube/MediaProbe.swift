import Foundation

/// What ffprobe says about a source: its duration, picture size, frame rate and whether it has sound.
public struct MediaInfo: Equatable, Sendable {
    public let durationSeconds: Double
    public let width: Int
    public let height: Int
    public let framesPerSecond: Double
    public let hasAudio: Bool
    public let videoCodec: String
}

/// Probes a file with ffprobe in the sandbox.
public struct MediaProbe: Sendable {
    public let tool: SandboxedTool

    public init(tool: SandboxedTool = SandboxedTool()) { self.tool = tool }

    public func probe(_ path: String) async throws -> MediaInfo {
        let outcome = try await tool.run(
            "ffprobe",
            arguments: ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", "/in/source"],
            input: path,
            output: nil
        )
        guard outcome.status == 0 else {
            throw TubeError.notAVideo(
                outcome.standardError.split(separator: "\n").last.map(String.init) ?? "ffprobe failed"
            )
        }
        return try Self.parse(outcome.standardOutput)
    }

    /// Reads ffprobe's JSON (`-show_format -show_streams`).
    public static func parse(_ json: Data) throws -> MediaInfo {
        struct Stream: Decodable {
            let codec_type: String?
            let codec_name: String?
            let width: Int?
            let height: Int?
            let avg_frame_rate: String?
            let r_frame_rate: String?
            let duration: String?
        }
        struct Format: Decodable { let duration: String? }
        struct Probe: Decodable {
            let streams: [Stream]?
            let format: Format?
        }
        guard let probe = try? JSONDecoder().decode(Probe.self, from: json) else {
            throw TubeError.notAVideo("ffprobe's answer is unreadable")
        }
        let streams = probe.streams ?? []
        guard let video = streams.first(where: { $0.codec_type == "video" }), let width = video.width,
            let height = video.height, width > 0, height > 0
        else { throw TubeError.notAVideo("it has no picture") }
        guard width <= 8192, height <= 8192 else { throw TubeError.notAVideo("a picture larger than 8192 pixels") }
        let duration = Double(probe.format?.duration ?? video.duration ?? "") ?? 0
        guard duration > 0, duration.isFinite, duration < 24 * 3600 else {
            throw TubeError.notAVideo("no readable duration")
        }
        return MediaInfo(
            durationSeconds: duration,
            width: width,
            height: height,
            framesPerSecond: rate(video.avg_frame_rate) ?? rate(video.r_frame_rate) ?? 30,
            hasAudio: streams.contains { $0.codec_type == "audio" },
            videoCodec: video.codec_name ?? "?"
        )
    }

    /// `30000/1001` as a number; nil for `0/0` and nonsense.
    static func rate(_ text: String?) -> Double? {
        guard let parts = text?.split(separator: "/"), parts.count == 2, let top = Double(parts[0]),
            let bottom = Double(parts[1]), bottom > 0, top > 0
        else { return nil }
        return top / bottom
    }
}
