import Chain
import Foundation
import Node
import TestSupport
import Testing
import ZenFS

/// The ban list on disk: what is saved is loaded back whole, and a damaged file is refused with a message.
struct BanListTests {
    @Test func savedBansLoadBack() throws {
        let directory = TemporaryDirectory()
        let list = BanList(path: directory.path + "/bans.json")
        #expect(try list.load() == [])
        let records = [
            BanRecord(
                identity: String(repeating: "02", count: 33),
                address: "10.0.0.2:7600",
                reason: "flood",
                since: 1
            ),
            BanRecord(identity: String(repeating: "03", count: 33), address: "-", reason: "corrupt part", since: 2),
        ]
        try list.save(records)
        #expect(try list.load() == records)
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/bans.json.tmp"))
    }

    @Test func damagedListIsRefusedWithItsPath() throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/bans.json"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("[{\"identity\": 1".utf8)))
        #expect {
            try BanList(path: path).load()
        } throws: { error in
            guard let error = error as? BanListError, case .malformed(let shown, _) = error else { return false }
            return shown == path && error.description.contains("fix or delete it")
        }
    }
}
