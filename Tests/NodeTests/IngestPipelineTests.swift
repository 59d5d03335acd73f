import Foundation
import Synchronization
import TestSupport
import Testing
import ZenFS

@testable import Node

/// The parts of ingest that trade copies for speed: direct writes, mapped reads guarded against files that shrink,
/// the bounded hand-off between hashing and writing, and the refusal of a source written to meanwhile.
struct IngestPipelineTests {
    /// Direct writes (page-aligned bytes) and ordinary ones (any other size) both read back identical, on ext4
    /// and on tmpfs.
    @Test(arguments: [NSTemporaryDirectory(), "/dev/shm/"])
    func bypassingTheCacheStoresTheSameBytes(parent: String) throws {
        let root = parent + "zenfs-direct-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try ElementStore(directory: root)
        for size in [256 << 10, (256 << 10) + 100, 4096] {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 4096)
            defer { buffer.deallocate() }
            for index in 0..<size { buffer[index] = UInt8(truncatingIfNeeded: index &* 31 &+ size) }
            let bytes = UnsafeRawBufferPointer(buffer)
            let hash = SHA1Digest.of(bytes)
            let staged = try #require(try store.stage(bytes, as: hash, bypassingCache: true))
            try store.commit([staged])
            #expect(try store.read(hash) == Array(bytes))
        }
    }

    /// A mapped file that another process shortens does not kill the reader: the lost pages read as zeros and
    /// the mapping reports the fault; an untouched mapping reports none and holds the file's bytes.
    @Test func mappedPiecesReportAFileThatShrank() throws {
        let directory = TemporaryDirectory()
        let path = directory.randomFile("source.bin", count: 1 << 20)
        let original = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        let source = PieceSource(segments: [.file(path: path, length: 1 << 20)], pieceLength: 256 << 10)
        var files = SourceDescriptors()

        let intact = try #require(try source.map(0..<4, files: &files))
        #expect(Array(intact.piece(3, size: 256 << 10)) == Array(original[(768 << 10)...]))
        #expect(!intact.hasFaulted)

        let shrinking = try #require(try source.map(0..<4, files: &files))
        #expect(truncate(path, 100 << 10) == 0)
        let lost = shrinking.piece(2, size: 256 << 10)
        #expect(SHA1Digest.of(lost) == SHA1Digest.of(Array(repeating: 0, count: 256 << 10)))
        #expect(shrinking.hasFaulted)
    }

    /// Adding a file that another thread keeps writing to fails with `sourceChanged` and keeps nothing; once the
    /// writes stop, the same add succeeds.
    @Test func refusesASourceWrittenMeanwhile() throws {
        let directory = TemporaryDirectory()
        let service = try directory.service()
        let path = directory.randomFile("src/busy.bin", count: 32 << 20)
        let writer = BackgroundWriter(path: path)
        writer.startAndWaitForFirstWrite()
        #expect(throws: IngestError.sourceChanged(path: path)) { try service.add(path) }
        writer.stop()
        #expect(service.data.store.allElements().isEmpty)
        #expect(service.data.store.stagedFiles().isEmpty)
        #expect(try service.data.catalog.allMetainfos().isEmpty)
        let added = try service.add(path)
        #expect(added.pieceCount == 128)
        #expect(try service.verify().isHealthy)
    }

    /// The queue holds at most its capacity, hands jobs out in order, and after `close` drains what it holds
    /// and refuses more.
    @Test func writeQueueIsBoundedAndDrainsAfterClose() throws {
        let queue = PieceWriteQueue(capacity: 2)
        let job: @Sendable (Int) -> PieceWriteJob = { index in
            PieceWriteJob(
                index: index,
                hash: SHA1Digest.of([UInt8(index)]),
                bytes: UnsafeRawBufferPointer(start: nil, count: 0),
                owner: PieceBufferPool(pieceLength: 4096)
            )
        }
        #expect(queue.push(job(0)))
        #expect(queue.push(job(1)))
        let thirdPushed = Mutex<Bool?>(nil)
        let pushed = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let accepted = queue.push(job(2))
            thirdPushed.withLock { $0 = accepted }
            pushed.signal()
        }
        #expect(pushed.wait(timeout: .now() + .milliseconds(200)) == .timedOut)  // full: the producer waits
        #expect(queue.pop()?.index == 0)
        #expect(pushed.wait(timeout: .now() + .seconds(10)) == .success)
        #expect(thirdPushed.withLock { $0 } == true)
        queue.close()
        #expect(!queue.push(job(3)))
        #expect(queue.pop()?.index == 1)
        #expect(queue.pop()?.index == 2)
        #expect(queue.pop() == nil)
    }
}

/// Overwrites the first bytes of a file over and over on its own thread until stopped.
private final class BackgroundWriter: @unchecked Sendable {
    let path: String
    private let running = Atomic<Bool>(true)
    private let firstWrite = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    init(path: String) {
        self.path = path
    }

    func startAndWaitForFirstWrite() {
        Thread.detachNewThread { [self] in
            let fd = open(path, O_WRONLY)
            var round: UInt8 = 0
            var signalled = false
            while running.load(ordering: .relaxed) {
                round &+= 1
                var byte = round
                _ = pwrite(fd, &byte, 1, 0)
                if !signalled {
                    signalled = true
                    firstWrite.signal()
                }
                usleep(200)
            }
            close(fd)
            finished.signal()
        }
        firstWrite.wait()
    }

    func stop() {
        running.store(false, ordering: .relaxed)
        finished.wait()
    }
}
