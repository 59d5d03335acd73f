import Foundation
import Glibc
import Testing

/// FIFOs, device nodes and unix sockets through a real mount: namespace entries with no content.
@Suite(.serialized)
struct SpecialFileTests {
    /// mkfifo, mknod of character and block devices and bind() of a socket make entries whose type, mode and
    /// device number `stat` reports exactly, before and after a remount.
    @Test func specialFilesKeepTypeModeAndDevice() throws {
        let mount = try TestMount()
        #expect(errnoOf { mkfifo(mount.path("fifo"), 0o640) } == 0)
        #expect(errnoOf { mknod(mount.path("chr"), S_IFCHR | 0o600, makedev(4, 64)) } == 0)
        #expect(errnoOf { mknod(mount.path("blk"), S_IFBLK | 0o640, makedev(259, 1_048_575)) } == 0)
        #expect(errnoOf { mknod(mount.path("sock-node"), S_IFSOCK | 0o644, 0) } == 0)
        let socketPath = mount.path("sock")
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(socketPath.utf8)
            raw.copyBytes(from: bytes.prefix(raw.count - 1))
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        #expect(bound == 0, "bind: \(String(cString: strerror(errno)))")
        #expect(errnoOf { mknod(mount.path("chr"), S_IFCHR | 0o600, 0) } == EEXIST)

        func check(_ moment: String) {
            let fifo = statOf(mount.path("fifo"))
            #expect(fifo?.st_mode == S_IFIFO | 0o640, "\(moment)")
            let chr = statOf(mount.path("chr"))
            #expect(chr?.st_mode == S_IFCHR | 0o600, "\(moment)")
            #expect(chr?.st_rdev == makedev(4, 64), "\(moment)")
            let blk = statOf(mount.path("blk"))
            #expect(blk?.st_mode == S_IFBLK | 0o640, "\(moment)")
            #expect(blk?.st_rdev == makedev(259, 1_048_575), "\(moment)")
            #expect(statOf(mount.path("sock-node"))?.st_mode == S_IFSOCK | 0o644, "\(moment)")
            #expect((statOf(socketPath)?.st_mode ?? 0) & S_IFMT == S_IFSOCK, "\(moment)")
            for name in ["fifo", "chr", "blk", "sock"] {
                #expect(statOf(mount.path(name))?.st_size == 0, "\(moment): size of \(name)")
                #expect(statOf(mount.path(name))?.st_blocks == 0, "\(moment): blocks of \(name)")
            }
            let listed = (try? FileManager.default.contentsOfDirectory(atPath: mount.mountPoint)) ?? []
            #expect(Set(["fifo", "chr", "blk", "sock", "sock-node"]).isSubset(of: Set(listed)), "\(moment)")
        }
        check("before remount")
        // A bound socket holds its node: close it so the unmount is not refused as busy.
        close(listener)
        try mount.remount()
        check("after remount")
    }

    /// A FIFO made in the mount carries bytes between a writer and a reader, as on tmpfs (the kernel serves it).
    @Test func fifoCarriesBytes() throws {
        let mount = try TestMount()
        let path = mount.path("pipe")
        #expect(errnoOf { mkfifo(path, 0o600) } == 0)
        // O_RDWR on a FIFO never blocks on Linux.
        let both = open(path, O_RDWR)
        #expect(both >= 0)
        defer { close(both) }
        let writer = open(path, O_WRONLY | O_NONBLOCK)
        #expect(writer >= 0)
        defer { close(writer) }
        let sent: [UInt8] = [1, 2, 3, 4]
        #expect(Glibc.write(writer, sent, 4) == 4)
        var received = [UInt8](repeating: 0, count: 4)
        #expect(Glibc.read(both, &received, 4) == 4)
        #expect(received == [1, 2, 3, 4])
        #expect(statOf(path)?.st_size == 0)
    }

    /// rename, link, unlink, chmod, chown and utimensat work on special files.
    @Test func namespaceCallsWorkOnSpecialFiles() throws {
        let mount = try TestMount()
        #expect(errnoOf { mkfifo(mount.path("p"), 0o644) } == 0)
        #expect(errnoOf { mknod(mount.path("c"), S_IFCHR | 0o644, makedev(1, 3)) } == 0)
        #expect(errnoOf { rename(mount.path("p"), mount.path("q")) } == 0)
        #expect(statOf(mount.path("p")) == nil)
        #expect(statOf(mount.path("q"))?.st_mode == S_IFIFO | 0o644)
        #expect(errnoOf { link(mount.path("c"), mount.path("c2")) } == 0)
        #expect(statOf(mount.path("c"))?.st_nlink == 2)
        #expect(statOf(mount.path("c2"))?.st_rdev == makedev(1, 3))
        #expect(errnoOf { chmod(mount.path("q"), 0o600) } == 0)
        #expect(errnoOf { chown(mount.path("c"), 42, 43) } == 0)
        let times = [timespec(tv_sec: 10, tv_nsec: 11), timespec(tv_sec: 20, tv_nsec: 21)]
        #expect(errnoOf { utimensat(AT_FDCWD, mount.path("q"), times, 0) } == 0)
        try mount.remount()
        let fifo = statOf(mount.path("q"))
        #expect(fifo?.st_mode == S_IFIFO | 0o600)
        #expect(fifo?.st_mtim.tv_sec == 20 && fifo?.st_mtim.tv_nsec == 21)
        #expect(statOf(mount.path("c2"))?.st_uid == 42 && statOf(mount.path("c2"))?.st_gid == 43)
        #expect(errnoOf { unlink(mount.path("c")) } == 0)
        #expect(statOf(mount.path("c2"))?.st_nlink == 1)
        #expect(errnoOf { unlink(mount.path("c2")) } == 0)
        #expect(errnoOf { unlink(mount.path("q")) } == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: mount.mountPoint).filter { $0 != ".zen" } == [])
        // Special files have no content to hash.
        #expect(errnoOf { mkfifo(mount.path("r"), 0o644) } == 0)
        var buffer = [CChar](repeating: 0, count: 64)
        #expect(errnoOf { Int32(getxattr(mount.path("r"), "user.zenfs.infohash", &buffer, 64)) } == ENODATA)
    }
}
