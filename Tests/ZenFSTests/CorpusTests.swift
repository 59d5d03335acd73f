import Foundation
import Testing
import ZenFS

/// Replays the parser regression corpus (`Corpus/`, also the fuzzer's seed): torrents from mktorrent,
/// transmission-create and libtorrent with odd names, and hostile inputs the fuzzer or reviews found.
struct CorpusTests {
    static let directory = Bundle.module.resourceURL!.appendingPathComponent("Corpus")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
    }

    /// The corpus is present, so the replay below cannot pass by finding nothing.
    @Test func corpusIsPresent() {
        #expect(Self.files.filter { $0.hasPrefix("valid-") }.count >= 5)
        #expect(Self.files.filter { $0.hasPrefix("invalid-") }.count >= 10)
    }

    /// `valid-*` inputs parse, and re-encoding keeps the info-hash; `invalid-*` inputs give a `MetainfoError`.
    @Test(arguments: files)
    func replay(_ name: String) throws {
        let bytes = [UInt8](try Data(contentsOf: Self.directory.appendingPathComponent(name)))
        if name.hasPrefix("valid-") {
            let metainfo = try Metainfo(parsing: bytes)
            #expect(try Metainfo(parsing: metainfo.encoded()).infoHash == metainfo.infoHash)
            #expect(metainfo.info.pieces.count > 0)
        } else {
            #expect(throws: MetainfoError.self) { try Metainfo(parsing: bytes) }
        }
    }
}
