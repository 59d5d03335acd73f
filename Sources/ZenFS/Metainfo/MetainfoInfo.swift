/// The `info` dictionary of a v1 metainfo: name, piece length, piece hashes and files. Its SHA1 is the info-hash.
/// Keys ZenFS does not interpret (such as `private`) are kept in `value`, so re-encoding preserves the info-hash.
public struct MetainfoInfo: Equatable, Sendable {
    /// The torrent's name: the file name (single-file) or the root folder's name (multi-file).
    public let name: String
    public let pieceLength: Int
    public let pieces: [SHA1Digest]
    /// True when the info dictionary has a `files` list (even of one file).
    public let isMultiFile: Bool
    /// Every file, pad files included, with its offset in the torrent's byte stream.
    public let files: [MetainfoFile]
    /// The sum of all file lengths, pad files included.
    public let totalLength: Int64
    /// The info dictionary as a bencode value.
    public let value: BencodeValue

    /// Reads and checks an info dictionary.
    public init(value: BencodeValue) throws(MetainfoError) {
        guard case .dictionary = value else { throw .notADictionary(field: "info") }
        if value["meta version"] != nil || value["file tree"] != nil {
            throw .unsupportedVersion("the info dictionary is BitTorrent v2 or hybrid")
        }
        guard let nameBytes = try Self.required("name", in: value).bytesValue else {
            throw .wrongType(field: "name", expected: "a string")
        }
        name = try PathRules.component(nameBytes, field: "name")
        guard let pieceLength = try Self.required("piece length", in: value).integerValue else {
            throw .wrongType(field: "piece length", expected: "an integer")
        }
        guard PieceLength.isValid(pieceLength) else { throw .invalidPieceLength(pieceLength) }
        self.pieceLength = Int(pieceLength)
        guard let pieceBytes = try Self.required("pieces", in: value).bytesValue else {
            throw .wrongType(field: "pieces", expected: "a string")
        }
        guard pieceBytes.count % SHA1Digest.byteCount == 0 else { throw .invalidPieces(byteCount: pieceBytes.count) }
        pieces = stride(from: 0, to: pieceBytes.count, by: SHA1Digest.byteCount).map {
            SHA1Digest(bytes: pieceBytes[$0..<$0 + SHA1Digest.byteCount])!
        }

        if let filesValue = value["files"] {
            guard value["length"] == nil else {
                throw .wrongType(field: "length", expected: "absent when 'files' is present")
            }
            isMultiFile = true
            files = try Self.readFiles(filesValue)
        } else {
            guard let length = try Self.required("length", in: value).integerValue else {
                throw .wrongType(field: "length", expected: "an integer")
            }
            guard length >= 0 else { throw .invalidLength(field: "length", value: length) }
            isMultiFile = false
            files = [MetainfoFile(path: [name], length: length, offset: 0)]
        }
        totalLength = files.last.map { $0.offset + $0.length } ?? 0
        let expected = PieceLength.pieceCount(totalLength: totalLength, pieceLength: self.pieceLength)
        guard expected == Int64(pieces.count) else {
            throw .pieceCountMismatch(expected: expected, actual: pieces.count)
        }
        self.value = value
    }

    /// Builds the info dictionary of content ZenFS hashed itself. `files` come from `MetainfoLayout`.
    public init(name: String, pieceLength: Int, pieces: [SHA1Digest], files: [MetainfoFile], isMultiFile: Bool)
        throws(MetainfoError)
    {
        var entries: [String: BencodeValue] = [
            "name": .text(name),
            "piece length": .integer(Int64(pieceLength)),
            "pieces": .string(pieces.flatMap(\.bytes)),
        ]
        if isMultiFile {
            entries["files"] = .list(
                files.map { file in
                    var entry: [String: BencodeValue] = [
                        "length": .integer(file.length), "path": .list(file.path.map { .text($0) }),
                    ]
                    if file.isPad { entry["attr"] = .text("p") }
                    return .dictionary(entry)
                }
            )
        } else {
            entries["length"] = .integer(files.first?.length ?? 0)
        }
        try self.init(value: .dictionary(entries))
    }

    /// The files that hold data, without pad files.
    public var dataFiles: [MetainfoFile] { files.filter { !$0.isPad } }

    /// The size of piece `index`: the piece length, or less for the last piece.
    public func size(ofPiece index: Int) -> Int {
        let start = Int64(index) * Int64(pieceLength)
        return Int(min(Int64(pieceLength), totalLength - start))
    }

    private static func required(_ key: String, in value: BencodeValue) throws(MetainfoError) -> BencodeValue {
        guard let found = value[key] else { throw .missingField(key) }
        return found
    }

    private static func readFiles(_ filesValue: BencodeValue) throws(MetainfoError) -> [MetainfoFile] {
        guard let list = filesValue.listValue else { throw .wrongType(field: "files", expected: "a list") }
        guard !list.isEmpty else { throw .emptyFileList }
        var files: [MetainfoFile] = []
        var offset: Int64 = 0
        var filePaths = Set<[String]>()
        var folderPaths = Set<[String]>()
        for (index, entry) in list.enumerated() {
            let field = "files[\(index)]"
            guard case .dictionary = entry else { throw .notADictionary(field: field) }
            guard let length = entry["length"]?.integerValue else {
                throw .wrongType(field: "\(field).length", expected: "an integer")
            }
            guard length >= 0, length <= Int64.max - offset else {
                throw .invalidLength(field: "\(field).length", value: length)
            }
            guard let components = entry["path"]?.listValue, !components.isEmpty else {
                throw .wrongType(field: "\(field).path", expected: "a non-empty list of strings")
            }
            var path: [String] = []
            for component in components {
                guard let bytes = component.bytesValue else {
                    throw .wrongType(field: "\(field).path", expected: "a list of strings")
                }
                path.append(try PathRules.component(bytes, field: "\(field).path"))
            }
            let isPad = entry["attr"]?.bytesValue?.contains(UInt8(ascii: "p")) ?? false
            if !isPad {
                let folders = (1..<path.count).map { Array(path[0..<$0]) }
                if filePaths.contains(path) || folderPaths.contains(path) || folders.contains(where: filePaths.contains)
                {
                    throw .conflictingPaths(path.joined(separator: "/"))
                }
                filePaths.insert(path)
                folderPaths.formUnion(folders)
            }
            files.append(MetainfoFile(path: path, length: length, offset: offset, isPad: isPad))
            offset += length
        }
        return files
    }
}
