import Foundation
import Glibc
import TestSupport
import Testing
import ZenFS

@testable import Node

/// Elements keep what the data is: a part's trailing zeros are left as a hole in its file, which still reads
/// as the whole part under the part's own SHA1.
struct CompactElementTests {
    /// The bytes the filesystem allocated for the file at `path`.
    static func allocated(_ path: String) -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0 else { return -1 }
        return Int64(info.st_blocks) * 512
    }

    /// The length of the file at `path`.
    static func length(_ path: String) -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0 else { return -1 }
        return Int64(info.st_size)
    }

    /// What is written of a part: up to its last non-zero byte, in whole 4 KiB blocks, the rest left out.
    @Test(arguments: [
        (0, 262_144, 0),  // all zeros
        (100, 262_144, 4096),  // a small file in a whole part
        (4096, 262_144, 4096),
        (4097, 262_144, 8192),
        (262_144, 262_144, 262_144),  // the last byte is data
        (10_000, 12_000, 12_000),  // fewer zeros than a block: written whole
        (5, 5, 5),
    ])
    func keptLength(data: Int, length: Int, kept: Int) {
        var bytes = [UInt8](repeating: 0, count: length)
        for index in 0..<data { bytes[index] = UInt8(index % 251 + 1) }
        #expect(bytes.withUnsafeBytes { ElementStore.keptLength($0) } == kept)
    }

    /// A part of 100 bytes and zeros, an all-zero part and a part of random bytes, each staged (directly and
    /// through the cache) and committed: each file has the part's length and reads back whole under its hash,
    /// while the first takes one block of the disk, the second none and the third all of it.
    @Test(arguments: [false, true])
    func zeroTailsTakeNoSpace(direct: Bool) throws {
        let directory = TemporaryDirectory()
        let store = try ElementStore(directory: directory.path + "/elements")
        let length = 262_144
        var small = [UInt8](repeating: 0, count: length)
        for index in 0..<100 { small[index] = UInt8(index + 1) }
        let zeros = [UInt8](repeating: 0, count: length)
        let random = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) | 1 }
        for (bytes, most) in [(small, Int64(4096)), (zeros, Int64(0)), (random, Int64(length))] {
            let hash = SHA1Digest.of(bytes)
            // Direct writes need page-aligned memory.
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: length, alignment: 4096)
            defer { buffer.deallocate() }
            buffer.copyBytes(from: bytes)
            let staged = try #require(try store.stage(UnsafeRawBufferPointer(buffer), as: hash, bypassingCache: direct))
            #expect(staged.size == Int64(length))
            #expect(staged.storedBytes == min(most, Int64(length)))
            try store.commit([staged])
            #expect(Self.length(store.path(of: hash)) == Int64(length))
            #expect(try store.read(hash, verify: true) == bytes)
            if most < length {
                #expect(Self.allocated(store.path(of: hash)) <= most + 4096, "\(most)")
            }
        }
    }

    /// A folder of 1,000 files of 1–100 bytes (each padded to a whole part): the parts take about one block
    /// each instead of a whole part, `add` reports the bytes it wrote, and `get`, `verify` and the web seed give
    /// every byte back.
    @Test func smallFilesTakeBlocksNotParts() throws {
        let directory = TemporaryDirectory()
        let service = try directory.service()
        var generator = SystemRandomNumberGenerator()
        var expected: [String: Data] = [:]
        var dataBytes: Int64 = 0
        for index in 0..<1000 {
            let bytes = (0..<Int.random(in: 1...100, using: &generator)).map { _ in
                UInt8.random(in: 1...255, using: &generator)
            }
            let name = String(format: "f%04d", index)
            expected[name] = Data(bytes)
            dataBytes += Int64(bytes.count)
        }
        try FileManager.default.createDirectory(atPath: directory.path + "/small", withIntermediateDirectories: true)
        for (name, data) in expected {
            #expect(FileManager.default.createFile(atPath: directory.path + "/small/" + name, contents: data))
        }
        let added = try service.add(directory.path + "/small")
        #expect(added.pieceCount == 1000)
        #expect(added.storedBytes <= 1000 * 4096)
        let allocated = service.data.store.allElements().reduce(Int64(0)) {
            $0 + Self.allocated(service.data.store.path(of: $1))
        }
        // One block per part, the metainfo element (the list of 1,000 piece hashes) and a little slack.
        #expect(allocated <= 1000 * 4096 + 256 << 10, "\(allocated) bytes for \(dataBytes) bytes of data")

        let got = try service.get(added.infoHash.hex, to: directory.path + "/out")
        #expect(tree(got.path) == expected)
        #expect(try service.verify().isHealthy)
        let seed = WebSeed(data: service.data) { _ in false }
        guard case .stream(_, _, let body) = seed.answer(path: "\(added.infoHash.hex)/small/f0500", range: nil) else {
            Issue.record("not streamed")
            return
        }
        #expect(body.readAll().map { Data($0) } == expected["f0500"])
    }
}
