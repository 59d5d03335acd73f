import Foundation
import Node
import TestSupport
import Testing
import ZenFS

struct FileSystemServiceTests {
    /// A file of several parts, added and read back, is byte-identical; the catalog stays consistent.
    @Test func addsAndReadsBackAFile() throws {
        let directory = TemporaryDirectory()
        let service = try directory.service()
        let source = directory.randomFile("src/movie.bin", count: 3 * (256 << 10) + 12345)
        let added = try service.add(source)
        #expect(added.pieceCount == 4)
        #expect(added.path == "/movie.bin")
        let written = try service.get(added.infoHash.hex, to: directory.path + "/out")
        #expect(FileManager.default.contents(atPath: written.path) == FileManager.default.contents(atPath: source))
        #expect(try service.verify().isHealthy)
    }

    /// A nested folder with odd sizes and an empty file reads back identical, by info-hash and by path.
    @Test func addsAndReadsBackAFolder() throws {
        let directory = TemporaryDirectory()
        let service = try directory.service()
        directory.randomFile("src/album/a.bin", count: 300_000, seed: 1)
        directory.randomFile("src/album/deep/er/b.bin", count: 256 << 10, seed: 2)
        directory.randomFile("src/album/deep/c.txt", count: 7, seed: 3)
        directory.randomFile("src/album/empty", count: 0)
        let added = try service.add(
            directory.path + "/src/album",
            options: {
                var o = AddOptions(); o.tags = ["music"]; return o
            }()
        )
        #expect(added.fileCount == 4)
        let original = tree(directory.path + "/src/album")
        let byHash = try service.get(added.infoHash.hex, to: directory.path + "/out1")
        #expect(tree(byHash.path) == original)
        let byPath = try service.get("/album/deep", to: directory.path + "/out2")
        #expect(tree(byPath.path) == tree(directory.path + "/src/album/deep"))
        let metainfo = try service.metainfo(added.infoHash)
        for file in metainfo.info.dataFiles { #expect(file.offset % Int64(metainfo.info.pieceLength) == 0) }
        #expect(try service.data.catalog.search(tags: ["music"], fields: [:]).map(\.infoHash) == [added.infoHash])
    }

    /// Adding the same content again stores nothing new; the same file under another name shares its parts.
    @Test func sharesPartsBetweenCopies() throws {
        let directory = TemporaryDirectory()
        let service = try directory.service()
        let source = directory.randomFile("src/file.bin", count: 1 << 20)
        let first = try service.add(source)
        #expect(first.storedBytes == 1 << 20)
        let again = try service.add(source)
        #expect(again.infoHash == first.infoHash)
        #expect(again.storedBytes == 0)
        var options = AddOptions()
        options.destination = "/backup/copy.bin"
        let copy = try service.add(source, options: options)
        #expect(copy.storedBytes == 0)
        #expect(try service.data.catalog.entry(atPath: "/backup/copy.bin") != nil)
    }

    /// A different file cannot take a name that is already used.
    @Test func refusesToOverwriteANamespaceEntry() throws {
        let directory = TemporaryDirectory()
        let service = try directory.service()
        let first = directory.randomFile("a/same.bin", count: 1000, seed: 1)
        let second = directory.randomFile("b/same.bin", count: 1000, seed: 2)
        _ = try service.add(first)
        #expect(throws: NamespaceError.alreadyExists(path: "/same.bin")) { try service.add(second) }
        #expect(try service.collectGarbage().removedElements == 0)
    }

    /// Removing content and collecting garbage frees every element only it used.
    @Test func removeThenCollectFreesElements() throws {
        let directory = TemporaryDirectory()
        let service = try directory.service()
        let keep = try service.add(directory.randomFile("src/keep.bin", count: 600_000, seed: 1))
        _ = try service.add(directory.randomFile("src/drop.bin", count: 600_000, seed: 2))
        let before = service.data.store.allElements().count
        #expect(try service.remove("/drop.bin").count == 1)
        let report = try service.collectGarbage()
        #expect(report.removedElements == 4)  // three parts and the metainfo
        #expect(service.data.store.allElements().count == before - 4)
        #expect(try service.verify().isHealthy)
        _ = try service.get(keep.infoHash.hex, to: directory.path + "/out")
    }

    /// Over the quota, adding fails with a clear error and leaves no element, staged file or index row.
    @Test func quotaRefusesAndLeavesNothing() throws {
        let directory = TemporaryDirectory()
        let service = try directory.service()
        try service.data.setQuota(512 << 10)
        let source = directory.randomFile("src/big.bin", count: 4 << 20)
        #expect {
            try service.add(source)
        } throws: { error in
            guard case StoreError.quotaExceeded = error else { return false }
            return "\(error)".contains("quota")
        }
        #expect(service.data.store.allElements().isEmpty)
        #expect(service.data.store.stagedFiles().isEmpty)
        #expect(try service.data.catalog.allMetainfos().isEmpty)
        try service.data.setQuota(nil)
        _ = try service.add(source)
    }

    /// Elements a killed writer committed but never indexed are reported by verify and removed by gc.
    @Test func collectsOrphansOfAKilledWriter() throws {
        let directory = TemporaryDirectory()
        let service = try directory.service()
        let orphan = try service.data.store.store(Array("never indexed".utf8))
        let report = try service.verify()
        #expect(report.isHealthy)
        #expect(report.unreferenced == 1)
        #expect(try service.collectGarbage().removedElements == 1)
        #expect(!service.data.store.contains(orphan))
    }

    /// A part corrupted on disk is found by verify, quarantined, and reading the file then fails clearly.
    @Test func verifyQuarantinesCorruptParts() throws {
        let directory = TemporaryDirectory()
        let service = try directory.service()
        let added = try service.add(directory.randomFile("src/f.bin", count: 600_000))
        let part = try service.metainfo(added.infoHash).info.pieces[1]
        let path = service.data.store.path(of: part)
        chmod(path, 0o644)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seek(toOffset: 100)
        handle.write(Data([0xde, 0xad]))
        try handle.close()
        let report = try service.verify()
        #expect(report.quarantined == [part])
        #expect(report.missing == [part])
        #expect(!report.isHealthy)
        #expect(throws: StoreError.missingElement(part)) {
            try service.get(added.infoHash.hex, to: directory.path + "/out")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/out/f.bin"))
    }
}
