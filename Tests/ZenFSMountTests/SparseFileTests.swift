import Foundation
import Glibc
import Node
import Testing

/// Sparse and huge files through a real mount: holes cost nothing, read as zeros, and are found by
/// `SEEK_HOLE`/`SEEK_DATA`; past the largest size, `EFBIG`, and the mount lives on.
@Suite(.serialized)
struct SparseFileTests {
    static let largest = MountedFileSystem.largestNewFile
    static let part = Int64(256 * 1024)

    /// Truncating to the largest size and writing its last byte work; one byte more is `EFBIG` (also for an
    /// absurd size), and holes read as zeros before and after a remount.
    @Test func largestSizeAndBeyond() throws {
        let mount = try TestMount()
        let path = mount.path("huge")
        let fd = open(path, O_RDWR | O_CREAT, 0o644)
        #expect(fd >= 0)
        #expect(errnoOf { ftruncate(fd, off_t(Self.largest)) } == 0)
        #expect(errnoOf { ftruncate(fd, off_t(Self.largest + 1)) } == EFBIG)
        #expect(errnoOf { ftruncate(fd, 999_999_999_999_999) } == EFBIG)
        #expect(pwrite(fd, [0x5a], 1, off_t(Self.largest - 1)) == 1)
        #expect(errnoOf { Int32(pwrite(fd, [0x5b], 1, off_t(Self.largest))) } == EFBIG)
        #expect(statOf(path)?.st_size == Int(Self.largest))
        #expect(fsync(fd) == 0)
        close(fd)
        func check(_ moment: String) {
            let reader = open(path, O_RDONLY)
            defer { close(reader) }
            var byte: UInt8 = 1
            #expect(pread(reader, &byte, 1, off_t(Self.largest - 1)) == 1 && byte == 0x5a, "\(moment)")
            var hole = [UInt8](repeating: 1, count: 4096)
            for offset in [Int64(0), Self.largest / 2 + 12345, Self.largest - 4097] {
                #expect(pread(reader, &hole, 4096, off_t(offset)) == 4096, "\(moment)")
                #expect(hole.allSatisfy { $0 == 0 }, "\(moment): hole at \(offset)")
            }
        }
        check("before remount")
        try mount.remount()
        check("after remount")
        #expect(statOf(path)?.st_size == Int(Self.largest))
        #expect(writeFile(mount.path("after"), [1]))
    }

    /// A file that has content keeps its part size, so it may grow to 2^18 of its parts (64 GiB for 256 KiB ones);
    /// a new file made larger than that first gets larger parts.
    @Test func filesWithContentKeepTheirParts() throws {
        let mount = try TestMount()
        let standardLimit = 256 * 1024 * (Int64(1) << 18)
        #expect(writeFile(mount.path("small"), [1, 2, 3]))
        #expect(errnoOf { truncate(mount.path("small"), off_t(standardLimit)) } == 0)
        #expect(errnoOf { truncate(mount.path("small"), off_t(standardLimit + 1)) } == EFBIG)
        let fd = open(mount.path("grown"), O_RDWR | O_CREAT, 0o644)
        defer { close(fd) }
        #expect(errnoOf { ftruncate(fd, off_t(standardLimit * 2)) } == 0)
        #expect(pwrite(fd, [9], 1, 17) == 1)
        var byte: UInt8 = 0
        #expect(pread(fd, &byte, 1, 17) == 1 && byte == 9)
        #expect(errnoOf { ftruncate(fd, off_t(standardLimit * 2 + 1)) } == 0)
    }

    /// `st_blocks` counts what is stored: a sparse file takes the blocks of the parts written, while written and
    /// once recorded; a dense one all its bytes.
    @Test func blocksCountWhatIsStored() throws {
        let mount = try TestMount()
        let sparse = mount.path("sparse")
        let fd = open(sparse, O_RDWR | O_CREAT, 0o644)
        #expect(ftruncate(fd, 1 << 30) == 0)
        #expect(pwrite(fd, [1], 1, 512 << 20) == 1)
        let partBlocks = Int(Self.part / 512)
        #expect((statOf(sparse)?.st_blocks ?? -1) <= partBlocks, "while written")
        close(fd)
        #expect(writeFile(mount.path("dense"), [UInt8](repeating: 3, count: 1 << 20)))
        try mount.remount()
        let recorded = statOf(sparse)?.st_blocks ?? -1
        #expect(recorded > 0 && recorded <= partBlocks, "recorded: \(recorded)")
        #expect(statOf(mount.path("dense"))?.st_blocks == (1 << 20) / 512)
        #expect(statOf(sparse)?.st_size == 1 << 30)
    }

    /// `SEEK_DATA` skips whole parts nothing wrote; `SEEK_HOLE` finds them; both past the end are `ENXIO`.
    @Test func seekFindsHolesAndData() throws {
        let mount = try TestMount()
        let path = mount.path("sparse")
        let fd = open(path, O_RDWR | O_CREAT, 0o644)
        defer { close(fd) }
        #expect(ftruncate(fd, off_t(100 * Self.part)) == 0)
        #expect(pwrite(fd, [1, 2, 3], 3, off_t(40 * Self.part + 10)) == 3)
        func seeks(_ moment: String) {
            #expect(lseek(fd, 0, 3) == off_t(40 * Self.part), "\(moment): SEEK_DATA from 0")
            #expect(lseek(fd, 0, 4) == 0, "\(moment): SEEK_HOLE from 0")
            #expect(lseek(fd, off_t(40 * Self.part + 5), 4) == off_t(41 * Self.part), "\(moment): SEEK_HOLE in data")
            #expect(lseek(fd, off_t(40 * Self.part + 5), 3) == off_t(40 * Self.part + 5), "\(moment)")
            #expect(errnoOf { Int32(lseek(fd, off_t(41 * Self.part), 3)) } == ENXIO, "\(moment): no data after")
            #expect(errnoOf { Int32(lseek(fd, off_t(100 * Self.part), 4)) } == ENXIO, "\(moment): at the end")
        }
        seeks("while written")
        #expect(fsync(fd) == 0)
        let reopened = open(path, O_RDONLY)
        defer { close(reopened) }
        #expect(lseek(reopened, 0, 3) == off_t(40 * Self.part), "recorded: SEEK_DATA from 0")
        #expect(lseek(reopened, off_t(40 * Self.part), 4) == off_t(41 * Self.part), "recorded: SEEK_HOLE")
        seeks("recorded")
    }
}
