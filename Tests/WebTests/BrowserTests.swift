import Foundation
import Glibc
import TestSupport
import XCTest

/// A real `zenfs node --web` and a real headless Chromium (Debian's, driven by Playwright): upload a clip made
/// by ffmpeg, see its renditions, play and seek it, search it by tag. Screenshots go to `.build/test-output/web`.
final class BrowserTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    func testUploadPlaySeekAndSearchInChromium() throws {
        for tool in ["/usr/bin/chromium", "/usr/bin/ffmpeg", "/usr/bin/ffprobe"] {
            XCTAssertTrue(
                FileManager.default.isExecutableFile(atPath: tool),
                "\(tool) is missing: run scripts/install-deps"
            )
        }
        let directory = TemporaryDirectory()
        let clip = directory.path + "/clip.mp4"
        try ProgramRun.run(
            "/usr/bin/ffmpeg",
            [
                "-v", "error", "-f", "lavfi", "-i", "testsrc=size=640x360:rate=25", "-f", "lavfi", "-i",
                "sine=frequency=440:sample_rate=44100", "-t", "8", "-c:v", "libx264", "-preset", "ultrafast",
                "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", clip,
            ],
            seconds: 120
        )
        let node = try WebNode(in: directory.path, name: "node")
        let base = node.url
        let output = Self.packageRoot + "/.build/test-output/web"
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let script = Self.packageRoot + "/Tests/WebTests/Browser/portal_flow.py"
        let result = try ProgramRun.run(
            "/usr/bin/env",
            ["python3", script, base, clip, output, "<script>alert(1)</script> test clip"],
            seconds: 480,
            environment: ["HOME": directory.path]
        )
        print("browser: \(result)")
        let report = try XCTUnwrap(
            try JSONSerialization.jsonObject(
                with: Data(result.split(separator: "\n").last.map(String.init)?.utf8 ?? "".utf8)
            )
                as? [String: Any]
        )
        XCTAssertNil(report["failed"])
        XCTAssertEqual((report["renditions"] as? [String])?.count, 2, "360p and 240p from a 360p source")
        XCTAssertTrue(node.process.isRunning, "the node survived")
        // A request for another host name (DNS rebinding) is refused.
        let rebound = try ProgramRun.run(
            "/usr/bin/curl",
            ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: evil.example", base + "api/videos"],
            seconds: 30
        )
        XCTAssertEqual(rebound, "421")
        for name in ["home", "video", "node"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: output + "/\(name).png"))
        }
    }
}
