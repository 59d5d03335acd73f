import Foundation
import Glibc
import Node
import Synchronization
import TestSupport
import Testing

/// A mount records its last writes after the kernel has let go of it (`fusermount3 -u` returns before that): a
/// new mount of the same data directory must wait for them, never open the catalog as it was before them.
struct MountRecordingOrderTests {
    /// A file truncated to 32 GiB (a version of 131,072 parts, slow to record) and not yet recorded by the first
    /// mount: a second mount opened meanwhile waits until the first has shut down, then sees the file at 32 GiB
    /// with its mode, not at its old size of 0.
    @Test func aNewMountWaitsForThePreviousOneToRecord() throws {
        let directory = TemporaryDirectory()
        let first = try MountedFileSystem.fresh(in: directory)
        var firstShutDown = false
        defer { if !firstShutDown { try? first.shutdown() } }
        let handle = try first.createInRoot("huge")
        let inode = try first.lookup("huge", in: NamespaceEntry.rootID).inode
        _ = try first.setattr(Int64(inode), AttributeChanges(mode: 0o600, size: 1 << 35))
        try first.release(handle)

        let opened = Atomic<Bool>(false)
        let second = Mutex<MountedFileSystem?>(nil)
        let failure = Mutex<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        let path = directory.path + "/data"
        let thread = Thread {
            do {
                let fileSystem = try MountedFileSystem(data: try DataDirectory(path: path, syncEveryTransaction: false))
                second.withLock { $0 = fileSystem }
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
            opened.store(true, ordering: .releasing)
            done.signal()
        }
        thread.start()
        // Long enough for a mount to open (a few milliseconds), short of the group commit's second.
        usleep(400_000)
        let openedEarly = opened.load(ordering: .acquiring)
        #expect(!openedEarly, "a second mount opened while the first still had writes to record")
        try first.shutdown()
        firstShutDown = true
        #expect(done.wait(timeout: .now() + 60) == .success)
        #expect(failure.withLock { $0 } == nil)
        let remounted = try #require(second.withLock { $0 })
        defer { try? remounted.shutdown() }
        let attributes = try remounted.lookup("huge", in: NamespaceEntry.rootID)
        #expect(attributes.size == 1 << 35)
        #expect(attributes.permissions & 0o7777 == 0o600)
    }

    /// A mount that does not let go within the wait is reported as such, with a message saying what to do.
    @Test func aSecondMountThatWaitsTooLongIsRefused() throws {
        let directory = TemporaryDirectory()
        let first = try MountedFileSystem.fresh(in: directory)
        defer { try? first.shutdown() }
        let data = try DataDirectory(path: directory.path + "/data", syncEveryTransaction: false)
        #expect(throws: StoreError.mounted(path: data.path)) {
            _ = try data.holdAsOnlyWriter(waiting: .milliseconds(200))
        }
        try first.shutdown()
        let descriptor = try data.holdAsOnlyWriter(waiting: .milliseconds(200))
        close(descriptor)
    }
}
