import Foundation
import Glibc
import TestSupport
import XCTest

/// A real `zenfs node --web` and a real headless Chromium (Debian's, driven by Playwright): upload a clip made
/// by ffmpeg, see its renditions, play and seek it, search it by tag. Screenshots go to `.build/test-output/web`.
final class BrowserTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let zenfs = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("zenfs").path

    func testUploadPlaySeekAndSearchInChromium() throws {
        for tool in ["/usr/bin/chromium", "/usr/bin/ffmpeg", "/usr/bin/ffprobe"] {
            XCTAssertTrue(
                FileManager.default.isExecutableFile(atPath: tool),
                "\(tool) is missing: run scripts/install-deps"
            )
        }
        let directory = TemporaryDirectory()
        let clip = directory.path + "/clip.mp4"
        try run(
            "/usr/bin/ffmpeg",
            [
                "-v", "error", "-f", "lavfi", "-i", "testsrc=size=640x360:rate=25", "-f", "lavfi", "-i",
                "sine=frequency=440:sample_rate=44100", "-t", "8", "-c:v", "libx264", "-preset", "ultrafast",
                "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", clip,
            ],
            seconds: 120
        )
        let data = directory.path + "/node"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let log = directory.path + "/node.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let node = Process()
        node.executableURL = URL(fileURLWithPath: Self.zenfs)
        node.arguments = [
            "node", "--data-dir", data, "--listen", "127.0.0.1:\(Self.freePort())", "--no-mine", "--no-tracker",
            "--no-seeding", "--web", "127.0.0.1:\(Self.freePort())",
        ]
        node.standardOutput = FileHandle(forWritingAtPath: log)
        node.standardError = FileHandle(forWritingAtPath: log)
        try node.run()
        defer {
            if node.isRunning {
                node.terminate()
                node.waitUntilExit()
            }
        }
        var url: String?
        for _ in 0..<300 where url == nil && node.isRunning {
            url = try? String(contentsOfFile: data + "/web.url", encoding: .utf8)
            if url == nil { usleep(100_000) }
        }
        let base = try XCTUnwrap(url, "no web.url; log: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let output = Self.packageRoot + "/.build/test-output/web"
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let script = Self.packageRoot + "/Tests/WebTests/Browser/portal_flow.py"
        let result = try run(
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
        XCTAssertTrue(node.isRunning, "the node survived")
        for name in ["home", "video", "node"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: output + "/\(name).png"))
        }
    }

    /// Runs a program to its end within `seconds`; its output, or a failure with it.
    @discardableResult
    func run(_ program: String, _ arguments: [String], seconds: Double, environment: [String: String] = [:]) throws
        -> String
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = directoryForOutput()
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: out)
        try process.run()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(100_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: out)
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            XCTFail("\(program) \(arguments.prefix(3)) failed: \(text.suffix(3000))")
            return text
        }
        return text
    }

    /// A TCP port nothing listens on now.
    static func freePort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    private func directoryForOutput() -> String { NSTemporaryDirectory() + "zenfs-web-run-\(UUID().uuidString)" }
}
