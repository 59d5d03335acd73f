import Foundation
import Glibc
import Synchronization
import Testing

/// `user.zenfs.infohash` while group commits run: a closed file with content always has one.
@Suite(.serialized)
struct InfoHashAttributeTests {
    /// The info-hash attribute of a path, or the error that reading it failed with.
    static func infoHash(_ path: String) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let length = getxattr(path, "user.zenfs.infohash", &buffer, 64)
        guard length >= 0 else { return "error: \(String(cString: strerror(errno)))" }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func isInfoHash(_ text: String) -> Bool { text.count == 40 && text.allSatisfy(\.isHexDigit) }

    /// Right after `close()` of a new file, of a rewritten one and of one renamed over another, the attribute
    /// reads as a 40-digit info-hash, never `ENODATA`; a new file's `.torrent` exists at once too.
    @Test func presentRightAfterClose() throws {
        let mount = try TestMount()
        for round in 0..<60 {
            let path = mount.path("f\(round % 7)")
            #expect(writeFile(path, Array(repeating: UInt8(truncatingIfNeeded: round), count: 10 + round)))
            let first = Self.infoHash(path)
            #expect(Self.isInfoHash(first), "round \(round): \(first)")
            let temporary = mount.path(".tmp\(round)")
            #expect(writeFile(temporary, [UInt8(truncatingIfNeeded: round), 1, 2]))
            #expect(rename(temporary, mount.path("renamed")) == 0)
            let renamed = Self.infoHash(mount.path("renamed"))
            #expect(Self.isInfoHash(renamed), "round \(round): \(renamed)")
        }
        #expect(writeFile(mount.path("new"), [9, 9, 9]))
        #expect(readFile(mount.path(".zen/torrents/new.torrent")) != nil)
    }

    /// Threads read the attribute without pause while the file is rewritten and closed again and again: from
    /// the first close on, every read gives an info-hash (the old version's or the new one's).
    @Test func neverMissingWhileCommitsRun() throws {
        let mount = try TestMount()
        let path = mount.path("hammered")
        #expect(writeFile(path, [0]))
        #expect(Self.isInfoHash(Self.infoHash(path)))
        let stop = Atomic<Bool>(false)
        let failures = Mutex<[String]>([])
        let reads = Atomic<Int>(0)
        let finished = DispatchSemaphore(value: 0)
        let readers = 3
        for _ in 0..<readers {
            Thread {
                while !stop.load(ordering: .relaxed) {
                    let read = Self.infoHash(path)
                    if !Self.isInfoHash(read) { failures.withLock { $0.append(read) } }
                    reads.add(1, ordering: .relaxed)
                }
                finished.signal()
            }.start()
        }
        // At least 200 rewrites, and on until the readers have read many times meanwhile.
        var round = 0
        while round < 200 || (reads.load(ordering: .relaxed) < 2000 && round < 20_000) {
            let size = 1 + (round * 7919) % 300_000
            #expect(writeFile(path, Array(repeating: UInt8(truncatingIfNeeded: round), count: size)))
            round += 1
        }
        stop.store(true, ordering: .relaxed)
        for _ in 0..<readers { finished.wait() }
        #expect(reads.load(ordering: .relaxed) >= 2000)
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0.prefix(5) })")
    }
}
