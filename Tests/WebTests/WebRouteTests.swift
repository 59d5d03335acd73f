import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Node
import TestSupport
import XCTest
import ZenFS

@testable import Web

/// The JSON API, the pages and the media files through Hummingbird's router, over a real data directory.
final class WebRouteTests: XCTestCase {
    let token = String(repeating: "ab", count: 32)
    var directory: TemporaryDirectory!
    var tube: TubeService!

    override func setUp() async throws {
        directory = TemporaryDirectory()
        let data = try DataDirectory(path: directory.path + "/data")
        tube = TubeService(
            data: data,
            hooks: .localOnly(publisher: "me"),
            maxUploadBytes: 1 << 20,
            logger: Logger(label: "test")
        )
    }

    /// A video folder made by hand (no encoding): playlists, a fake segment of known bytes, a poster.
    func publishVideo(title: String, tags: [String]) throws -> SHA1Digest {
        let folder = directory.path + "/work/video-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder + "/240p", withIntermediateDirectories: true)
        let rendition = Rendition(height: 240, width: 320, videoBitrate: 300_000, audioBitrate: 96_000)
        try MasterPlaylist.text([rendition]).write(toFile: folder + "/master.m3u8", atomically: true, encoding: .utf8)
        try "#EXTM3U\n".write(toFile: folder + "/240p/index.m3u8", atomically: true, encoding: .utf8)
        directory.randomFile("work/segment", count: 300_000, seed: 7)
        try FileManager.default.moveItem(atPath: directory.path + "/work/segment", toPath: folder + "/240p/seg0000.m4s")
        try Data([0xff, 0xd8, 0xff]).write(to: URL(fileURLWithPath: folder + "/poster.jpg"))
        let metadata = VideoMetadata(
            title: title,
            description: "a test",
            tags: tags,
            durationSeconds: 3,
            renditions: [rendition],
            publisher: "me",
            createdAt: Date()
        )
        return try tube.publish(folder: folder, metadata: metadata)
    }

    func withApp(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let router = try await WebServer.router(dataDirectory: directory.path + "/data", tube: tube, token: token)
        try await Application(router: router).test(.router) { client in try await body(client) }
    }

    var writeHeaders: HTTPFields {
        var headers = HTTPFields()
        headers[HTTPField.Name(WebToken.header)!] = token
        return headers
    }

    func testListsFindsAndShowsAPublishedVideo() async throws {
        let id = try publishVideo(title: "Sunset over the bay", tags: ["nature", "sea"])
        try await withApp { client in
            try await client.execute(uri: "/api/videos", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                let videos =
                    try JSONSerialization.jsonObject(with: Data(Array(buffer: response.body))) as? [[String: Any]]
                XCTAssertEqual(videos?.count, 1)
                XCTAssertEqual(videos?.first?["id"] as? String, id.hex)
                XCTAssertEqual(videos?.first?["resolutions"] as? [String], ["240p"])
                XCTAssertEqual(videos?.first?["playlist"] as? String, "/media/\(id.hex)/master.m3u8")
            }
            try await client.execute(uri: "/api/search?tag=sea", method: .get) { response in
                XCTAssertTrue(String(buffer: response.body).contains(id.hex))
            }
            try await client.execute(uri: "/api/search?tag=cats", method: .get) { response in
                XCTAssertFalse(String(buffer: response.body).contains(id.hex))
            }
            try await client.execute(uri: "/api/search?q=SUNSET", method: .get) { response in
                XCTAssertTrue(String(buffer: response.body).contains(id.hex))
            }
            // The header's search form is a GET form: words arrive joined by '+'.
            try await client.execute(uri: "/search?q=sunset+over&tag=", method: .get) { response in
                XCTAssertTrue(String(buffer: response.body).contains("/v/\(id.hex)"))
            }
            try await client.execute(uri: "/search?q=sunset%2Bover", method: .get) { response in
                XCTAssertFalse(String(buffer: response.body).contains("/v/\(id.hex)"))
            }
            try await client.execute(uri: "/tag/nature", method: .get) { response in
                XCTAssertTrue(String(buffer: response.body).contains("Sunset over the bay"))
            }
            try await client.execute(uri: "/v/\(id.hex)", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                let html = String(buffer: response.body)
                XCTAssertTrue(html.contains("magnet:?xt=urn:btih:\(id.hex)"))
                XCTAssertTrue(html.contains("/api/videos/\(id.hex)/torrent"))
                XCTAssertTrue(html.contains("<video id=\"player\""))
            }
            try await client.execute(uri: "/api/videos/\(id.hex)/torrent", method: .get) { response in
                let metainfo = try Metainfo(parsing: Array(buffer: response.body))
                XCTAssertEqual(metainfo.infoHash, id)
            }
            try await client.execute(uri: "/api/videos/\(id.hex)", method: .get) { response in
                // The page view above counted once.
                XCTAssertTrue(String(buffer: response.body).contains("\"views\":1"))
            }
        }
    }

    func testAHostileTitleRendersAsText() async throws {
        _ = try publishVideo(title: "<script>alert(1)</script>", tags: ["x"])
        try await withApp { client in
            try await client.execute(uri: "/", method: .get) { response in
                let html = String(buffer: response.body)
                XCTAssertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
                XCTAssertFalse(html.contains("<script>alert(1)"))
                XCTAssertEqual(response.headers[.contentSecurityPolicy]?.contains("script-src 'self'"), true)
            }
        }
    }

    func testServesByteRangesOfAVideoFile() async throws {
        let id = try publishVideo(title: "Ranges", tags: [])
        try await withApp { client in
            let whole = try await client.execute(uri: "/media/\(id.hex)/240p/seg0000.m4s", method: .get) { $0 }
            XCTAssertEqual(whole.status, .ok)
            XCTAssertEqual(whole.body.readableBytes, 300_000)
            XCTAssertEqual(whole.headers[.acceptRanges], "bytes")
            let bytes = Array(buffer: whole.body)
            var range = HTTPFields()
            range[.range] = "bytes=262140-262150"
            try await client.execute(uri: "/media/\(id.hex)/240p/seg0000.m4s", method: .get, headers: range) { part in
                XCTAssertEqual(part.status, .partialContent)
                XCTAssertEqual(part.headers[.contentRange], "bytes 262140-262150/300000")
                XCTAssertEqual(Array(buffer: part.body), Array(bytes[262140...262150]))
            }
            range[.range] = "bytes=-10"
            try await client.execute(uri: "/media/\(id.hex)/240p/seg0000.m4s", method: .get, headers: range) { part in
                XCTAssertEqual(Array(buffer: part.body), Array(bytes.suffix(10)))
            }
            range[.range] = "bytes=400000-"
            try await client.execute(uri: "/media/\(id.hex)/240p/seg0000.m4s", method: .get, headers: range) { part in
                XCTAssertEqual(part.status, .rangeNotSatisfiable)
                XCTAssertEqual(part.headers[.contentRange], "bytes */300000")
            }
            try await client.execute(uri: "/media/\(id.hex)/master.m3u8", method: .get) { response in
                XCTAssertEqual(response.headers[.contentType], "application/vnd.apple.mpegurl")
                XCTAssertTrue(String(buffer: response.body).contains("240p/index.m3u8"))
            }
        }
    }

    func testHostileRequestsGetClearRefusals() async throws {
        let id = try publishVideo(title: "Target", tags: [])
        try await withApp { client in
            let bad: [(String, HTTPResponse.Status)] = [
                ("/v/not-a-hash", .badRequest),
                ("/api/videos/" + String(repeating: "z", count: 40), .badRequest),
                ("/api/videos/" + String(repeating: "0", count: 40), .notFound),
                ("/media/\(id.hex)/..%2F..%2Fetc%2Fpasswd", .notFound),
                ("/media/\(id.hex)/240p/../../../etc/passwd", .badRequest),
                ("/media/\(id.hex)/nothing.m4s", .notFound),
                ("/media/" + String(repeating: "1", count: 40) + "/master.m3u8", .notFound),
                ("/assets/..%2FTemplates%2Fheader.mustache", .notFound),
                ("/tag/%3Cscript%3E", .badRequest),
                ("/api/search?tag=" + String(repeating: "a", count: 5000), .badRequest),
                ("/api/jobs/nope", .notFound),
            ]
            for (uri, status) in bad {
                try await client.execute(uri: uri, method: .get) { response in
                    // A traversal is refused as a bad path or, once the router decodes it, not found: never served.
                    if uri.contains("..") {
                        XCTAssertTrue([.badRequest, .notFound].contains(response.status), uri)
                    } else {
                        XCTAssertEqual(response.status, status, uri)
                    }
                }
            }
            var range = HTTPFields()
            range[.range] = "bytes=99999999999999999999999-"
            try await client.execute(uri: "/media/\(id.hex)/master.m3u8", method: .get, headers: range) { response in
                XCTAssertEqual(response.status, .rangeNotSatisfiable)
            }
        }
    }

    func testStateChangesNeedTheTokenAndTheSameOrigin() async throws {
        let writeHeaders = self.writeHeaders
        let id = try publishVideo(title: "Keep me", tags: [])
        try await withApp { client in
            try await client.execute(uri: "/api/videos/\(id.hex)", method: .delete) { response in
                XCTAssertEqual(response.status, .forbidden)
            }
            var crossOrigin = writeHeaders
            crossOrigin[.origin] = "http://evil.example"
            try await client.execute(uri: "/api/videos/\(id.hex)", method: .delete, headers: crossOrigin) { response in
                XCTAssertEqual(response.status, .forbidden)
                XCTAssertTrue(String(buffer: response.body).contains("cross-origin"))
            }
            var wrong = HTTPFields()
            wrong[HTTPField.Name(WebToken.header)!] = String(repeating: "cd", count: 32)
            try await client.execute(uri: "/api/videos/\(id.hex)", method: .delete, headers: wrong) { response in
                XCTAssertEqual(response.status, .forbidden)
            }
            try await client.execute(uri: "/api/videos", method: .get) { response in
                XCTAssertTrue(String(buffer: response.body).contains(id.hex), "the video survived")
            }
            var sameOrigin = writeHeaders
            // The test router addresses every request to `localhost`.
            sameOrigin[.origin] = "http://localhost"
            try await client.execute(uri: "/api/videos/\(id.hex)", method: .delete, headers: sameOrigin) { response in
                XCTAssertEqual(response.status, .ok)
            }
            try await client.execute(uri: "/api/videos", method: .get) { response in
                XCTAssertEqual(String(buffer: response.body), "[]")
            }
        }
    }

    func testEditPublishesANewMetainfoAndKeepsTheSegments() async throws {
        let writeHeaders = self.writeHeaders
        let tube: TubeService = self.tube
        let id = try publishVideo(title: "Old title", tags: ["a"])
        let old = try XCTUnwrap(tube.metainfo(id))
        try await withApp { client in
            var headers = writeHeaders
            headers[.contentType] = "application/json"
            let body = ByteBuffer(string: #"{"title":"New title","tags":"b, c","description":"d"}"#)
            let answer = try await client.execute(
                uri: "/api/videos/\(id.hex)/edit",
                method: .post,
                headers: headers,
                body: body
            ) { $0 }
            XCTAssertEqual(answer.status, .ok)
            let new = try XCTUnwrap(
                (try JSONSerialization.jsonObject(with: Data(Array(buffer: answer.body))) as? [String: String])?["id"]
            )
            XCTAssertNotEqual(new, id.hex)
            try await client.execute(uri: "/api/videos", method: .get) { response in
                let text = String(buffer: response.body)
                XCTAssertTrue(text.contains("New title"))
                XCTAssertFalse(text.contains("Old title"))
                XCTAssertTrue(text.contains(#"["b","c"]"#))
            }
            let bad = ByteBuffer(string: #"{"title":"","tags":""}"#)
            try await client.execute(uri: "/api/videos/\(new)/edit", method: .post, headers: headers, body: bad) {
                response in
                XCTAssertEqual(response.status, .badRequest)
                XCTAssertTrue(String(buffer: response.body).contains("needs a title"))
            }
        }
        let newHash = try XCTUnwrap(tube.data.catalog.search(tags: ["zentube"], fields: [:]).first?.infoHash)
        let renamed = try XCTUnwrap(tube.metainfo(newHash))
        XCTAssertEqual(Set(old.info.pieces).intersection(renamed.info.pieces).count, old.info.pieces.count - 1)
    }

    func testUploadsAreCheckedBeforeTheirBytesAreStored() async throws {
        let writeHeaders = self.writeHeaders
        let tube: TubeService = self.tube
        try await withApp { client in
            var headers = writeHeaders
            headers[.contentLength] = "1000000000000000"
            try await client.execute(uri: "/api/videos?title=Big", method: .post, headers: headers) { response in
                XCTAssertEqual(response.status, .contentTooLarge)
            }
            try await client.execute(
                uri: "/api/videos?title=",
                method: .post,
                headers: writeHeaders,
                body: ByteBuffer(string: "x")
            ) { response in
                XCTAssertEqual(response.status, .badRequest)
                XCTAssertTrue(String(buffer: response.body).contains("needs a title"))
            }
            try await client.execute(
                uri: "/api/videos?title=T&tags=%3Cb%3E",
                method: .post,
                headers: writeHeaders,
                body: ByteBuffer(string: "x")
            ) { response in
                XCTAssertEqual(response.status, .badRequest)
            }
            // No declared length, the body runs past the limit: refused once it does, nothing kept.
            let tooMuch = ByteBuffer(bytes: [UInt8](repeating: 1, count: (1 << 20) + 10))
            try await client.execute(uri: "/api/videos?title=T", method: .post, headers: writeHeaders, body: tooMuch) {
                response in
                XCTAssertEqual(response.status, .contentTooLarge)
            }
            // Bytes that are no video: accepted, then the job fails with ffprobe's reason.
            let junk = ByteBuffer(string: String(repeating: "not a video ", count: 100))
            let accepted = try await client.execute(
                uri: "/api/videos?title=Junk",
                method: .post,
                headers: writeHeaders,
                body: junk
            ) { $0 }
            XCTAssertEqual(accepted.status, .accepted)
            let job = try JSONDecoder().decode(TubeJob.self, from: Data(Array(buffer: accepted.body)))
            var final = job
            for _ in 0..<100 where final.stage != .failed && final.stage != .done {
                try await Task.sleep(nanoseconds: 100_000_000)
                final = try XCTUnwrap(tube.job(job.id))
            }
            XCTAssertEqual(final.stage, .failed)
            XCTAssertTrue(final.error?.contains("not a video") == true, final.error ?? "")
        }
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: tube.workDirectory)) ?? []
        XCTAssertEqual(leftovers, [], "failed uploads leave nothing behind")
    }

    func testAnUploadLargerThanTheQuotaLeavesIsRefusedWithTheNumbers() async throws {
        let writeHeaders = self.writeHeaders
        try tube.data.setQuota(64 << 10)
        try await withApp { client in
            var headers = writeHeaders
            headers[.contentLength] = "500000"
            let body = ByteBuffer(bytes: [UInt8](repeating: 0, count: 500_000))
            try await client.execute(uri: "/api/videos?title=Big", method: .post, headers: headers, body: body) {
                response in
                XCTAssertEqual(response.status.code, 507)
                XCTAssertTrue(String(buffer: response.body).contains("not enough room"), String(buffer: response.body))
            }
        }
    }

    func testTheUploadAndOwnVideoPagesRender() async throws {
        let id = try publishVideo(title: "Mine", tags: ["one", "two"])
        try await withApp { client in
            try await client.execute(uri: "/upload", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertTrue(String(buffer: response.body).contains("<form id=\"upload\""))
                XCTAssertTrue(String(buffer: response.body).contains("/assets/upload.js"))
            }
            try await client.execute(uri: "/mine", method: .get) { response in
                let html = String(buffer: response.body)
                XCTAssertTrue(html.contains("data-id=\"\(id.hex)\""))
                XCTAssertTrue(html.contains("value=\"one, two\""))
            }
            try await client.execute(uri: "/assets/upload.js", method: .get) { response in
                XCTAssertEqual(response.headers[.contentType], "text/javascript")
            }
        }
    }

    func testTheFilesPageBrowsesTheNamespace() async throws {
        let id = try publishVideo(title: "Browse", tags: [])
        let folder = try XCTUnwrap(tube.metainfo(id)).info.name
        try await withApp { client in
            try await client.execute(uri: "/node/files?path=/", method: .get) { response in
                XCTAssertTrue(String(buffer: response.body).contains("zentube/"))
            }
            try await client.execute(uri: "/node/files?path=/zentube/\(folder)", method: .get) { response in
                let html = String(buffer: response.body)
                XCTAssertTrue(html.contains("master.m3u8") && html.contains("240p/"), html)
            }
            try await client.execute(uri: "/node/files?path=/nothing", method: .get) { response in
                XCTAssertEqual(response.status, .notFound)
            }
            try await client.execute(uri: "/node/files?path=/../etc", method: .get) { response in
                XCTAssertEqual(response.status, .badRequest)
            }
        }
    }

    func testTheNodePageSaysWhenNoNodeAnswers() async throws {
        try await withApp { client in
            try await client.execute(uri: "/node", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertTrue(String(buffer: response.body).contains("The node does not answer"))
            }
            try await client.execute(uri: "/api/status", method: .get) { response in
                XCTAssertEqual(response.status, .serviceUnavailable)
                XCTAssertTrue(String(buffer: response.body).contains("no node runs"))
            }
        }
    }
}
