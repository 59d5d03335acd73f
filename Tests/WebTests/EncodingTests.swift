import Foundation
import TestSupport
import XCTest

@testable import Web

/// Real ffmpeg in the sandbox: probe a clip, encode its ladder as HLS, and check the result; a result that is
/// not what was asked (wrong duration, a missing segment, a wrong size) is refused.
final class EncodingTests: XCTestCase {
    func testEncodesTheLadderAndRefusesAWrongResult() async throws {
        let directory = TemporaryDirectory()
        let clip = directory.path + "/clip.mp4"
        try ProgramRun.run(
            "/usr/bin/ffmpeg",
            [
                "-v", "error", "-f", "lavfi", "-i", "testsrc=size=480x270:rate=25", "-f", "lavfi", "-i",
                "sine=frequency=300", "-t", "5", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-shortest", clip,
            ],
            seconds: 120
        )
        XCTAssertTrue(SandboxedTool().isolated, "bubblewrap runs here (scripts/install-deps installs it)")
        let info = try await MediaProbe().probe(clip)
        XCTAssertEqual(info.width, 480)
        XCTAssertEqual(info.height, 270)
        XCTAssertTrue(info.hasAudio)
        XCTAssertEqual(info.durationSeconds, 5, accuracy: 0.2)
        let renditions = EncodingLadder.renditions(sourceWidth: 480, sourceHeight: 270, framesPerSecond: 25)
        XCTAssertEqual(renditions.map(\.name), ["240p"])
        let output = directory.path + "/out"
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let seen = ProgressLog()
        try await LocalSandboxedEncoder().encode(
            EncodingRequest(sourcePath: clip, source: info, renditions: renditions, outputDirectory: output)
        ) { seen.add($0) }
        XCTAssertTrue(seen.finished.contains("240p"))
        for file in ["master.m3u8", "poster.jpg", "240p/index.m3u8", "240p/init.mp4", "240p/seg0000.m4s"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: output + "/" + file), file)
        }
        let hidden = try FileManager.default.contentsOfDirectory(atPath: output).filter { $0.hasPrefix(".") }
        XCTAssertEqual(hidden, [], "no progress files left in the folder that is published")
        let check = EncodingCheck()
        try await check.verify(folder: output, renditions: renditions, durationSeconds: info.durationSeconds)

        await XCTAssertRefused("lasts") {
            try await check.verify(folder: output, renditions: renditions, durationSeconds: info.durationSeconds + 6)
        }
        let wrongSize = [Rendition(height: 240, width: 320, videoBitrate: 1, audioBitrate: 1)]
        await XCTAssertRefused("not 320×240") {
            try await check.verify(folder: output, renditions: wrongSize, durationSeconds: info.durationSeconds)
        }
        let playlist = try String(contentsOfFile: output + "/240p/index.m3u8", encoding: .utf8)
        let cut = playlist.split(separator: "\n").filter {
            !$0.hasSuffix("seg0001.m4s") && !$0.hasSuffix("seg0002.m4s")
        }
        try cut.joined(separator: "\n").write(toFile: output + "/240p/index.m3u8", atomically: true, encoding: .utf8)
        await XCTAssertRefused("240p") {
            try await check.verify(folder: output, renditions: renditions, durationSeconds: info.durationSeconds)
        }
    }

    func XCTAssertRefused(_ words: String, _ body: () async throws -> Void, line: UInt = #line) async {
        do {
            try await body()
            XCTFail("accepted a wrong result", line: line)
        } catch {
            XCTAssertTrue("\(error)".contains(words), "\(error)", line: line)
        }
    }
}

/// What the encoder reported, from its progress callbacks.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var done: Set<String> = []

    func add(_ progress: EncodingProgress) {
        lock.lock()
        defer { lock.unlock() }
        if progress.finished { done.insert(progress.rendition) }
    }

    var finished: Set<String> {
        lock.lock()
        defer { lock.unlock() }
        return done
    }
}
