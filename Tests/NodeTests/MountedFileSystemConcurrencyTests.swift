import Foundation
import Glibc
import Node
import Synchronization
import TestSupport
import Testing

/// The mount's filesystem service called from several threads at once, as libfuse's workers call it.
struct MountedFileSystemConcurrencyTests {
    /// The kernel sends a file's last release without waiting for it, so the next open of the same file can run
    /// while that release collects the file's state. Every handle the open returns must stay usable.
    @Test func openRacingTheLastReleaseKeepsTheNewHandle() throws {
        let directory = TemporaryDirectory()
        let fileSystem = try MountedFileSystem.fresh(in: directory)
        defer { try? fileSystem.shutdown() }
        let (attributes, first) = try fileSystem.create(
            "shared",
            in: NamespaceEntry.rootID,
            mode: 0o644,
            flags: O_RDWR,
            uid: 0,
            gid: 0
        )
        let inode = Int64(attributes.inode)
        let bytes: [UInt8] = Array("content".utf8)
        _ = try bytes.withUnsafeBytes { try fileSystem.write(first, at: 0, bytes: $0) }
        try fileSystem.fsync(first)
        var previous = first
        var failures: [String] = []
        for round in 0..<300 {
            let releasing = previous
            let released = DispatchSemaphore(value: 0)
            let go = Atomic<Bool>(false)
            // The releasing thread spins until the open starts, so the two overlap as closely as they can.
            let thread = Thread {
                while !go.load(ordering: .acquiring) {}
                try? fileSystem.release(releasing)
                released.signal()
            }
            thread.start()
            go.store(true, ordering: .releasing)
            let opened = try fileSystem.open(inode, flags: O_RDWR)
            released.wait()
            var buffer = [UInt8](repeating: 0, count: bytes.count)
            do {
                let count = try buffer.withUnsafeMutableBytes { try fileSystem.read(opened, at: 0, into: $0) }
                if Array(buffer[0..<count]) != bytes { failures.append("round \(round): read \(buffer[0..<count])") }
            } catch {
                failures.append("round \(round): \(error)")
            }
            previous = opened
        }
        try fileSystem.release(previous)
        #expect(failures.isEmpty, "\(failures.prefix(3))")
    }
}
