import Foundation
import Glibc
import Testing

/// fsx-style: thousands of random writes, truncates, reads, renames, reopens and fsyncs applied both to the mount
/// and to a directory on tmpfs; every read, every size and finally every byte must agree.
struct DifferentialTests {
    /// A small seeded generator, so a failure names the seed that reproduces it.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state ^ (state >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(1, bound))) }
    }

    /// One side of the comparison: a folder with open descriptors for each file name.
    final class Side {
        let root: String
        var descriptors: [String: Int32] = [:]
        init(root: String) { self.root = root }

        func fd(_ name: String) -> Int32 {
            if let fd = descriptors[name] { return fd }
            let fd = open(root + "/" + name, O_RDWR | O_CREAT, 0o644)
            precondition(fd >= 0, "open \(root)/\(name): \(String(cString: strerror(errno)))")
            descriptors[name] = fd
            return fd
        }

        func closeAll() {
            for fd in descriptors.values { close(fd) }
            descriptors.removeAll()
        }
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func randomOperationsAgreeWithTmpfs(seed: UInt64) throws {
        let mount = try TestMount()
        let reference = "/dev/shm/zenfs-fsx-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: reference, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: reference) }
        let sides = [Side(root: mount.mountPoint), Side(root: reference)]
        var random = Generator(state: seed)
        var names = ["a", "b", "c"]
        let maximumSize = 3 << 20
        for step in 0..<2500 {
            let name = names[random.below(names.count)]
            switch random.below(100) {
            case 0..<40:
                let offset = random.below(maximumSize)
                let length = 1 + random.below(random.below(4) == 0 ? 600_000 : 5000)
                var bytes = [UInt8](repeating: 0, count: length)
                for index in stride(from: 0, to: length, by: 8) {
                    bytes[index] = UInt8(truncatingIfNeeded: random.next())
                }
                for side in sides {
                    let written = pwrite(side.fd(name), bytes, length, off_t(offset))
                    #expect(written == length, "seed \(seed) step \(step): write to \(side.root)/\(name): \(errno)")
                }
            case 40..<50:
                let size = random.below(maximumSize)
                for side in sides {
                    #expect(ftruncate(side.fd(name), off_t(size)) == 0, "seed \(seed) step \(step): truncate: \(errno)")
                }
            case 50..<80:
                let offset = random.below(maximumSize)
                let length = random.below(400_000)
                var results: [[UInt8]] = []
                for side in sides {
                    var buffer = [UInt8](repeating: 0xee, count: length)
                    let count = pread(side.fd(name), &buffer, length, off_t(offset))
                    results.append(Array(buffer[0..<max(0, count)]))
                }
                // Compared first, so a failure reports sizes rather than a diff of two large arrays.
                let same = results[0] == results[1]
                #expect(
                    same,
                    "seed \(seed) step \(step): read of \(name) at \(offset)+\(length) differs: \(results[0].count) and \(results[1].count) bytes"
                )
            case 80..<88:
                for side in sides {
                    if let fd = side.descriptors.removeValue(forKey: name) { close(fd) }
                }
            case 88..<93:
                for side in sides { #expect(fsync(side.fd(name)) == 0) }
            case 93..<97:
                let target = "r\(random.below(3))"
                for side in sides {
                    #expect(
                        rename(side.root + "/" + name, side.root + "/" + target) == 0
                            || !FileManager.default.fileExists(atPath: side.root + "/" + name)
                    )
                    if let replaced = side.descriptors.removeValue(forKey: target) { close(replaced) }
                    if let fd = side.descriptors.removeValue(forKey: name) { side.descriptors[target] = fd }
                }
                names.removeAll { $0 == name || $0 == target }
                names.append(target)
                if names.count < 3 { names.append("n\(step)") }
            default:
                var sizes: [Int] = []
                for side in sides {
                    var info = stat()
                    fstat(side.fd(name), &info)
                    sizes.append(info.st_size)
                }
                #expect(sizes[0] == sizes[1], "seed \(seed) step \(step): size of \(name) differs")
            }
        }
        for side in sides { side.closeAll() }
        try mount.remount()
        let expected = try FileManager.default.contentsOfDirectory(atPath: reference).sorted()
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: mount.mountPoint).filter { $0 != ".zen" }.sorted()
                == expected
        )
        for name in expected {
            let same = readFile(mount.path(name)) == readFile(reference + "/" + name)
            #expect(same, "seed \(seed): \(name) differs after remount")
        }
    }
}
