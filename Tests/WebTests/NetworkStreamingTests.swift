import Foundation
import TestSupport
import XCTest

/// Two real nodes: a video uploaded with `zenfs tube upload` on one is found by tag from the other through the
/// network and streamed from it (playlists and segments, whole and by range) with no local copy beforehand.
final class NetworkStreamingTests: XCTestCase {
    func testASecondNodeFindsAndStreamsAVideoItDoesNotHold() throws {
        let directory = TemporaryDirectory()
        let clip = directory.path + "/clip.mp4"
        try ProgramRun.run(
            "/usr/bin/ffmpeg",
            [
                "-v", "error", "-f", "lavfi", "-i", "testsrc=size=426x240:rate=25", "-t", "6", "-c:v", "libx264",
                "-preset", "ultrafast", "-pix_fmt", "yuv420p", clip,
            ],
            seconds: 120
        )
        let publisher = try WebNode(in: directory.path, name: "publisher")
        let viewer = try WebNode(in: directory.path, name: "viewer", peers: [publisher])
        let uploaded = try publisher.zenfs(["tube", "upload", clip, "--title", "Across the net", "--tag", "streamtest"])
        let id = try XCTUnwrap(
            uploaded.split(separator: "\n").last { $0.hasPrefix("published ") }?.split(separator: " ")[1],
            uploaded
        )
        XCTAssertTrue(try publisher.zenfs(["tube", "ls"]).contains(String(id)))
        XCTAssertTrue(try publisher.zenfs(["tube", "search", "--tag", "streamtest"]).contains("Across the net"))
        XCTAssertFalse(try viewer.zenfs(["tube", "ls"]).contains(String(id)), "the viewer holds nothing yet")

        var found = ""
        for _ in 0..<20 where !found.contains(String(id)) {
            found = (try? viewer.zenfs(["tube", "search", "--tag", "streamtest", "--network"])) ?? ""
            if !found.contains(String(id)) { usleep(500_000) }
        }
        XCTAssertTrue(found.contains(String(id)) && found.contains("Across the net"), found)

        let master = try viewer.get("media/\(id)/master.m3u8")
        XCTAssertEqual(master.status, 200)
        XCTAssertEqual(master.body, try publisher.get("media/\(id)/master.m3u8").body)
        let playlist = String(decoding: try viewer.get("media/\(id)/240p/index.m3u8").body, as: UTF8.self)
        let segments = playlist.split(separator: "\n").filter { $0.hasSuffix(".m4s") }
        XCTAssertGreaterThanOrEqual(segments.count, 3, playlist)
        for segment in segments {
            let streamed = try viewer.get("media/\(id)/240p/\(segment)")
            XCTAssertEqual(streamed.status, 200)
            XCTAssertEqual(streamed.body, try publisher.get("media/\(id)/240p/\(segment)").body, String(segment))
        }
        let part = try viewer.get("media/\(id)/240p/init.mp4", range: "bytes=4-11")
        XCTAssertEqual(part.status, 206)
        XCTAssertEqual(String(decoding: part.body, as: UTF8.self), "ftypiso5")
        let page = try viewer.get("v/\(id)")
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(String(decoding: page.body, as: UTF8.self).contains("Across the net"))
        XCTAssertTrue(viewer.process.isRunning && publisher.process.isRunning)
    }

    func testTheWebServerListensOnLoopbackOnly() throws {
        let directory = TemporaryDirectory()
        do {
            try ProgramRun.run(
                WebNode.zenfs,
                ["node", "--data-dir", directory.path, "--no-mine", "--web", "0.0.0.0:\(WebNode.freePort())"],
                seconds: 60
            )
            XCTFail("a node listening for the web on every address started")
        } catch {
            XCTAssertTrue("\(error)".contains("loopback only"), "\(error)")
        }
    }

    func testTheMagnetLinkDownloadsTheWholeVideoWithAria2c() throws {
        let directory = TemporaryDirectory()
        let clip = directory.path + "/clip.mp4"
        try ProgramRun.run(
            "/usr/bin/ffmpeg",
            [
                "-v", "error", "-f", "lavfi", "-i", "testsrc=size=426x240:rate=25", "-t", "4", "-c:v", "libx264",
                "-preset", "ultrafast", "-pix_fmt", "yuv420p", clip,
            ],
            seconds: 120
        )
        let node = try WebNode(in: directory.path, name: "seeder", bittorrent: true)
        let uploaded = try node.zenfs(["tube", "upload", clip, "--title", "Magnet C++ & more", "--tag", "bt"])
        let id = try XCTUnwrap(
            uploaded.split(separator: "\n").last { $0.hasPrefix("published ") }?.split(separator: " ")[1]
        )
        let video = try JSONSerialization.jsonObject(with: try node.get("api/videos/\(id)").body) as? [String: Any]
        XCTAssertEqual(video?["title"] as? String, "Magnet C++ & more", "a '+' and an '&' survive the command line")
        let magnet = try XCTUnwrap(video?["magnet"] as? String)
        XCTAssertTrue(magnet.contains("&tr=http"), magnet)
        let download = directory.path + "/download"
        var finished = false
        // The node seeds new content within a couple of seconds; aria2c is tried again until it is.
        for _ in 0..<5 where !finished {
            finished =
                (try? ProgramRun.run(
                    "/usr/bin/aria2c",
                    [
                        "-q", "--seed-time=0", "--enable-dht=false", "--bt-enable-lpd=false", "--bt-stop-timeout=20",
                        "-d", download, magnet,
                    ],
                    seconds: 60
                )) != nil
        }
        XCTAssertTrue(finished, node.log())
        let folder =
            download + "/" + (try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: download).first))
        for file in ["master.m3u8", "video.json", "240p/index.m3u8", "240p/seg0000.m4s"] {
            XCTAssertEqual(
                FileManager.default.contents(atPath: folder + "/" + file),
                try node.get("media/\(id)/\(file)").body,
                file
            )
        }
    }
}
