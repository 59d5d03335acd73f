import Foundation
import TestSupport
import Testing
import ZenFS

@testable import Node

/// The BEP 19 web seed answers byte ranges from the element store, within its response cap.
struct WebSeedTests {
    /// A file larger than one response: the whole file comes back as its first 16 MiB (206, with the range it
    /// covers), an explicit range as exactly those bytes, a suffix range as the file's end, and ranges past the
    /// end or malformed as 416 naming the file's length.
    @Test func rangesAreServedWithinTheCapAndRefusedPastTheEnd() throws {
        let directory = TemporaryDirectory()
        let service = try directory.service()
        let length = Int(WebSeed.maximumResponse) + 3 * 262_144 + 17
        let source = directory.randomFile("big.bin", count: length, seed: 23)
        let original = try #require(FileManager.default.contents(atPath: source)).map { $0 }
        let added = try service.add(source)
        let seed = WebSeed(data: service.data) { _ in false }
        let path = "\(added.infoHash.hex)/big.bin"
        func header(_ response: WebSeed.Response, _ name: String) -> String? {
            response.headers.first { $0.0 == name }?.1
        }

        let whole = seed.respond(path: path, range: nil)
        let cap = Int(WebSeed.maximumResponse)
        #expect(whole.status == 206)
        #expect(header(whole, "Content-Range") == "bytes 0-\(cap - 1)/\(length)")
        #expect(whole.body == Array(original[0..<cap]))

        let middle = seed.respond(path: path, range: "bytes=262140-524300")
        #expect(middle.status == 206)
        #expect(header(middle, "Content-Range") == "bytes 262140-524300/\(length)")
        #expect(middle.body == Array(original[262_140...524_300]))

        let tail = seed.respond(path: path, range: "bytes=-100")
        #expect(tail.status == 206)
        #expect(tail.body == Array(original[(length - 100)...]))

        for refused in [
            "bytes=\(length)-", "bytes=\(length + 5)-\(length + 9)", "bytes=9-3", "bytes=0-1,5-6", "lines=1-2",
        ] {
            let response = seed.respond(path: path, range: refused)
            #expect(response.status == 416, "\(refused)")
            #expect(header(response, "Content-Range") == "bytes */\(length)", "\(refused)")
            #expect(response.body.isEmpty)
        }
        #expect(seed.respond(path: "\(added.infoHash.hex)/other.bin", range: nil).status == 404)
        #expect(seed.respond(path: "\(SHA1Digest.of([1, 2, 3]).hex)/big.bin", range: nil).status == 404)
    }
}
