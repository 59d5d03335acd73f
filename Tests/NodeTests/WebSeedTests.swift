import Foundation
import TestSupport
import Testing
import ZenFS

@testable import Node

/// The BEP 19 web seed answers whole files and byte ranges of any length from the element store.
struct WebSeedTests {
    /// A file of many parts: without a range the whole file (200, no Content-Range), an explicit range as exactly
    /// those bytes, a range longer than 16 MiB whole, a suffix range as the file's end, and ranges past the end
    /// or malformed as 416 naming the file's length; unknown names and content are 404.
    @Test func wholeFilesAndRangesOfAnyLength() throws {
        let directory = TemporaryDirectory()
        let service = try directory.service()
        let length = (16 << 20) + 3 * 262_144 + 17
        let source = directory.randomFile("big.bin", count: length, seed: 23)
        let original = try #require(FileManager.default.contents(atPath: source)).map { $0 }
        let added = try service.add(source)
        let seed = WebSeed(data: service.data) { _ in false }
        let path = "\(added.infoHash.hex)/big.bin"
        func streamed(_ range: String?) throws -> (status: Int, headers: [(String, String)], body: [UInt8]) {
            guard case .stream(let status, let headers, let body) = seed.answer(path: path, range: range) else {
                Issue.record("\(range ?? "no range") was not streamed")
                return (0, [], [])
            }
            return (status, headers, try #require(body.readAll()))
        }
        func header(_ headers: [(String, String)], _ name: String) -> String? { headers.first { $0.0 == name }?.1 }

        let whole = try streamed(nil)
        #expect(whole.status == 200)
        #expect(header(whole.headers, "Content-Range") == nil)
        #expect(whole.body == original)

        let middle = try streamed("bytes=262140-524300")
        #expect(middle.status == 206)
        #expect(header(middle.headers, "Content-Range") == "bytes 262140-524300/\(length)")
        #expect(middle.body == Array(original[262_140...524_300]))

        let long = try streamed("bytes=5-")
        #expect(long.status == 206)
        #expect(header(long.headers, "Content-Range") == "bytes 5-\(length - 1)/\(length)")
        #expect(long.body == Array(original[5...]))

        let tail = try streamed("bytes=-100")
        #expect(tail.status == 206)
        #expect(tail.body == Array(original[(length - 100)...]))

        for refused in [
            "bytes=\(length)-", "bytes=\(length + 5)-\(length + 9)", "bytes=9-3", "bytes=0-1,5-6", "lines=1-2",
            "bytes=-0", "bytes=4-x",
        ] {
            guard case .complete(let response) = seed.answer(path: path, range: refused) else {
                Issue.record("\(refused) was streamed")
                continue
            }
            #expect(response.status == 416, "\(refused)")
            #expect(header(response.headers, "Content-Range") == "bytes */\(length)", "\(refused)")
            #expect(response.body.isEmpty)
        }
        for unknown in ["\(added.infoHash.hex)/other.bin", "\(SHA1Digest.of([1, 2, 3]).hex)/big.bin"] {
            guard case .complete(let response) = seed.answer(path: unknown, range: nil) else {
                Issue.record("\(unknown) was streamed")
                continue
            }
            #expect(response.status == 404)
        }
    }

    /// A part that is neither stored nor fetchable: reading the run that holds it fails rather than serving
    /// anything else.
    @Test func aMissingPartFailsTheRead() throws {
        let directory = TemporaryDirectory()
        let service = try directory.service()
        let source = directory.randomFile("two.bin", count: 2 * 262_144, seed: 24)
        let added = try service.add(source)
        let metainfo = try #require(try service.data.storedMetainfo(added.infoHash))
        try service.data.store.remove(metainfo.info.pieces[1])
        let seed = WebSeed(data: service.data) { _ in false }
        guard case .stream(_, _, let body) = seed.answer(path: "\(added.infoHash.hex)/two.bin", range: nil) else {
            Issue.record("not streamed")
            return
        }
        var first = [UInt8](repeating: 0, count: 1000)
        #expect(first.withUnsafeMutableBytes { body.read(at: 0, into: $0) })
        #expect(body.readAll() == nil)
    }

    /// The gate lets `limit` responses in and refuses the next until one leaves.
    @Test func theGateCapsConcurrentResponses() {
        let gate = WebSeedGate(limit: 3)
        #expect((0..<3).allSatisfy { _ in gate.enter() })
        #expect(!gate.enter())
        gate.leave()
        #expect(gate.enter())
        #expect(gate.current == 3)
    }
}
