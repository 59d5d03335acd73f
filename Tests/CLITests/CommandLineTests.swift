import Foundation
import TestSupport
import Testing
import ZenFS

struct CommandLineTests {
    /// Every command answers --help.
    @Test(arguments: ["add", "get", "ls", "show", "torrent", "import", "search", "rm", "verify", "gc", "quota"])
    func everyCommandHasHelp(_ command: String) throws {
        let result = try CommandRunner.run(CommandRunner.zenfs, [command, "--help"])
        #expect(result.status == 0)
        #expect(result.text.contains("--data-dir"))
    }

    /// add prints the info-hash; ls, show and search report it as JSON; the data directory comes from
    /// --data-dir as well as from ZENFS_DATA_DIR.
    @Test func addListShowAsJSON() throws {
        let directory = TemporaryDirectory()
        let zenfs = CommandRunner(dataDirectory: directory.path + "/data")
        let source = directory.randomFile("src/clip.bin", count: 700_000)
        let added = try zenfs.zenfs(["add", source, "--tag", "video", "--field", "lang=en"])
        #expect(added.status == 0, "\(added.error)")
        let infoHash = added.text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(SHA1Digest(hex: infoHash) != nil)

        let listed = try zenfs.zenfs(["ls", "--json"])
        let rows = try JSONSerialization.jsonObject(with: listed.output) as? [[String: Any]]
        #expect(rows?.first?["path"] as? String == "/clip.bin")
        #expect(rows?.first?["infoHash"] as? String == infoHash)

        let shown =
            try JSONSerialization.jsonObject(with: try zenfs.zenfs(["show", infoHash, "--json"]).output)
            as? [String: Any]
        #expect(shown?["pieceCount"] as? Int == 3)
        #expect(shown?["tags"] as? [String] == ["video"])
        #expect(shown?["fields"] as? [String: String] == ["lang": "en"])

        let found = try zenfs.zenfs(["search", "--field", "lang=en"])
        #expect(found.text.contains(infoHash))
        let viaFlag = try CommandRunner.run(CommandRunner.zenfs, ["ls", "--data-dir", directory.path + "/data"])
        #expect(viaFlag.text.contains("/clip.bin"))
    }

    /// A missing source, unknown content and a bad option each fail with a message, not a crash.
    @Test func failsClearly() throws {
        let directory = TemporaryDirectory()
        let zenfs = CommandRunner(dataDirectory: directory.path + "/data")
        let missing = try zenfs.zenfs(["add", directory.path + "/nope"])
        #expect(missing.status != 0)
        #expect(missing.error.contains("does not exist"))
        let unknown = try zenfs.zenfs(["get", "0123456789012345678901234567890123456789", "--to", directory.path])
        #expect(unknown.status != 0)
        #expect(unknown.error.contains("no content named"))
        let badField = try zenfs.zenfs(["add", directory.path, "--field", "novalue"])
        #expect(badField.status != 0)
        #expect(badField.error.contains("key=value"))
    }

    /// Hostile torrents from the regression corpus are refused by import with a metainfo error, and the
    /// data directory is left as it was.
    @Test func importRefusesHostileTorrents() throws {
        let directory = TemporaryDirectory()
        let zenfs = CommandRunner(dataDirectory: directory.path + "/data")
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("ZenFSTests/Corpus").path
        let hostile = try FileManager.default.contentsOfDirectory(atPath: corpus).filter { $0.hasPrefix("invalid-") }
        #expect(hostile.count >= 10)
        let data = directory.randomFile("data.bin", count: 1000)
        for name in hostile {
            let result = try zenfs.zenfs(["import", corpus + "/" + name, "--data", data])
            #expect(result.status != 0, "\(name) was accepted")
            #expect(result.error.contains("metainfo"), "\(name): \(result.error)")
        }
        let verify = try zenfs.zenfs(["verify", "--json"])
        #expect(verify.status == 0)
        #expect(try zenfs.zenfs(["ls"]).text.isEmpty)
    }
}
