import Chain
import Foundation
import Testing

/// Replays the chain decoding corpus (`Corpus/`, also a seed of the fuzzer): `valid-block-*` and `valid-tx-*`
/// decode and re-encode byte for byte; every `invalid-*` is refused with a decoding error.
struct ChainCorpusTests {
    static let directory = Bundle.module.resourceURL!.appendingPathComponent("Corpus")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
    }

    @Test func corpusIsPresent() {
        #expect(Self.files.filter { $0.hasPrefix("valid-") }.count >= 4)
        #expect(Self.files.filter { $0.hasPrefix("invalid-") }.count >= 8)
    }

    @Test(arguments: files)
    func replay(_ name: String) throws {
        let bytes = [UInt8](try Data(contentsOf: Self.directory.appendingPathComponent(name)))
        switch name {
        case let valid where valid.hasPrefix("valid-block-"):
            #expect(try Block.decode(bytes).encoded == bytes)
        case let valid where valid.hasPrefix("valid-tx-"):
            #expect(try TransactionCodec.decode(bytes).encoded == bytes)
        case let invalid where invalid.hasPrefix("invalid-block-"):
            #expect(throws: CanonicalDecodingError.self) { try Block.decode(bytes) }
        default:
            #expect(throws: CanonicalDecodingError.self) { try TransactionCodec.decode(bytes) }
        }
    }

    /// The corpus's genesis block is the development network's.
    @Test func genesisMatchesTheDevelopmentNetwork() throws {
        let bytes = [UInt8](try Data(contentsOf: Self.directory.appendingPathComponent("valid-block-genesis.bin")))
        #expect(try Block.decode(bytes) == ChainParameters.development.genesis)
    }
}
