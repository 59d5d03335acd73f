import Foundation

/// Checks an encoded video folder before it is published (and, for a hired encoder, before it is paid): every
/// rendition's playlist is read back by ffprobe, in the sandbox, and must show H.264 at the rendition's size, the
/// source's duration within one segment, and as many segments as that duration needs.
public struct EncodingCheck: Sendable {
    public let tool: SandboxedTool
    public let segmentSeconds: Double

    public init(tool: SandboxedTool = SandboxedTool(), segmentSeconds: Double = 2) {
        self.tool = tool
        self.segmentSeconds = segmentSeconds
    }

    /// Throws `TubeError.encodingFailed` naming the first rendition that is not what was asked.
    public func verify(folder: String, renditions: [Rendition], durationSeconds: Double) async throws {
        guard FileManager.default.fileExists(atPath: folder + "/master.m3u8") else {
            throw TubeError.encodingFailed("the result has no master playlist")
        }
        for rendition in renditions {
            let directory = folder + "/" + rendition.name
            guard let playlist = try? String(contentsOfFile: directory + "/index.m3u8", encoding: .utf8) else {
                throw TubeError.encodingFailed("\(rendition.name) has no playlist")
            }
            let outcome = try await tool.run(
                "ffprobe",
                arguments: [
                    "-v", "error", "-print_format", "json", "-show_format", "-show_streams", "/in/source/index.m3u8",
                ],
                input: directory,
                output: nil
            )
            guard outcome.status == 0 else {
                throw TubeError.encodingFailed("\(rendition.name) does not read back: \(outcome.standardError)")
            }
            let info: MediaInfo
            do { info = try MediaProbe.parse(outcome.standardOutput) } catch {
                throw TubeError.encodingFailed("\(rendition.name) does not read back: \(error)")
            }
            guard info.videoCodec == "h264" else {
                throw TubeError.encodingFailed("\(rendition.name) is \(info.videoCodec), not H.264")
            }
            guard info.width == rendition.width, info.height == rendition.height else {
                throw TubeError.encodingFailed(
                    "\(rendition.name) is \(info.width)×\(info.height), not \(rendition.width)×\(rendition.height)"
                )
            }
            guard abs(info.durationSeconds - durationSeconds) <= segmentSeconds else {
                throw TubeError.encodingFailed(
                    "\(rendition.name) lasts \(String(format: "%.1f", info.durationSeconds)) s, not \(String(format: "%.1f", durationSeconds)) s"
                )
            }
            let segments = playlist.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
            let needed = Int((durationSeconds / segmentSeconds).rounded(.up))
            guard abs(segments.count - needed) <= 1 else {
                throw TubeError.encodingFailed("\(rendition.name) has \(segments.count) segments, \(needed) expected")
            }
        }
    }
}
