import Foundation
import TestSupport
import Testing
import ZenFS

/// ZenFS against the reference BitTorrent tools from Debian: mktorrent, transmission and libtorrent.
struct InteroperabilityTests {
    static func infoHash(ofTorrent path: String) throws -> SHA1Digest {
        try Metainfo(parsing: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))).infoHash
    }

    /// Torrents that `zenfs torrent` writes for a file and for a nested folder load in transmission-show and
    /// libtorrent, and libtorrent's own check of the original data reports every piece valid.
    @Test func exportedTorrentsCheckOutInLibtorrentAndTransmission() throws {
        let directory = TemporaryDirectory()
        let zenfs = CommandRunner(dataDirectory: directory.path + "/data")
        directory.randomFile("src/single.bin", count: 1_500_000, seed: 1)
        directory.randomFile("src/nested/a.bin", count: 400_000, seed: 2)
        directory.randomFile("src/nested/deeper/b.bin", count: 262_144, seed: 3)
        directory.randomFile("src/nested/deeper/c d é.txt", count: 33, seed: 4)
        for name in ["single.bin", "nested"] {
            let added = try zenfs.zenfs(["add", directory.path + "/src/" + name])
            #expect(added.status == 0, "\(added.error)")
            let torrent = directory.path + "/\(name).torrent"
            let exported = try zenfs.zenfs([
                "torrent", name, "--announce", "http://127.0.0.1:6969/announce", "-o", torrent,
            ])
            #expect(exported.status == 0, "\(exported.error)")
            let shown = try CommandRunner.run("transmission-show", [torrent])
            #expect(shown.status == 0)
            #expect(shown.text.contains(added.text.trimmingCharacters(in: .whitespacesAndNewlines)))
            let checked = try CommandRunner.run(
                "/usr/bin/python3",
                [CommandRunner.scripts + "/libtorrent_check.py", torrent, directory.path + "/src"]
            )
            #expect(checked.status == 0, "\(checked.text) \(checked.error)")
        }
    }

    /// For a single file at the same piece size, ZenFS's info-hash is mktorrent's.
    @Test func singleFileInfoHashEqualsMktorrent() throws {
        let directory = TemporaryDirectory()
        let zenfs = CommandRunner(dataDirectory: directory.path + "/data")
        let source = directory.randomFile("video.bin", count: 3_000_000)
        let added = try zenfs.zenfs(["add", source])
        let made = try CommandRunner.run("mktorrent", ["-l", "18", "-o", directory.path + "/mk.torrent", source])
        #expect(made.status == 0, "\(made.error)")
        #expect(
            try Self.infoHash(ofTorrent: directory.path + "/mk.torrent").hex
                == added.text.trimmingCharacters(in: .whitespacesAndNewlines)
        )
    }

    /// Torrents from mktorrent, transmission-create and libtorrent (single and multi-file, odd names) import
    /// under their own info-hash and read back byte-identical.
    @Test func importsTorrentsMadeElsewhere() throws {
        let directory = TemporaryDirectory()
        let zenfs = CommandRunner(dataDirectory: directory.path + "/data")
        let folder = directory.path + "/src/Ödd näme [2024]"
        directory.randomFile("src/Ödd näme [2024]/part #1.bin", count: 500_000, seed: 1)
        directory.randomFile("src/Ödd näme [2024]/sub dir/été.txt", count: 12_345, seed: 2)
        directory.randomFile("src/Ödd näme [2024]/sub dir/x", count: 1, seed: 3)
        let single = directory.randomFile("src/single file.bin", count: 777_777, seed: 4)
        let libtorrentMaker = """
            import libtorrent as lt, sys, os
            fs = lt.file_storage(); lt.add_files(fs, sys.argv[1])
            t = lt.create_torrent(fs, 65536, flags=lt.create_torrent.v1_only)
            lt.set_piece_hashes(t, os.path.dirname(sys.argv[1]))
            open(sys.argv[2], "wb").write(lt.bencode(t.generate()))
            """
        var made: [(torrent: String, data: String)] = []
        for (index, data) in [folder, single].enumerated() {
            let mk = directory.path + "/mk\(index).torrent"
            let tr = directory.path + "/tr\(index).torrent"
            let lt = directory.path + "/lt\(index).torrent"
            #expect(try CommandRunner.run("mktorrent", ["-l", "16", "-o", mk, data]).status == 0)
            #expect(try CommandRunner.run("transmission-create", ["-s", "32", "-o", tr, data]).status == 0)
            #expect(try CommandRunner.run("/usr/bin/python3", ["-c", libtorrentMaker, data, lt]).status == 0)
            made += [(mk, data), (tr, data), (lt, data)]
        }
        for (index, item) in made.enumerated() {
            let expected = try Self.infoHash(ofTorrent: item.torrent)
            let imported = try zenfs.zenfs(["import", item.torrent, "--data", item.data, "--as", "/imports/\(index)"])
            #expect(imported.status == 0, "\(item.torrent): \(imported.error)")
            #expect(imported.text.trimmingCharacters(in: .whitespacesAndNewlines) == expected.hex)
            let out = directory.path + "/out\(index)"
            let got = try zenfs.zenfs(["get", expected.hex, "--to", out])
            #expect(got.status == 0, "\(got.error)")
            let name = (item.data as NSString).lastPathComponent
            if item.data == single {
                #expect(
                    FileManager.default.contents(atPath: out + "/" + name)
                        == FileManager.default.contents(atPath: single)
                )
            } else {
                #expect(tree(out + "/" + name) == tree(folder))
            }
        }
        #expect(try zenfs.zenfs(["verify"]).status == 0)
    }
}
