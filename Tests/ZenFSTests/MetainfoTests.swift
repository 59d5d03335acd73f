import Testing
import ZenFS

struct MetainfoTests {
    static let pieceLength = 16 << 10

    static func hashes(_ count: Int) -> [SHA1Digest] {
        (0..<count).map { SHA1Digest.of([UInt8(truncatingIfNeeded: $0)]) }
    }

    static func info(_ entries: [String: BencodeValue]) -> BencodeValue {
        var all: [String: BencodeValue] = [
            "name": .text("content"), "piece length": .integer(Int64(pieceLength)),
            "pieces": .string(hashes(1).flatMap(\.bytes)), "length": .integer(100),
        ]
        for (key, value) in entries { all[key] = value }
        return .dictionary(all)
    }

    static func torrent(_ info: BencodeValue) -> [UInt8] {
        BencodeEncoder.encode(.dictionary(["announce": .text("http://tracker/announce"), "info": info]))
    }

    /// A single-file metainfo parses; its info-hash is the SHA1 of the info bytes.
    @Test func parsesSingleFile() throws {
        let info = Self.info([:])
        let metainfo = try Metainfo(parsing: Self.torrent(info))
        #expect(metainfo.infoHash == SHA1Digest.of(BencodeEncoder.encode(info)))
        #expect(metainfo.info.files == [MetainfoFile(path: ["content"], length: 100, offset: 0)])
        #expect(metainfo.announce == "http://tracker/announce")
        #expect(!metainfo.info.isMultiFile)
    }

    /// A folder ZenFS lays out gets pad files so each file starts on a piece boundary, and no pad at the end.
    @Test func padFilesAlignEveryFile() throws {
        let sources = [
            MetainfoLayout.Source(path: ["a"], length: 100), .init(path: ["b", "c"], length: Int64(Self.pieceLength)),
            .init(path: ["d"], length: 7),
        ]
        let files = MetainfoLayout.aligned(sources, pieceLength: Self.pieceLength)
        #expect(files.map(\.isPad) == [false, true, false, false])
        for file in files where !file.isPad { #expect(file.offset % Int64(Self.pieceLength) == 0) }
        let total = files.last!.offset + files.last!.length
        let info = try MetainfoInfo(
            name: "folder",
            pieceLength: Self.pieceLength,
            pieces: Self.hashes(Int(PieceLength.pieceCount(totalLength: total, pieceLength: Self.pieceLength))),
            files: files,
            isMultiFile: true
        )
        let reparsed = try Metainfo(parsing: Metainfo(info: info).encoded())
        #expect(reparsed.info.files == files)
        #expect(reparsed.info.dataFiles.map(\.joinedPath) == ["a", "b/c", "d"])
    }

    /// Tags and fields live outside `info`: they never change the info-hash.
    @Test func fieldsAndTagsKeepTheInfoHash() throws {
        let info = try MetainfoInfo(value: Self.info([:]))
        let plain = Metainfo(info: info)
        let tagged = Metainfo(info: info, fields: ["artist": "someone"], tags: ["music", "live"])
        #expect(plain.infoHash == tagged.infoHash)
        let reparsed = try Metainfo(parsing: tagged.encoded())
        #expect(reparsed.tags == ["music", "live"])
        #expect(reparsed.fields == ["artist": "someone"])
        #expect(reparsed.infoHash == plain.infoHash)
    }

    /// Names that could escape the folder or are not text are refused, each with the field named.
    @Test(arguments: [
        (BencodeValue.string([0xff, 0xfe]), "not valid UTF-8"), (.text(".."), "leave the folder"),
        (.text(""), "empty"), (.text("/etc"), "contains '/'"), (.text("a\u{0}b"), "NUL"),
    ])
    func rejectsBadNames(_ name: BencodeValue, _ reason: String) {
        do {
            _ = try Metainfo(parsing: Self.torrent(Self.info(["name": name])))
            Issue.record("accepted a bad name")
        } catch {
            #expect("\(error)".contains(reason))
        }
    }

    /// Bad path components inside `files` are refused as well.
    @Test(arguments: [["..", "x"], ["a", ""], ["a/b"]])
    func rejectsBadPaths(_ path: [String]) {
        let files = BencodeValue.list([.dictionary(["length": .integer(100), "path": .list(path.map { .text($0) })])])
        #expect(throws: MetainfoError.self) {
            try Metainfo(parsing: Self.torrent(Self.info(["files": files, "length": nil].compactMapValues { $0 })))
        }
    }

    /// Structural problems each give their own error.
    @Test func rejectsStructuralProblems() {
        #expect(throws: MetainfoError.invalidPieceLength(20000)) {
            try Metainfo(parsing: Self.torrent(Self.info(["piece length": .integer(20000)])))
        }
        #expect(throws: MetainfoError.invalidPieceLength(8192)) {
            try Metainfo(parsing: Self.torrent(Self.info(["piece length": .integer(8192)])))
        }
        #expect(throws: MetainfoError.invalidPieces(byteCount: 19)) {
            try Metainfo(parsing: Self.torrent(Self.info(["pieces": .string([UInt8](repeating: 0, count: 19))])))
        }
        #expect(throws: MetainfoError.pieceCountMismatch(expected: 2, actual: 1)) {
            try Metainfo(parsing: Self.torrent(Self.info(["length": .integer(Int64(Self.pieceLength) + 1)])))
        }
        #expect(throws: MetainfoError.invalidLength(field: "length", value: -1)) {
            try Metainfo(parsing: Self.torrent(Self.info(["length": .integer(-1)])))
        }
        #expect(throws: MetainfoError.missingField("info")) {
            try Metainfo(parsing: BencodeEncoder.encode(.dictionary(["announce": .text("x")])))
        }
        #expect(throws: MetainfoError.unsupportedVersion("the info dictionary is BitTorrent v2 or hybrid")) {
            try Metainfo(parsing: Self.torrent(Self.info(["meta version": .integer(2)])))
        }
        #expect(throws: MetainfoError.self) { try Metainfo(parsing: Array("d4:infoi1ee".utf8)) }
        #expect(throws: MetainfoError.self) { try Metainfo(parsing: Array("d4:info".utf8)) }
    }

    /// Two files with the same path, or a file that is also a folder, are refused.
    @Test func rejectsConflictingPaths() {
        let files = BencodeValue.list([
            .dictionary(["length": .integer(50), "path": .list([.text("a")])]),
            .dictionary(["length": .integer(50), "path": .list([.text("a"), .text("b")])]),
        ])
        var entries = ["files": files]
        entries["length"] = nil
        var info = Self.info(entries).dictionaryValue!
        info[Array("length".utf8)] = nil
        #expect(throws: MetainfoError.conflictingPaths("a/b")) {
            try Metainfo(parsing: Self.torrent(.dictionary(info)))
        }
    }

    /// Unknown keys in `info` (like `private`) survive re-encoding, so the info-hash is kept.
    @Test func keepsUnknownInfoKeys() throws {
        let original = Self.torrent(Self.info(["private": .integer(0), "source": .text("elsewhere")]))
        let metainfo = try Metainfo(parsing: original)
        #expect(try Metainfo(parsing: metainfo.encoded()).infoHash == metainfo.infoHash)
    }

    /// The magnet link names the info-hash, the name and each tracker, percent-encoded.
    @Test func magnetLink() throws {
        let metainfo = try Metainfo(parsing: Self.torrent(Self.info(["name": .text("a b&c")])))
        #expect(
            metainfo.magnetLink(trackers: ["http://127.0.0.1:6969/announce"])
                == "magnet:?xt=urn:btih:\(metainfo.infoHash.hex)&dn=a%20b%26c&tr=http%3A%2F%2F127.0.0.1%3A6969%2Fannounce"
        )
    }

    /// 256 KiB for ordinary sizes; larger only when the piece list would grow past 65,536 pieces.
    @Test func pieceLengthChoice() {
        #expect(PieceLength.recommended(forTotalLength: 0) == 256 << 10)
        #expect(PieceLength.recommended(forTotalLength: 1 << 30) == 256 << 10)
        #expect(PieceLength.recommended(forTotalLength: 16 << 30) == 256 << 10)
        #expect(PieceLength.recommended(forTotalLength: (16 << 30) + 1) == 512 << 10)
        #expect(PieceLength.recommended(forTotalLength: 1 << 50) == 16 << 20)
    }
}
