import CTorrent
import Foundation
import Node
import TestSupport
import Testing
import ZenFS

struct ImportTests {
    /// Exports a metainfo of `source` made by ZenFS itself, to import elsewhere.
    static func exportedTorrent(of source: String, in directory: TemporaryDirectory) throws -> String {
        let maker = try directory.service("maker")
        let added = try maker.add(source)
        let path = directory.path + "/made.torrent"
        #expect(
            FileManager.default.createFile(atPath: path, contents: Data(try maker.metainfo(added.infoHash).encoded()))
        )
        return path
    }

    /// Matching data is adopted under the torrent's own info-hash and reads back identical.
    @Test func adoptsMatchingData() throws {
        let directory = TemporaryDirectory()
        let source = directory.randomFile("src/data.bin", count: 700_000)
        let torrent = try Self.exportedTorrent(of: source, in: directory)
        let expected = try Metainfo(parsing: [UInt8](try Data(contentsOf: URL(fileURLWithPath: torrent)))).infoHash
        let service = try directory.service()
        let imported = try service.importTorrent(torrent, dataPath: source)
        #expect(imported.infoHash == expected)
        let written = try service.get(expected.hex, to: directory.path + "/out")
        #expect(FileManager.default.contents(atPath: written.path) == FileManager.default.contents(atPath: source))
    }

    /// Data that differs in one byte is refused, naming the piece, and nothing is stored.
    @Test func refusesMismatchedDataAndStoresNothing() throws {
        let directory = TemporaryDirectory()
        let source = directory.randomFile("src/data.bin", count: 700_000)
        let torrent = try Self.exportedTorrent(of: source, in: directory)
        var bytes = [UInt8](FileManager.default.contents(atPath: source)!)
        bytes[600_000] ^= 1
        let altered = directory.path + "/altered.bin"
        #expect(FileManager.default.createFile(atPath: altered, contents: Data(bytes)))
        let service = try directory.service()
        #expect(throws: IngestError.dataMismatch(piece: 2, path: altered)) {
            try service.importTorrent(torrent, dataPath: altered)
        }
        #expect(service.data.store.allElements().isEmpty)
        #expect(service.data.store.stagedFiles().isEmpty)
        #expect(try service.data.catalog.allMetainfos().isEmpty)
    }

    /// Data of the wrong length, or missing, is refused before anything is hashed.
    @Test func refusesWrongSizeOrMissingData() throws {
        let directory = TemporaryDirectory()
        let source = directory.randomFile("src/data.bin", count: 70_000)
        let torrent = try Self.exportedTorrent(of: source, in: directory)
        let short = directory.randomFile("short.bin", count: 69_999)
        let service = try directory.service()
        #expect(throws: IngestError.dataLengthMismatch(path: short, expected: 70_000, actual: 69_999)) {
            try service.importTorrent(torrent, dataPath: short)
        }
        #expect(throws: IngestError.missingData(path: directory.path + "/nothing")) {
            try service.importTorrent(torrent, dataPath: directory.path + "/nothing")
        }
    }

    /// libtorrent parses what ZenFS makes and computes the same info-hash, size and piece count.
    @Test func libtorrentAgreesOnTheInfoHash() throws {
        let directory = TemporaryDirectory()
        directory.randomFile("src/folder/a.bin", count: 300_000, seed: 1)
        directory.randomFile("src/folder/b/c.bin", count: 5, seed: 2)
        let service = try directory.service()
        let added = try service.add(directory.path + "/src/folder")
        let metainfo = try service.metainfo(added.infoHash)
        let bytes = metainfo.encoded()
        var summary = CTorrent_MetainfoSummary()
        var message = [CChar](repeating: 0, count: 256)
        let status = CTorrent_summarize(bytes, bytes.count, &summary, &message, message.count)
        #expect(
            status == 0,
            "\(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))"
        )
        let libtorrentHash = withUnsafeBytes(of: summary.info_hash_v1) { Array($0) }
        #expect(libtorrentHash == metainfo.infoHash.bytes)
        #expect(summary.total_size == metainfo.info.totalLength)
        #expect(Int(summary.piece_count) == metainfo.info.pieces.count)
        #expect(Int(summary.file_count) == metainfo.info.files.count)
    }
}
