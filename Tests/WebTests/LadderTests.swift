import Hummingbird
import XCTest

@testable import Web

/// The encoding ladder and the byte-range rule, as pure functions.
final class LadderTests: XCTestCase {
    func testLadderStartsAtTheSourceHeightAndNeverUpscales() {
        let ladder = EncodingLadder.renditions(sourceWidth: 1280, sourceHeight: 720, framesPerSecond: 30)
        XCTAssertEqual(ladder.map(\.height), [720, 480, 360, 240])
        XCTAssertEqual(ladder.map(\.width), [1280, 854, 640, 426])
        // Bits per pixel as PeerTube: 720p 0.11, 240p 0.17.
        XCTAssertEqual(ladder[0].videoBitrate, Int(1280.0 * 720 * 30 * 0.11))
        XCTAssertEqual(ladder[3].videoBitrate, Int(426.0 * 240 * 30 * 0.17))
        XCTAssertEqual(
            EncodingLadder.renditions(sourceWidth: 3840, sourceHeight: 2160, framesPerSecond: 25).map(\.height),
            [1080, 720, 480, 360, 240]
        )
        XCTAssertEqual(
            EncodingLadder.renditions(sourceWidth: 640, sourceHeight: 359, framesPerSecond: 30).map(\.height),
            [240]
        )
        XCTAssertEqual(
            EncodingLadder.renditions(sourceWidth: 161, sourceHeight: 121, framesPerSecond: 30).map(\.height),
            [120]
        )
        XCTAssertEqual(EncodingLadder.renditions(sourceWidth: 0, sourceHeight: 0, framesPerSecond: 30), [])
        XCTAssertTrue(
            EncodingLadder.renditions(sourceWidth: 161, sourceHeight: 121, framesPerSecond: 30).allSatisfy {
                $0.width % 2 == 0
            }
        )
    }

    func testByteRanges() {
        XCTAssertEqual(ByteRange.parse("bytes=0-9", length: 100), .part(0..<10))
        XCTAssertEqual(ByteRange.parse("bytes=90-", length: 100), .part(90..<100))
        XCTAssertEqual(ByteRange.parse("bytes=90-1000", length: 100), .part(90..<100))
        XCTAssertEqual(ByteRange.parse("bytes=-5", length: 100), .part(95..<100))
        XCTAssertEqual(ByteRange.parse("bytes=-500", length: 100), .part(0..<100))
        XCTAssertEqual(ByteRange.parse("bytes=100-", length: 100), .unsatisfiable)
        XCTAssertEqual(ByteRange.parse("bytes=9-3", length: 100), .unsatisfiable)
        XCTAssertEqual(ByteRange.parse("bytes=a-b", length: 100), .unsatisfiable)
        XCTAssertEqual(ByteRange.parse("bytes=-0", length: 100), .unsatisfiable)
        XCTAssertEqual(ByteRange.parse("bytes=0-1,5-6", length: 100), .whole)
        XCTAssertEqual(ByteRange.parse("items=0-1", length: 100), .whole)
        XCTAssertEqual(ByteRange.parse("bytes=0-", length: 0), .unsatisfiable)
    }

    func testOnlyLoopbackHostsAreServed() {
        for host in ["127.0.0.1:8080", "localhost:8080", "[::1]:8080", "127.0.0.1", "localhost"] {
            XCTAssertTrue(RequestGuard<BasicRequestContext>.isLoopback(host: host), host)
        }
        for host in ["evil.example:8080", "localhost.evil.example", "10.0.0.1:8080", "[::2]:80", "0.0.0.0:8080"] {
            XCTAssertFalse(RequestGuard<BasicRequestContext>.isLoopback(host: host), host)
        }
    }

    func testDurationsFromTheNetworkNeverCrashThePages() {
        XCTAssertEqual(VideoJSON.clock(83.4), "1:23")
        XCTAssertEqual(VideoJSON.clock(1e300), "?")
        XCTAssertEqual(VideoJSON.clock(-1), "?")
        XCTAssertEqual(VideoJSON.clock(.infinity), "?")
    }

    func testFieldRules() throws {
        XCTAssertEqual(try VideoFieldRules.tags("Music, live  music,LIVE"), ["music", "live"])
        XCTAssertThrowsError(try VideoFieldRules.tags("<b>"))
        XCTAssertThrowsError(try VideoFieldRules.title("   "))
        XCTAssertThrowsError(try VideoFieldRules.title(String(repeating: "x", count: 201)))
        XCTAssertEqual(
            TubeService.folderName(title: "Hello, World! <3", id: "0123456789abcdef"),
            "hello-world-3-01234567"
        )
        XCTAssertEqual(TubeService.folderName(title: "日本", id: "abc"), "video-abc")
    }
}
