import Foundation
import Glibc
import Testing
import ZenFS
import ZenFSMount

/// Reads of committed files, which the mount answers by splicing stretches of several parts at once.
struct ReadPathTests {
    /// Reads at offsets and lengths that start, end and cross part boundaries, with the kernel's cache dropped
    /// before each, return exactly the bytes written; so does a direct read of a whole MiB.
    @Test func readsAcrossPartsMatchTheBytesWritten() throws {
        let mount = try TestMount()
        let part = PieceLength.standard
        var state: UInt64 = 42
        let bytes = (0..<(5 * part + 12_345)).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        #expect(writeFile(mount.path("parts.bin"), bytes))
        try mount.remount()
        #expect(readFile(mount.path("parts.bin")) == bytes)

        let ranges: [(offset: Int, length: Int)] = [
            (0, part), (part - 1, 2), (part / 2, 3 * part), (0, 5 * part + 12_345), (4 * part + 100, 2 * part),
            (2 * part, 512 * 1024), (3 * part - 4096, 600 * 1024), (5 * part, 12_345), (5 * part + 12_000, 4096),
        ]
        for range in ranges {
            let fd = open(mount.path("parts.bin"), O_RDONLY)
            #expect(fd >= 0)
            #expect(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0)
            var buffer = [UInt8](repeating: 0, count: range.length)
            var done = 0
            while done < range.length {
                let count = buffer.withUnsafeMutableBytes { target in
                    pread(fd, target.baseAddress! + done, range.length - done, off_t(range.offset + done))
                }
                if count <= 0 { break }
                done += count
            }
            close(fd)
            let expected = Array(bytes[min(range.offset, bytes.count)..<min(range.offset + range.length, bytes.count)])
            #expect(Array(buffer[0..<done]) == expected, "offset \(range.offset), length \(range.length)")
        }

        // O_DIRECT on x86-64 Linux; Glibc does not export it to Swift without _GNU_SOURCE.
        let direct = open(mount.path("parts.bin"), O_RDONLY | 0o40000)
        #expect(direct >= 0)
        defer { close(direct) }
        let aligned = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 4096)
        defer { aligned.deallocate() }
        let count = pread(direct, aligned, 1 << 20, off_t(part))
        #expect(count == 1 << 20)
        #expect(
            Array(UnsafeRawBufferPointer(start: aligned, count: max(0, count))) == Array(bytes[part..<part + (1 << 20)])
        )
    }

    /// The mount's readahead window is raised past one request once the kernel's `INIT` is answered (which lowers it
    /// to `max_readahead`), so a streamed file has many reads in flight; every request stays at `max_read`.
    @Test func readaheadIsRaisedAfterInit() throws {
        guard geteuid() == 0 else { return }
        let mount = try TestMount()
        var info = stat()
        #expect(stat(mount.mountPoint, &info) == 0)
        let device = "\((info.st_dev >> 8) & 0xfff):\((info.st_dev & 0xff) | ((info.st_dev >> 12) & ~0xff))"
        let path = "/sys/class/bdi/\(device)/read_ahead_kb"
        var value: Int?
        for _ in 0..<200 {
            value = (try? String(contentsOfFile: path, encoding: .utf8)).flatMap {
                Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            if value == FuseMount.readaheadKiB { break }
            usleep(10_000)
        }
        #expect(value == FuseMount.readaheadKiB)
        #expect(FuseMount.readaheadKiB * 1024 >= 8 * FuseMount.largestRead)
    }

    /// A file's `.torrent` under `/.zen/torrents` follows the file's recorded versions.
    @Test func torrentFollowsTheFilesVersions() throws {
        let mount = try TestMount()
        func version(_ text: String) throws -> (String, SHA1Digest) {
            let fd = open(mount.path("notes.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            #expect(fd >= 0)
            _ = text.utf8CString.withUnsafeBytes { write(fd, $0.baseAddress, $0.count - 1) }
            #expect(fsync(fd) == 0)
            close(fd)
            var buffer = [CChar](repeating: 0, count: 64)
            let length = getxattr(mount.path("notes.txt"), "user.zenfs.infohash", &buffer, 64)
            let hex = String(decoding: buffer[0..<max(0, length)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let torrent = try #require(readFile(mount.path(".zen/torrents/notes.txt.torrent")))
            return (hex, try Metainfo(parsing: torrent).infoHash)
        }
        let (first, firstTorrent) = try version("the first version")
        #expect(firstTorrent.hex == first)
        // Names the kernel looked up stay cached for up to a second.
        Thread.sleep(forTimeInterval: 1.2)
        let (second, secondTorrent) = try version("the second, longer version")
        #expect(second != first)
        #expect(secondTorrent.hex == second)
    }
}

/// Listing folders: each listing is taken once per pass and served in pieces, with attributes.
struct DirectoryListingTests {
    /// A folder of many entries lists every name exactly once, with the right attributes, after a remount (so
    /// the kernel knows none of them); `rewinddir` sees an entry created meanwhile.
    @Test func listsLargeFoldersOnceWithAttributes() throws {
        let mount = try TestMount()
        #expect(mkdir(mount.path("many"), 0o755) == 0)
        let count = 1_500
        for index in 0..<count {
            #expect(
                writeFile(mount.path("many/entry-\(index)"), Array(repeating: UInt8(index % 251), count: index % 7))
            )
        }
        try mount.remount()

        func names(_ directory: OpaquePointer) -> [String] {
            var found: [String] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
                }
                if name != "." && name != ".." { found.append(name) }
            }
            return found
        }
        let directory = try #require(opendir(mount.path("many")))
        defer { closedir(directory) }
        let listed = names(directory)
        #expect(listed.count == count)
        #expect(Set(listed) == Set((0..<count).map { "entry-\($0)" }))
        for index in stride(from: 0, to: count, by: 97) {
            let info = try #require(statOf(mount.path("many/entry-\(index)")))
            #expect(info.st_size == index % 7)
            #expect(info.st_mode & S_IFMT == S_IFREG)
        }

        #expect(writeFile(mount.path("many/late"), [1]))
        rewinddir(directory)
        let again = names(directory)
        #expect(again.count == count + 1)
        #expect(again.contains("late"))
    }
}
