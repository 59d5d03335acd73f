import Foundation
import GRDB
import TestSupport
import Testing

@testable import Node

/// Catalogs written by earlier versions open with their contents intact.
struct CatalogMigrationTests {
    /// A catalog with times in REAL seconds (before v3) reads back in whole nanoseconds, keeps its names and
    /// extended attributes (the inode table is rebuilt, and nothing cascades from it), and takes special files.
    @Test func secondsBecomeNanoseconds() throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/catalog.sqlite"
        let old = try DatabaseQueue(path: path)
        try CatalogMigrations.migrator.migrate(old, upTo: "v2: space reservations")
        try old.write { db in
            try db.execute(
                sql: """
                    INSERT INTO inode (id, kind, mode, nlink, size, atime, mtime, ctime)
                        VALUES (7, 2, 420, 1, 0, 1000000000.25, 1234567890.5, 1500000000.0);
                    INSERT INTO dirent (parent, name, inode) VALUES (1, 'old', 7);
                    INSERT INTO xattr (inode, name, value) VALUES (7, 'user.kept', x'01');
                    """
            )
        }
        try old.close()
        let catalog = try Catalog(path: path, syncEveryTransaction: false)
        let entry = try #require(try catalog.lookup("old", in: NamespaceEntry.rootID))
        #expect(entry.id == 7)
        #expect(entry.accessed == Timestamp(nanoseconds: 1_000_000_000_250_000_000))
        #expect(entry.modified == Timestamp(nanoseconds: 1_234_567_890_500_000_000))
        #expect(entry.changed == Timestamp(seconds: 1_500_000_000, nanoseconds: 0))
        #expect(entry.device == 0)
        #expect(try catalog.extendedAttribute("user.kept", of: 7) == [1])
        let created = try catalog.create(
            "device",
            in: NamespaceEntry.rootID,
            kind: .blockDevice,
            mode: 0o600,
            uid: 0,
            gid: 0,
            device: 0x1234_5678_9abc
        )
        let read = try #require(try catalog.lookup("device", in: NamespaceEntry.rootID))
        #expect(read.kind == .blockDevice && read.device == 0x1234_5678_9abc)
        #expect(read == created)
    }
}

/// The nanosecond clock type the catalog stores.
struct TimestampValueTests {
    /// Seconds and nanoseconds split the same way as a `timespec` does, also before 1970, and clamp at the ends.
    @Test(arguments: [
        (Int64(0), Int64(0), Int64(0)), (-1, 999_999_999, -1), (1, 5, 1_000_000_005), (-2, 1, -1_999_999_999),
    ])
    func splitsLikeTimespec(seconds: Int64, nanoseconds: Int64, total: Int64) {
        let time = Timestamp(seconds: seconds, nanoseconds: nanoseconds)
        #expect(time.nanoseconds == total)
        #expect(time.seconds == seconds && time.nanosecondsOfSecond == nanoseconds)
    }

    @Test func clampsOutsideTheRange() {
        #expect(Timestamp(seconds: .max / 2, nanoseconds: 0).nanoseconds == .max)
        #expect(Timestamp(seconds: .min / 2, nanoseconds: 0).nanoseconds == .min)
    }
}
