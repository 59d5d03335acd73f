import Foundation

/// One encoding job: a source, the renditions wanted and where the output goes.
public struct EncodingRequest: Sendable {
    /// The source file on this node.
    public let sourcePath: String
    public let source: MediaInfo
    public let renditions: [Rendition]
    /// An empty folder that receives `master.m3u8`, one folder per rendition and `poster.jpg`.
    public let outputDirectory: String

    public init(sourcePath: String, source: MediaInfo, renditions: [Rendition], outputDirectory: String) {
        self.sourcePath = sourcePath
        self.source = source
        self.renditions = renditions
        self.outputDirectory = outputDirectory
    }
}

/// How far an encoding got: per rendition, encoded seconds of the source's duration.
public struct EncodingProgress: Sendable, Equatable {
    public let rendition: String
    public let encodedSeconds: Double
    public let finished: Bool
}

/// Where a video's encoding runs. `LocalSandboxedEncoder` runs ffmpeg on this node; a hired encoder (a VM task
/// bought on the market, which receives the source's info-hash, encodes, and returns the output's info-hash for
/// the publisher to check before paying) implements the same protocol and is chosen in `TubeService`.
public protocol VideoEncoder: Sendable {
    /// Encodes every rendition into `request.outputDirectory`, reporting progress; throws `TubeError`.
    func encode(_ request: EncodingRequest, progress: @escaping @Sendable (EncodingProgress) -> Void) async throws
}

/// Encodes on this node with ffmpeg under `SandboxedTool`: each rendition in turn, smallest first (so the first
/// playable rendition is ready soonest), as HLS with fMP4 segments, then the master playlist and a poster.
public struct LocalSandboxedEncoder: VideoEncoder {
    public let tool: SandboxedTool
    /// Seconds per HLS segment.
    public let segmentSeconds: Int

    public init(tool: SandboxedTool = SandboxedTool(), segmentSeconds: Int = 2) {
        self.tool = tool
        self.segmentSeconds = segmentSeconds
    }

    public func encode(_ request: EncodingRequest, progress: @escaping @Sendable (EncodingProgress) -> Void)
        async throws
    {
        let fps = min(60, max(1, request.source.framesPerSecond))
        for rendition in request.renditions.sorted(by: { $0.height < $1.height }) {
            try Task.checkCancellation()
            let folder = request.outputDirectory + "/" + rendition.name
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let progressFile = request.outputDirectory + "/.progress-" + rendition.name
            _ = FileManager.default.createFile(atPath: progressFile, contents: nil)
            let watcher = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: 300_000_000)
                    if let seconds = Self.encodedSeconds(progressFile) {
                        progress(EncodingProgress(rendition: rendition.name, encodedSeconds: seconds, finished: false))
                    }
                }
            }
            let outcome = try await tool.run(
                "ffmpeg",
                arguments: arguments(rendition, fps: fps, hasAudio: request.source.hasAudio),
                input: request.sourcePath,
                output: request.outputDirectory,
                workingSubfolder: rendition.name
            )
            // Wait for the watcher to stop, so no late partial report follows the final one.
            watcher.cancel()
            await watcher.value
            try? FileManager.default.removeItem(atPath: progressFile)
            guard outcome.status == 0 else {
                throw TubeError.encodingFailed(
                    outcome.timedOut
                        ? "ffmpeg ran past its time limit"
                        : (outcome.standardError.split(separator: "\n").last.map(String.init) ?? "ffmpeg failed")
                )
            }
            progress(
                EncodingProgress(
                    rendition: rendition.name,
                    encodedSeconds: request.source.durationSeconds,
                    finished: true
                )
            )
        }
        try await poster(request)
        try MasterPlaylist.text(request.renditions).write(
            toFile: request.outputDirectory + "/master.m3u8",
            atomically: true,
            encoding: .utf8
        )
    }

    /// ffmpeg's arguments for one rendition, with paths as the sandbox sees them.
    func arguments(_ rendition: Rendition, fps: Double, hasAudio: Bool) -> [String] {
        let keyframes = max(1, Int((fps * Double(segmentSeconds)).rounded()))
        var arguments = [
            "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
            "-progress", "/out/.progress-" + rendition.name,
            "-i", "/in/source",
            "-map", "0:v:0",
        ]
        if hasAudio { arguments += ["-map", "0:a:0"] }
        arguments += [
            "-vf", "scale=\(rendition.width):\(rendition.height)", "-pix_fmt", "yuv420p",
            "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high",
            "-b:v", "\(rendition.videoBitrate)", "-maxrate", "\(rendition.videoBitrate * 3 / 2)",
            "-bufsize", "\(rendition.videoBitrate * 2)",
            "-g", "\(keyframes)", "-keyint_min", "\(keyframes)", "-sc_threshold", "0",
        ]
        if hasAudio { arguments += ["-c:a", "aac", "-b:a", "\(rendition.audioBitrate)", "-ac", "2"] }
        arguments += [
            "-f", "hls", "-hls_time", "\(segmentSeconds)", "-hls_playlist_type", "vod",
            "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
            "-hls_segment_filename", "seg%04d.m4s", "index.m3u8",
        ]
        return arguments
    }

    private func poster(_ request: EncodingRequest) async throws {
        let at = min(1, request.source.durationSeconds / 2)
        let height = min(360, request.source.height - request.source.height % 2)
        let outcome = try await tool.run(
            "ffmpeg",
            arguments: [
                "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-ss", String(format: "%.2f", at),
                "-i", "/in/source", "-frames:v", "1", "-vf", "scale=-2:\(max(2, height))", "-q:v", "4",
                "/out/poster.jpg",
            ],
            input: request.sourcePath,
            output: request.outputDirectory
        )
        guard outcome.status == 0 else { throw TubeError.encodingFailed("no poster: \(outcome.standardError)") }
    }

    /// The last `out_time_us` ffmpeg wrote to its progress file, in seconds.
    static func encodedSeconds(_ path: String) -> Double? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let last = text.split(separator: "\n").last { $0.hasPrefix("out_time_us=") }
        return last.flatMap { Double($0.dropFirst("out_time_us=".count)) }.map { max(0, $0 / 1e6) }
    }
}

/// The HLS master playlist over the renditions' own playlists.
public enum MasterPlaylist {
    public static func text(_ renditions: [Rendition]) -> String {
        var lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
        for rendition in renditions.sorted(by: { $0.height > $1.height }) {
            lines.append(
                "#EXT-X-STREAM-INF:BANDWIDTH=\(rendition.videoBitrate + rendition.audioBitrate),RESOLUTION=\(rendition.width)x\(rendition.height)"
            )
            lines.append(rendition.name + "/index.m3u8")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
