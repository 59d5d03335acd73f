import Foundation
import Glibc
import Node
import TestSupport
import Testing
import ZenFS

/// FIFOs, device nodes and sockets have no place in a torrent.
struct SpecialFileCommandTests {
    /// `zenfs add` of a folder holding a FIFO leaves it out (and says so); a special file made later in the
    /// added folder is left out of its metainfo, and `zenfs show` of the folder lists it as left out.
    @Test func leftOutOfTorrentsAndShownAsSuch() throws {
        let directory = TemporaryDirectory()
        let zenfs = CommandRunner(dataDirectory: directory.path + "/data")
        _ = directory.randomFile("album/song.bin", count: 300_000)
        #expect(mkfifo(directory.path + "/album/pipe", 0o644) == 0)
        let added = try zenfs.zenfs(["add", directory.path + "/album"])
        #expect(added.status == 0, "\(added.error)")
        #expect(added.error.contains("skipped") && added.error.contains("pipe"))
        let infoHash = added.text.trimmingCharacters(in: .whitespacesAndNewlines)

        let catalog = try Catalog(path: directory.path + "/data/catalog.sqlite", syncEveryTransaction: false)
        let folder = try #require(try catalog.entry(atPath: "/album"))
        _ = try catalog.create("tty", in: folder.id, kind: .characterDevice, mode: 0o600, uid: 0, gid: 0, device: 5)
        let sub = try catalog.create("sub", in: folder.id, kind: .directory, mode: 0o755, uid: 0, gid: 0)
        _ = try catalog.create("sock", in: sub.id, kind: .socket, mode: 0o644, uid: 0, gid: 0)

        let shown = try zenfs.zenfs(["show", "/album"])
        #expect(shown.status == 0, "\(shown.error)")
        #expect(shown.text.contains("left out"))
        #expect(shown.text.contains("character device") && shown.text.contains("/tty"))
        #expect(shown.text.contains("socket") && shown.text.contains("/sub/sock"))
        let json = try JSONSerialization.jsonObject(with: try zenfs.zenfs(["show", "/album", "--json"]).output)
        let leftOut = (json as? [String: Any])?["leftOut"] as? [[String: String]]
        #expect(leftOut?.map { $0["path"] } == ["/sub/sock", "/tty"])
        let files = (json as? [String: Any])?["files"] as? [[String: Any]]
        #expect(files?.compactMap { $0["path"] as? String } == ["song.bin"])

        // ls shows their kinds, and times to the nanosecond.
        let exact = Timestamp(nanoseconds: 1_234_567_890_123_456_789)
        #expect(try catalog.setAttributes(sub.id, .init(modified: exact)).modified == exact)
        let listed = try JSONSerialization.jsonObject(with: try zenfs.zenfs(["ls", "/album", "--json"]).output)
        let rows = (listed as? [[String: Any]]) ?? []
        #expect(rows.first { $0["path"] as? String == "/album/tty" }?["kind"] as? String == "character device")
        let subRow = rows.first { $0["path"] as? String == "/album/sub" }
        #expect((subRow?["modifiedNanoseconds"] as? NSNumber)?.int64Value == 1_234_567_890_123_456_789)

        let torrent = try zenfs.zenfs(["torrent", infoHash, "--no-announce", "--no-web-seed"])
        let metainfo = try Metainfo(parsing: [UInt8](torrent.output))
        #expect(metainfo.info.dataFiles.map(\.joinedPath) == ["song.bin"])
    }
}
