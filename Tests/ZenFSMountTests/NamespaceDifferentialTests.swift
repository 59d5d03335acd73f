import Foundation
import Glibc
import Testing

/// A seeded random sequence of namespace calls (create, mkdir, mkfifo, mknod, symlink, link, unlink, rmdir,
/// rename with its flags, chmod, chown, utimensat with odd nanoseconds, truncate to large sizes, writes, xattrs)
/// applied to tmpfs and to the mount: every result and errno, and the stat fields of every name, must agree.
@Suite(.serialized)
struct NamespaceDifferentialTests {
    typealias Generator = DifferentialTests.Generator

    /// What `lstat` shows of a name, without the fields the two filesystems may choose freely (inode numbers,
    /// times the clock set, a folder's size, blocks).
    static func fingerprint(_ path: String) -> String {
        var info = stat()
        guard lstat(path, &info) == 0 else { return "missing: \(errno)" }
        let isFolder = info.st_mode & S_IFMT == S_IFDIR
        return "mode \(String(info.st_mode, radix: 8)) links \(info.st_nlink) owner \(info.st_uid):\(info.st_gid) "
            + "size \(isFolder ? "-" : String(info.st_size)) device \(info.st_rdev)"
    }

    /// Both times exactly, for a name whose times were just set; a time the clock set since (a followed link's
    /// access) shows as `now`: set times are all before 2020.
    static func times(_ path: String) -> String {
        var info = stat()
        guard lstat(path, &info) == 0 else { return "missing" }
        func shown(_ time: timespec) -> String {
            time.tv_sec >= 1_600_000_000 ? "now" : "\(time.tv_sec).\(time.tv_nsec)"
        }
        return shown(info.st_atim) + " " + shown(info.st_mtim)
    }

    /// Runs `call` and returns 0 or the errno it failed with.
    static func outcome(_ call: () -> Int) -> Int32 {
        errno = 0
        return call() < 0 ? errno : 0
    }

    @Test(arguments: [UInt64(11), 12, 13])
    func randomNamespaceCallsAgreeWithTmpfs(seed: UInt64) throws {
        let mount = try TestMount()
        let reference = "/dev/shm/zenfs-namespace-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: reference, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: reference) }
        let roots = [mount.mountPoint + "/t", reference + "/t"]
        for root in roots { #expect(mkdir(root, 0o755) == 0) }
        var random = Generator(state: seed)
        let names = ["a", "b", "c", "d/a", "d/b", "d/e/a", "s/a", "s/b"]
        let folders = ["d", "d/e", "s"]
        func anyName() -> String {
            random.below(5) == 0 ? folders[random.below(folders.count)] : names[random.below(names.count)]
        }
        for step in 0..<1500 {
            let first = anyName()
            let second = anyName()
            let mode = mode_t([0o644, 0o600, 0o755, 0o4755, 0o2755, 0o1777, 0o640][random.below(7)])
            let choice = random.below(22)
            let seconds = Int(random.below(1_500_000_000)) - 100_000
            let nanoseconds = [0, 1, 999_999_999, 100_000_000, 123_456_789][random.below(5)]
            let size = [0, 1, 4095, 300_000, 5 << 30, 1 << 35][random.below(6)]
            let device = makedev(UInt64(random.below(300)), UInt64(random.below(2_000_000)))
            let owner = (uid_t(random.below(3) * 1000), gid_t(random.below(3) * 1000))
            let flags: UInt32 = [0, 0, RENAME_NOREPLACE, RENAME_EXCHANGE][random.below(4)]
            let payload = [UInt8](repeating: UInt8(truncatingIfNeeded: step), count: 1 + random.below(3000))
            let writeOffset = off_t(random.below(1 << 20))
            var results: [String] = []
            for root in roots {
                let path = root + "/" + first
                let other = root + "/" + second
                let result: Int32
                switch choice {
                case 0, 1:
                    result = Self.outcome {
                        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY, mode)
                        if fd >= 0 { close(fd) }
                        return Int(fd)
                    }
                case 2: result = Self.outcome { Int(mkdir(path, mode)) }
                case 3: result = Self.outcome { Int(mkfifo(path, mode)) }
                case 4: result = Self.outcome { Int(mknod(path, S_IFCHR | (mode & 0o777), device)) }
                case 5: result = Self.outcome { Int(mknod(path, S_IFBLK | (mode & 0o777), device)) }
                case 6: result = Self.outcome { Int(symlink(second, path)) }
                case 7: result = Self.outcome { Int(link(path, other)) }
                case 8: result = Self.outcome { Int(unlink(path)) }
                case 9: result = Self.outcome { Int(rmdir(path)) }
                case 10, 11: result = Self.outcome { Int(renameat2(AT_FDCWD, path, AT_FDCWD, other, flags)) }
                case 12: result = Self.outcome { Int(chmod(path, mode)) }
                case 13: result = Self.outcome { Int(lchown(path, owner.0, owner.1)) }
                case 14, 15:
                    let times = [
                        timespec(tv_sec: seconds, tv_nsec: nanoseconds),
                        timespec(tv_sec: seconds + 7, tv_nsec: 999_999_999 - nanoseconds),
                    ]
                    result = Self.outcome { Int(utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW)) }
                case 16: result = Self.outcome { Int(truncate(path, off_t(size))) }
                case 17, 18:
                    // Never open a device node: its numbers are random, and one might name a real disk.
                    var kind = stat()
                    let isDevice =
                        lstat(path, &kind) == 0 && [S_IFCHR, S_IFBLK].contains(kind.st_mode & S_IFMT)
                    result = Self.outcome {
                        guard !isDevice else { return 0 }
                        let fd = open(path, O_WRONLY | O_NONBLOCK | O_NOFOLLOW)
                        guard fd >= 0 else { return -1 }
                        defer { close(fd) }
                        return pwrite(fd, payload, payload.count, writeOffset)
                    }
                case 19:
                    result = Self.outcome { setxattr(path, "user.k", payload, min(64, payload.count), 0) == 0 ? 0 : -1 }
                case 20: result = Self.outcome { Int(removexattr(path, "user.k")) }
                default:
                    var buffer = [UInt8](repeating: 0, count: 16)
                    result = Self.outcome { readlink(path, &buffer, 16) }
                }
                var observed = "\(result) " + Self.fingerprint(path) + " / " + Self.fingerprint(other)
                if choice == 14 || choice == 15 { observed += " times " + Self.times(path) }
                results.append(observed)
            }
            #expect(
                results[0] == results[1],
                "seed \(seed) step \(step) op \(choice) \(first) \(second): mount \(results[0]) tmpfs \(results[1])"
            )
            if results[0] != results[1] { break }
        }
        // The remount waits for every pending write to be recorded (a 32 GiB sparse file's version takes a while
        // under load) and fails if recording failed: the names must then read back as they were.
        try mount.remount()
        for name in names + folders {
            #expect(
                Self.fingerprint(roots[0] + "/" + name) == Self.fingerprint(roots[1] + "/" + name),
                "seed \(seed): \(name) after remount"
            )
        }
    }
}
