import Foundation
import Glibc
import Testing

/// Inode times through a real mount: exact to the nanosecond, `UTIME_NOW` and `UTIME_OMIT`, and `ctime` moving on
/// every change POSIX lists.
@Suite(.serialized)
struct TimestampTests {
    /// `utimensat` with odd nanoseconds reads back exactly, before and after a remount.
    @Test func timesAreExactToTheNanosecond() throws {
        let mount = try TestMount()
        let path = mount.path("f")
        #expect(writeFile(path, [1, 2, 3]))
        let times = [
            timespec(tv_sec: 1_000_000_000, tv_nsec: 100_000_000),
            timespec(tv_sec: 1_234_567_890, tv_nsec: 123_456_789),
        ]
        #expect(errnoOf { utimensat(AT_FDCWD, path, times, 0) } == 0)
        func check(_ moment: String) {
            let info = statOf(path)!
            #expect(info.st_atim.tv_sec == 1_000_000_000 && info.st_atim.tv_nsec == 100_000_000, "\(moment)")
            #expect(info.st_mtim.tv_sec == 1_234_567_890 && info.st_mtim.tv_nsec == 123_456_789, "\(moment)")
        }
        check("before remount")
        try mount.remount()
        check("after remount")
        // Before 1970 too.
        let early = [timespec(tv_sec: -86_400, tv_nsec: 1), timespec(tv_sec: -1, tv_nsec: 999_999_999)]
        #expect(errnoOf { utimensat(AT_FDCWD, path, early, 0) } == 0)
        try mount.remount()
        let info = statOf(path)!
        #expect(info.st_atim.tv_sec == -86_400 && info.st_atim.tv_nsec == 1)
        #expect(info.st_mtim.tv_sec == -1 && info.st_mtim.tv_nsec == 999_999_999)
    }

    /// `UTIME_OMIT` leaves a time as it is; `UTIME_NOW` sets it to the present.
    @Test func omitAndNow() throws {
        let mount = try TestMount()
        let path = mount.path("f")
        #expect(writeFile(path, [1]))
        let past = [timespec(tv_sec: 1_000, tv_nsec: 7), timespec(tv_sec: 2_000, tv_nsec: 9)]
        #expect(errnoOf { utimensat(AT_FDCWD, path, past, 0) } == 0)
        let omitAccess = [timespec(tv_sec: 0, tv_nsec: UTIME_OMIT), timespec(tv_sec: 3_000, tv_nsec: 11)]
        #expect(errnoOf { utimensat(AT_FDCWD, path, omitAccess, 0) } == 0)
        var info = statOf(path)!
        #expect(info.st_atim.tv_sec == 1_000 && info.st_atim.tv_nsec == 7)
        #expect(info.st_mtim.tv_sec == 3_000 && info.st_mtim.tv_nsec == 11)
        var before = timespec()
        clock_gettime(CLOCK_REALTIME, &before)
        let nowAccess = [timespec(tv_sec: 0, tv_nsec: UTIME_NOW), timespec(tv_sec: 0, tv_nsec: UTIME_OMIT)]
        #expect(errnoOf { utimensat(AT_FDCWD, path, nowAccess, 0) } == 0)
        info = statOf(path)!
        #expect(info.st_atim.tv_sec >= before.tv_sec)
        #expect(info.st_mtim.tv_sec == 3_000 && info.st_mtim.tv_nsec == 11)
    }

    /// A time set right after a write and close is the one kept once the group commit records the new version.
    @Test func timeSetAfterCloseSurvivesTheCommit() throws {
        let mount = try TestMount()
        for index in 0..<20 {
            let path = mount.path("f\(index)")
            #expect(writeFile(path, Array(repeating: UInt8(index), count: 1000 + index)))
            let times = [timespec(tv_sec: 5_000, tv_nsec: 1), timespec(tv_sec: 6_000, tv_nsec: 123_456_789)]
            #expect(errnoOf { utimensat(AT_FDCWD, path, times, 0) } == 0)
        }
        try mount.remount()
        for index in 0..<20 {
            let info = statOf(mount.path("f\(index)"))!
            #expect(info.st_mtim.tv_sec == 6_000 && info.st_mtim.tv_nsec == 123_456_789, "f\(index)")
            #expect(info.st_size == 1000 + index)
        }
    }

    /// `ctime` moves on chmod, chown, link, unlink of another name, rename, truncate, write and xattr changes.
    @Test func changeTimeMovesOnEveryChange() throws {
        let mount = try TestMount()
        let path = mount.path("f")
        #expect(writeFile(path, [1, 2, 3]))
        func changed(_ what: String, _ change: () -> Int32, from name: String = "h", to newName: String = "h") {
            let before = statOf(mount.path(name))!.st_ctim
            // The catalog's clock runs in nanoseconds; make sure it has moved on.
            var now = timespec()
            repeat {
                clock_gettime(CLOCK_REALTIME, &now)
            } while now.tv_sec == before.tv_sec
                && now.tv_nsec <= before.tv_nsec
            #expect(change() == 0, "\(what)")
            let after = statOf(mount.path(newName))!.st_ctim
            #expect(
                after.tv_sec > before.tv_sec || (after.tv_sec == before.tv_sec && after.tv_nsec > before.tv_nsec),
                "ctime after \(what)"
            )
        }
        changed("chmod", { chmod(path, 0o600) }, from: "f", to: "f")
        changed("chown", { chown(path, 1, 1) }, from: "f", to: "f")
        changed("link", { link(path, mount.path("g")) }, from: "f", to: "f")
        changed("unlink of the other name", { unlink(mount.path("g")) }, from: "f", to: "f")
        changed("rename", { rename(path, mount.path("h")) }, from: "f", to: "h")
        let moved = mount.path("h")
        changed("truncate") { truncate(moved, 1) }
        changed("write") { writeFile(moved, [4, 5]) ? 0 : -1 }
        changed("setxattr") { setxattr(moved, "user.a", "1", 1, 0) }
        changed("removexattr") { removexattr(moved, "user.a") }
        changed("utimensat") { utimensat(AT_FDCWD, moved, nil, 0) }
    }

    /// A directory's mtime and ctime move when an entry is created, removed or renamed in it.
    @Test func directoryTimesFollowItsEntries() throws {
        let mount = try TestMount()
        mkdir(mount.path("d"), 0o755)
        mkdir(mount.path("e"), 0o755)
        let past = [timespec(tv_sec: 100, tv_nsec: 0), timespec(tv_sec: 100, tv_nsec: 0)]
        func moves(_ what: String, _ directories: [String], _ change: () -> Int32) {
            for directory in directories { utimensat(AT_FDCWD, mount.path(directory), past, 0) }
            #expect(change() == 0, "\(what)")
            for directory in directories {
                let info = statOf(mount.path(directory))!
                #expect(info.st_mtim.tv_sec > 100, "mtime of \(directory) after \(what)")
                #expect(info.st_ctim.tv_sec > 100, "ctime of \(directory) after \(what)")
            }
        }
        moves("create", ["d"]) { writeFile(mount.path("d/f"), [1]) ? 0 : -1 }
        moves("mkdir", ["d"]) { mkdir(mount.path("d/sub"), 0o755) }
        moves("rename across", ["d", "e"]) { rename(mount.path("d/f"), mount.path("e/f")) }
        moves("link", ["d"]) { link(mount.path("e/f"), mount.path("d/g")) }
        moves("symlink", ["d"]) { symlink("f", mount.path("d/l")) }
        moves("mkfifo", ["d"]) { mkfifo(mount.path("d/p"), 0o644) }
        moves("unlink", ["d"]) { unlink(mount.path("d/g")) }
        moves("rmdir", ["d"]) { rmdir(mount.path("d/sub")) }
    }
}

/// Access times follow the mount's `relatime` (the default), `noatime` and `strictatime`.
@Suite(.serialized)
struct AccessTimeTests {
    /// The access time the mount itself reports now (`AT_STATX_FORCE_SYNC` skips the kernel's attribute cache).
    static func accessTime(_ path: String) -> timespec {
        // `struct statx` is 256 bytes; `stx_atime` (seconds, then nanoseconds) starts at byte 64.
        var buffer = [UInt8](repeating: 0, count: 256)
        let forceSync: Int32 = 0x2000
        let accessTimeMask: UInt32 = 0x20
        _ = statx(AT_FDCWD, path, forceSync, accessTimeMask, &buffer)
        return buffer.withUnsafeBytes {
            timespec(
                tv_sec: Int($0.load(fromByteOffset: 64, as: Int64.self)),
                tv_nsec: Int($0.load(fromByteOffset: 72, as: UInt32.self))
            )
        }
    }

    /// Opens a path for reading, reads a byte and closes it.
    static func readOnce(_ path: String) {
        let fd = open(path, O_RDONLY)
        var byte: UInt8 = 0
        _ = read(fd, &byte, 1)
        close(fd)
    }

    /// Sets atime 1000 s and mtime 2000 s after 1970 (an access time older than the modification).
    static func makeOld(_ path: String) {
        let times = [timespec(tv_sec: 1000, tv_nsec: 0), timespec(tv_sec: 2000, tv_nsec: 0)]
        _ = utimensat(AT_FDCWD, path, times, 0)
    }

    /// relatime: a read records the access when the access time is not after the modification time, and not
    /// again while it is (and younger than a day); the time survives a remount.
    @Test func relativeByDefault() throws {
        let mount = try TestMount()
        let path = mount.path("f")
        #expect(writeFile(path, [1, 2, 3]))
        Self.makeOld(path)
        #expect(Self.accessTime(path).tv_sec == 1000)
        Self.readOnce(path)
        let first = Self.accessTime(path)
        #expect(first.tv_sec > 2000)
        Self.readOnce(path)
        let second = Self.accessTime(path)
        #expect(second.tv_sec == first.tv_sec && second.tv_nsec == first.tv_nsec)
        try mount.remount()
        let remounted = Self.accessTime(path)
        #expect(remounted.tv_sec == first.tv_sec && remounted.tv_nsec == first.tv_nsec)
        // Writing leaves the access time, and creating a file opened for writing and reading sets none later
        // than its other times.
        let created = mount.path("g")
        let fd = open(created, O_RDWR | O_CREAT, 0o644)
        close(fd)
        let info = statOf(created)!
        #expect(info.st_atim.tv_sec == info.st_mtim.tv_sec && info.st_atim.tv_nsec == info.st_mtim.tv_nsec)
    }

    /// noatime: reads never change the access time; strictatime: every read does.
    @Test func neverAndAlways() throws {
        let never = try TestMount(options: ["noatime"])
        let path = never.path("f")
        #expect(writeFile(path, [1]))
        Self.makeOld(path)
        Self.readOnce(path)
        #expect(Self.accessTime(path).tv_sec == 1000)

        let always = try TestMount(options: ["strictatime"])
        let other = always.path("f")
        #expect(writeFile(other, [1]))
        Self.readOnce(other)
        let first = Self.accessTime(other)
        Self.readOnce(other)
        let second = Self.accessTime(other)
        #expect(second.tv_sec > first.tv_sec || (second.tv_sec == first.tv_sec && second.tv_nsec > first.tv_nsec))
    }

    /// Listing a folder records an access to it, as reading a file does.
    @Test func listingIsAnAccess() throws {
        let mount = try TestMount()
        mkdir(mount.path("d"), 0o755)
        Self.makeOld(mount.path("d"))
        _ = try FileManager.default.contentsOfDirectory(atPath: mount.path("d"))
        #expect(Self.accessTime(mount.path("d")).tv_sec > 2000)
    }
}
