/// One rung of the HLS ladder: a height, the width that keeps the source's shape, and a target bitrate.
public struct Rendition: Codable, Equatable, Sendable {
    public let height: Int
    public let width: Int
    /// Target video bitrate in bits per second.
    public let videoBitrate: Int
    /// Audio bitrate in bits per second (AAC).
    public let audioBitrate: Int

    /// The rendition's folder and playlist name, such as `360p`.
    public var name: String { "\(height)p" }
}

/// The H.264/AAC ladder chosen for a source: the standard heights from the source's own height down, never
/// upscaled, with bitrates by bits per pixel (the same per-height figures PeerTube uses: fewer bits per pixel as
/// the picture grows, since larger frames compress better).
public enum EncodingLadder {
    /// The heights ZenTube encodes, largest first.
    public static let standardHeights = [1080, 720, 480, 360, 240]

    /// Average bits per pixel for each standard height.
    static let averageBitsPerPixel: [Int: Double] = [
        1080: 0.10, 720: 0.11, 480: 0.12, 360: 0.15, 240: 0.17, 144: 0.19,
    ]

    /// The renditions for a source of `width`×`height` at `framesPerSecond`; a source smaller than every standard
    /// height gets one rendition at its own height. Empty for a source with no picture.
    public static func renditions(sourceWidth width: Int, sourceHeight height: Int, framesPerSecond: Double)
        -> [Rendition]
    {
        guard width > 0, height > 0 else { return [] }
        var heights = standardHeights.filter { $0 <= height }
        if heights.isEmpty { heights = [height - height % 2] }
        let fps = min(60, max(1, framesPerSecond.isFinite ? framesPerSecond : 30))
        return heights.filter { $0 >= 2 }.map { target in
            // Even dimensions: H.264 with 4:2:0 chroma needs them.
            let scaledWidth = max(2, Int((Double(width) * Double(target) / Double(height) / 2).rounded()) * 2)
            return Rendition(
                height: target,
                width: scaledWidth,
                videoBitrate: bitrate(width: scaledWidth, height: target, framesPerSecond: fps),
                audioBitrate: target >= 720 ? 128_000 : 96_000
            )
        }
    }

    /// Pixels per second times the bits per pixel of the nearest standard height at or below `height`.
    static func bitrate(width: Int, height: Int, framesPerSecond: Double) -> Int {
        let bucket = averageBitsPerPixel.keys.sorted(by: >).first { $0 <= height } ?? 144
        let bits = Double(width * height) * framesPerSecond * (averageBitsPerPixel[bucket] ?? 0.19)
        return max(64_000, Int(bits))
    }
}
