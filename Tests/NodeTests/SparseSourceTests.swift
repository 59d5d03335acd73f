import Foundation
import Glibc
import TestSupport
import Testing
import ZenFS

@testable import Node

/// `zenfs add` of a sparse file skips its holes (`SEEK_DATA`/`SEEK_HOLE`): a part that lies wholly in a hole is
/// the zero part of its length, hashed once, and stored once. The metainfo is exactly the one reading every byte
/// gives.
struct SparseSourceTests {
    /// Makes a sparse file of `length` bytes with `writes` (offset, bytes) and nothing else.
    static func sparseFile(_ path: String, length: Int64, writes: [(Int64, [UInt8])]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(fd >= 0)
        defer { close(fd) }
        try #require(ftruncate(fd, off_t(length)) == 0)
        for (offset, bytes) in writes {
            try #require(bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) } == bytes.count)
        }
    }

    /// The piece hashes of the file at `path`, every byte read.
    static func pieces(of path: String, pieceLength: Int) throws -> [SHA1Digest] {
        let fd = open(path, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        var hashes: [SHA1Digest] = []
        var buffer = [UInt8](repeating: 0, count: pieceLength)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, pieceLength) }
            try #require(count >= 0)
            if count == 0 { return hashes }
            hashes.append(SHA1Digest.of(buffer[0..<count]))
        }
    }

    /// A 48 MiB file with data at its start, inside, across a part boundary and in its last, short part: the
    /// add's parts equal those of reading every byte, the holes share one stored element, and the content reads
    /// back exactly.
    @Test func holesHashAsZeroParts() throws {
        let directory = TemporaryDirectory()
        let service = try directory.service()
        let path = directory.path + "/sparse.bin"
        let pieceLength = 256 << 10
        let length = Int64(48 << 20) + 1000
        try Self.sparseFile(
            path,
            length: length,
            writes: [
                (0, [1, 2, 3]),
                (Int64(10 << 20) + 77, [UInt8](repeating: 9, count: 5000)),
                (Int64(20 * pieceLength) - 2, [4, 5, 6, 7]),
                (length - 1, [8]),
            ]
        )
        var options = AddOptions()
        options.pieceLength = pieceLength
        let added = try service.add(path, options: options)
        let metainfo = try #require(try service.data.storedMetainfo(added.infoHash))
        let expected = try Self.pieces(of: path, pieceLength: pieceLength)
        #expect(metainfo.info.pieces == expected)
        let zero = SHA1Digest.of([UInt8](repeating: 0, count: pieceLength))
        #expect(metainfo.info.pieces.filter { $0 == zero }.count == expected.count - 5)
        for piece in Set(metainfo.info.pieces) { #expect(service.data.store.contains(piece)) }
        // Piece rows and reference counts (one per use, though counted once per distinct part) agree.
        #expect(try service.data.catalog.integrityProblems() == [])
        let out = directory.path + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        _ = try service.get(added.path, to: out)
        #expect(FileManager.default.contentsEqual(atPath: out + "/sparse.bin", andPath: path))
    }

    /// A file of 1 TiB with one byte written in its middle is added from its holes: 65,536 parts of 16 MiB,
    /// all but one the zero part (reading every byte would take many minutes here).
    @Test func aTebibyteOfHolesIsAddedWithoutReadingIt() throws {
        let directory = TemporaryDirectory()
        let service = try directory.service()
        let path = directory.path + "/huge.bin"
        let length = Int64(1) << 40
        try Self.sparseFile(path, length: length, writes: [(length / 2 + 12345, [42])])
        let started = ContinuousClock.now
        let added = try service.add(path)
        let metainfo = try #require(try service.data.storedMetainfo(added.infoHash))
        let pieceLength = metainfo.info.pieceLength
        #expect(metainfo.info.totalLength == length)
        let zero = SHA1Digest.of([UInt8](repeating: 0, count: pieceLength))
        let dataPiece = Int((length / 2 + 12345) / Int64(pieceLength))
        var withByte = [UInt8](repeating: 0, count: pieceLength)
        withByte[Int((length / 2 + 12345) % Int64(pieceLength))] = 42
        let withByteHash = SHA1Digest.of(withByte)
        let wrong = metainfo.info.pieces.indices.filter {
            metainfo.info.pieces[$0] != ($0 == dataPiece ? withByteHash : zero)
        }
        #expect(wrong.isEmpty, "parts with the wrong hash: \(wrong.prefix(5))")
        // Two elements of parts (the zero part and the one with the byte) and the metainfo's.
        #expect(try service.data.catalog.storedBytes() < 8 << 20)
        #expect(try service.data.catalog.integrityProblems() == [])
        print("a sparse TiB added in \(ContinuousClock.now - started)")
    }
}
