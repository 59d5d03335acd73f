import Foundation
import Testing
import ZenFS

/// Replays the peer-frame corpus (`PeerCorpus/`, also a seed of the fuzzer): a frame of every message type, and
/// frames that are truncated, padded, oversized or of unknown type.
struct PeerCorpusTests {
    static let directory = Bundle.module.resourceURL!.appendingPathComponent("PeerCorpus")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
    }

    /// The corpus is present, so the replay below cannot pass by finding nothing.
    @Test func corpusIsPresent() {
        #expect(Self.files.filter { $0.hasPrefix("valid-frame-") }.count >= 12)
        #expect(Self.files.filter { $0.hasPrefix("invalid-frame-") }.count >= 6)
    }

    /// `valid-frame-*` inputs decode and re-encode byte for byte; `invalid-frame-*` inputs are refused by the
    /// header check, do not hold the length their header announces, or fail to decode.
    @Test(arguments: files)
    func replay(_ name: String) throws {
        let bytes = [UInt8](try Data(contentsOf: Self.directory.appendingPathComponent(name)))
        let decoded: PeerMessage?
        if case .frame(let type, let length) = PeerFrame.checkHeader(bytes.prefix(PeerFrame.headerLength)),
            bytes.count == PeerFrame.headerLength + length
        {
            decoded = try? PeerMessageCodec.decode(type: type, payload: Array(bytes.dropFirst(PeerFrame.headerLength)))
        } else {
            decoded = nil
        }
        if name.hasPrefix("valid-") {
            let message = try #require(decoded)
            #expect(PeerFrame.encode(message) == bytes)
        } else {
            #expect(decoded == nil)
        }
    }
}
