import Foundation
import Glibc
import Node
import Testing
import ZenFS

/// POSIX behaviour through a real mount, by pjdfstest's categories.
@Suite(.serialized)
struct ConformanceTests {
    /// mkdir: creates with the mode asked (less umask), refuses an existing name, counts links.
    @Test func mkdirCategory() throws {
        let mount = try TestMount()
        #expect(errnoOf { mkdir(mount.path("d"), 0o750) } == 0)
        #expect(statOf(mount.path("d"))!.st_mode & 0o7777 == 0o750 & ~0o022)
        #expect(errnoOf { mkdir(mount.path("d"), 0o755) } == EEXIST)
        #expect(errnoOf { mkdir(mount.path("missing/d"), 0o755) } == ENOENT)
        #expect(errnoOf { mkdir(mount.path("d/e"), 0o755) } == 0)
        #expect(statOf(mount.path("d"))!.st_nlink == 3)
        #expect(writeFile(mount.path("f"), [1]))
        #expect(errnoOf { mkdir(mount.path("f/x"), 0o755) } == ENOTDIR)
        #expect(errnoOf { mkdir(mount.path(String(repeating: "n", count: 256)), 0o755) } == ENAMETOOLONG)
    }

    /// rmdir: only empty directories; not files.
    @Test func rmdirCategory() throws {
        let mount = try TestMount()
        mkdir(mount.path("d"), 0o755)
        #expect(writeFile(mount.path("d/f"), [1]))
        #expect(errnoOf { rmdir(mount.path("d")) } == ENOTEMPTY)
        #expect(errnoOf { rmdir(mount.path("d/f")) } == ENOTDIR)
        unlink(mount.path("d/f"))
        #expect(errnoOf { rmdir(mount.path("d")) } == 0)
        #expect(errnoOf { rmdir(mount.path("d")) } == ENOENT)
        #expect(statOf(mount.mountPoint)!.st_nlink == 2)
    }

    /// open: O_CREAT|O_EXCL, O_TRUNC, O_APPEND, reading a directory as a file.
    @Test func openCategory() throws {
        let mount = try TestMount()
        let path = mount.path("f")
        #expect(writeFile(path, Array("hello".utf8)))
        #expect(errnoOf { open(path, O_CREAT | O_EXCL | O_WRONLY, 0o644) } == EEXIST)
        let appender = open(path, O_WRONLY | O_APPEND)
        #expect(appender >= 0)
        _ = " world".withCString { Glibc.write(appender, $0, 6) }
        _ = "!".withCString { pwrite(appender, $0, 1, 0) }  // O_APPEND ignores the offset
        close(appender)
        #expect(readFile(path) == Array("hello world!".utf8))
        let truncating = open(path, O_WRONLY | O_TRUNC)
        close(truncating)
        #expect(statOf(path)!.st_size == 0)
        mkdir(mount.path("d"), 0o755)
        #expect(errnoOf { open(mount.path("d"), O_WRONLY) } == EISDIR)
        #expect(errnoOf { open(mount.path("nothing"), O_RDONLY) } == ENOENT)
    }

    /// chmod and chown change mode and owner; ctime moves.
    @Test func chmodAndChownCategories() throws {
        let mount = try TestMount()
        let path = mount.path("f")
        #expect(writeFile(path, [1, 2, 3]))
        #expect(errnoOf { chmod(path, 0o4711) } == 0)
        #expect(statOf(path)!.st_mode & 0o7777 == 0o4711)
        #expect(errnoOf { chown(path, 1234, 5678) } == 0)
        #expect(statOf(path)!.st_uid == 1234)
        #expect(statOf(path)!.st_gid == 5678)
        #expect(readFile(path) == [1, 2, 3])
    }

    /// link: hard links share content and count; unlinking one keeps the other.
    @Test func linkCategory() throws {
        let mount = try TestMount()
        #expect(writeFile(mount.path("a"), Array("shared".utf8)))
        #expect(errnoOf { link(mount.path("a"), mount.path("b")) } == 0)
        #expect(statOf(mount.path("a"))!.st_nlink == 2)
        #expect(statOf(mount.path("a"))!.st_ino == statOf(mount.path("b"))!.st_ino)
        #expect(writeFile(mount.path("b"), Array("changed".utf8)))
        #expect(readFile(mount.path("a")) == Array("changed".utf8))
        #expect(errnoOf { unlink(mount.path("a")) } == 0)
        #expect(statOf(mount.path("b"))!.st_nlink == 1)
        #expect(readFile(mount.path("b")) == Array("changed".utf8))
        mkdir(mount.path("d"), 0o755)
        #expect(errnoOf { link(mount.path("d"), mount.path("d2")) } == EPERM)
        #expect(errnoOf { link(mount.path("b"), mount.path("b")) } == EEXIST)
    }

    /// symlink and readlink.
    @Test func symlinkCategory() throws {
        let mount = try TestMount()
        #expect(errnoOf { symlink("target/of/link", mount.path("l")) } == 0)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = readlink(mount.path("l"), &buffer, 64)
        #expect(String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) == "target/of/link")
        #expect(statOf(mount.path("l"))!.st_mode & S_IFMT == S_IFLNK)
        #expect(writeFile(mount.path("real"), [7]))
        symlink("real", mount.path("l2"))
        #expect(readFile(mount.path("l2")) == [7])
        #expect(errnoOf { symlink("x", mount.path("l")) } == EEXIST)
    }

    /// unlink: a file stays readable through an open descriptor until it is closed.
    @Test func unlinkCategory() throws {
        let mount = try TestMount()
        let path = mount.path("f")
        #expect(writeFile(path, Array(repeating: 9, count: 600_000)))
        let fd = open(path, O_RDONLY)
        #expect(fd >= 0)
        #expect(errnoOf { unlink(path) } == 0)
        #expect(statOf(path) == nil)
        var bytes = [UInt8](repeating: 0, count: 600_000)
        #expect(pread(fd, &bytes, bytes.count, 0) == 600_000)
        #expect(bytes.allSatisfy { $0 == 9 })
        close(fd)
        mkdir(mount.path("d"), 0o755)
        #expect(errnoOf { unlink(mount.path("d")) } == EISDIR)
    }

    /// rename: replacing atomically, RENAME_NOREPLACE, RENAME_EXCHANGE, directories, and into itself.
    @Test func renameCategory() throws {
        let mount = try TestMount()
        #expect(writeFile(mount.path("a"), [1]))
        #expect(writeFile(mount.path("b"), [2]))
        #expect(errnoOf { rename(mount.path("a"), mount.path("b")) } == 0)
        #expect(readFile(mount.path("b")) == [1])
        #expect(statOf(mount.path("a")) == nil)
        #expect(writeFile(mount.path("c"), [3]))
        let noReplace = errnoOf { renameat2(AT_FDCWD, mount.path("b"), AT_FDCWD, mount.path("c"), RENAME_NOREPLACE) }
        #expect(noReplace == EEXIST)
        #expect(errnoOf { renameat2(AT_FDCWD, mount.path("b"), AT_FDCWD, mount.path("c"), RENAME_EXCHANGE) } == 0)
        #expect(readFile(mount.path("b")) == [3])
        #expect(readFile(mount.path("c")) == [1])
        mkdir(mount.path("d"), 0o755)
        mkdir(mount.path("d/e"), 0o755)
        #expect(errnoOf { rename(mount.path("d"), mount.path("d/e/f")) } == EINVAL)
        #expect(errnoOf { rename(mount.path("d"), mount.path("moved")) } == 0)
        #expect(statOf(mount.path("moved/e")) != nil)
        mkdir(mount.path("full"), 0o755)
        #expect(writeFile(mount.path("full/x"), [1]))
        #expect(errnoOf { rename(mount.path("moved"), mount.path("full")) } == ENOTEMPTY)
        #expect(errnoOf { rename(mount.path("b"), mount.path("moved")) } == EISDIR)
        #expect(errnoOf { rename(mount.path("moved"), mount.path("b")) } == ENOTDIR)
    }

    /// lookup: a name looked up and found absent (which the kernel remembers) exists at once when it is made
    /// through the mount, by create, mkdir, rename, link or symlink, and is absent again at once after unlink.
    @Test func absentNamesAppearAtOnce() throws {
        let mount = try TestMount()
        mkdir(mount.path("d"), 0o755)
        #expect(writeFile(mount.path("d/source"), [9]))
        for name in ["created", "folder", "renamed", "linked", "symlinked"] {
            #expect(statOf(mount.path("d/" + name)) == nil)
        }
        #expect(writeFile(mount.path("d/created"), [1]))
        #expect(errnoOf { mkdir(mount.path("d/folder"), 0o755) } == 0)
        #expect(writeFile(mount.path("d/moving"), [2]))
        #expect(errnoOf { rename(mount.path("d/moving"), mount.path("d/renamed")) } == 0)
        #expect(errnoOf { link(mount.path("d/source"), mount.path("d/linked")) } == 0)
        #expect(errnoOf { symlink("source", mount.path("d/symlinked")) } == 0)
        #expect(readFile(mount.path("d/created")) == [1])
        #expect(statOf(mount.path("d/folder"))!.st_mode & S_IFMT == S_IFDIR)
        #expect(readFile(mount.path("d/renamed")) == [2])
        #expect(readFile(mount.path("d/linked")) == [9])
        #expect(readFile(mount.path("d/symlinked")) == [9])
        #expect(errnoOf { unlink(mount.path("d/created")) } == 0)
        #expect(statOf(mount.path("d/created")) == nil)
    }

    /// truncate and ftruncate: shrink, grow with zeros, beyond 4 GiB sparse.
    @Test func truncateCategory() throws {
        let mount = try TestMount()
        let path = mount.path("f")
        #expect(writeFile(path, Array(repeating: 0xaa, count: 300_000)))
        #expect(errnoOf { truncate(path, 100) } == 0)
        #expect(errnoOf { truncate(path, 300_000) } == 0)
        let bytes = readFile(path)!
        #expect(bytes.count == 300_000)
        #expect(bytes[0..<100].allSatisfy { $0 == 0xaa })
        #expect(bytes[100...].allSatisfy { $0 == 0 })
        let fd = open(path, O_RDWR)
        #expect(errnoOf { ftruncate(fd, 5 << 30) } == 0)
        #expect(pwrite(fd, [0x55], 1, (5 << 30) - 1) == 1)
        close(fd)
        #expect(statOf(path)!.st_size == 5 << 30)
        let reader = open(path, O_RDONLY)
        var last: UInt8 = 0
        var middle: UInt8 = 1
        pread(reader, &last, 1, (5 << 30) - 1)
        pread(reader, &middle, 1, 3 << 30)
        close(reader)
        #expect(last == 0x55)
        #expect(middle == 0)
        mkdir(mount.path("d"), 0o755)
        #expect(errnoOf { truncate(mount.path("d"), 0) } == EISDIR)
    }

    /// Extended attributes: user.* set, get, list, replace, remove; the read-only info-hash attribute.
    @Test func xattrCategory() throws {
        let mount = try TestMount()
        let path = mount.path("f")
        #expect(writeFile(path, Array("content".utf8)))
        #expect(errnoOf { setxattr(path, "user.color", "blue", 4, 0) } == 0)
        #expect(errnoOf { setxattr(path, "user.color", "red", 3, XATTR_CREATE) } == EEXIST)
        #expect(errnoOf { setxattr(path, "user.other", "x", 1, XATTR_REPLACE) } == ENODATA)
        var buffer = [CChar](repeating: 0, count: 64)
        let size = getxattr(path, "user.color", &buffer, 64)
        #expect(size == 4)
        #expect(String(decoding: buffer[0..<max(0, size)].map { UInt8(bitPattern: $0) }, as: UTF8.self) == "blue")
        #expect(errnoOf { Int32(getxattr(path, "user.color", &buffer, 2)) } == ERANGE)
        #expect(errnoOf { Int32(getxattr(path, "user.none", &buffer, 64)) } == ENODATA)
        #expect(errnoOf { removexattr(path, "user.color") } == 0)
        #expect(errnoOf { removexattr(path, "user.color") } == ENODATA)
        #expect(errnoOf { setxattr(path, "trusted.x", "1", 1, 0) } != 0)
        #expect(errnoOf { setxattr(path, "user.zenfs.infohash", "1", 1, 0) } == EPERM)
    }

    /// Advisory locks: flock and fcntl locks between two descriptors of the same file.
    @Test func locksCategory() throws {
        let mount = try TestMount()
        let path = mount.path("f")
        #expect(writeFile(path, [1]))
        let first = open(path, O_RDWR)
        let second = open(path, O_RDWR)
        defer {
            close(first)
            close(second)
        }
        #expect(errnoOf { flock(first, LOCK_EX | LOCK_NB) } == 0)
        #expect(errnoOf { flock(second, LOCK_EX | LOCK_NB) } == EWOULDBLOCK)
        #expect(errnoOf { flock(first, LOCK_UN) } == 0)
        #expect(errnoOf { flock(second, LOCK_EX | LOCK_NB) } == 0)
        // Open-file-description locks (fcntl F_OFD_SETLK) conflict between two descriptors of one process.
        let setLock: Int32 = 37  // F_OFD_SETLK
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_len = 1
        #expect(errnoOf { fcntl(first, setLock, &lock) } == 0)
        var other = lock
        #expect(errnoOf { fcntl(second, setLock, &other) } == EAGAIN)
    }
}

/// The read-only `/.zen` tree.
struct VirtualTreeTests {
    /// `/.zen/torrents/<path>.torrent` holds each file's and folder's metainfo; `/.zen/by-infohash/<hex>/…` serves
    /// content by info-hash; nothing under `/.zen` can be changed.
    @Test func servesTorrentsAndContentByInfoHash() throws {
        let mount = try TestMount()
        try FileManager.default.createDirectory(atPath: mount.path("album/disc"), withIntermediateDirectories: true)
        let song = (0..<700_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        #expect(writeFile(mount.path("album/disc/song.bin"), song))
        try mount.remount()
        var buffer = [CChar](repeating: 0, count: 64)
        let length = getxattr(mount.path("album/disc/song.bin"), "user.zenfs.infohash", &buffer, 64)
        #expect(length == 40)
        let infoHash = String(decoding: buffer[0..<max(0, length)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let entries = try FileManager.default.contentsOfDirectory(atPath: mount.mountPoint)
        #expect(entries.contains(".zen"))
        let torrent = try #require(readFile(mount.path(".zen/torrents/album/disc/song.bin.torrent")))
        #expect(torrent.starts(with: Array("d".utf8)))
        #expect(String(decoding: torrent, as: UTF8.self).contains("song.bin"))
        // Like `zenfs torrent`, it announces to the node's tracker (the default one when no node runs) and names
        // its web seed.
        let exported = try Metainfo(parsing: torrent)
        #expect(exported.infoHash.hex == infoHash)
        #expect(exported.announce == "http://127.0.0.1:6969/announce")
        #expect(exported.urlList == ["http://127.0.0.1:6969/seed/\(infoHash)/"])
        #expect(readFile(mount.path(".zen/by-infohash/\(infoHash)/song.bin")) == song)
        #expect(try FileManager.default.contentsOfDirectory(atPath: mount.path(".zen/by-infohash")).contains(infoHash))
        #expect(errnoOf { mkdir(mount.path(".zen/torrents/x"), 0o755) } == EROFS)
        #expect(errnoOf { open(mount.path(".zen/by-infohash/\(infoHash)/song.bin"), O_WRONLY) } == EROFS)
        #expect(errnoOf { rename(mount.path(".zen"), mount.path("elsewhere")) } == EROFS)
        #expect(errnoOf { mkdir(mount.path(".zen"), 0o755) } == EEXIST)
    }
}

/// Maintenance that deletes elements runs beside a live mount without taking anything the mount uses.
struct MountExclusionTests {
    /// `gc` and `verify` run while the data directory is mounted; the mount's file stays whole, then and after
    /// the unmount.
    @Test func collectorsRunBesideTheMount() throws {
        let mount = try TestMount()
        #expect(writeFile(mount.path("f"), [1, 2, 3]))
        let service = FileSystemService(data: try DataDirectory(path: mount.dataPath))
        _ = try service.collectGarbage()
        #expect(try service.verify().isHealthy)
        #expect(readFile(mount.path("f")) == [1, 2, 3])
        mount.unmount()
        #expect(try service.verify().isHealthy)
        #expect(try service.collectGarbage().removedElements == 0)
    }
}
