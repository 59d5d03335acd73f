/// Why bytes are not a metainfo ZenFS accepts; the message names the field so a user can fix the file.
public enum MetainfoError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(BencodeError)
    case notADictionary(field: String)
    case missingField(String)
    case wrongType(field: String, expected: String)
    case invalidName(field: String, reason: String)
    case invalidPieceLength(Int64)
    case invalidPieces(byteCount: Int)
    case pieceCountMismatch(expected: Int64, actual: Int)
    case invalidLength(field: String, value: Int64)
    case emptyFileList
    case conflictingPaths(String)
    case unsupportedVersion(String)

    public var description: String {
        switch self {
        case .malformed(let error): "malformed metainfo: \(error)"
        case .notADictionary(let field): "metainfo: '\(field)' must be a dictionary"
        case .missingField(let field): "metainfo: required field '\(field)' is missing"
        case .wrongType(let field, let expected): "metainfo: '\(field)' must be \(expected)"
        case .invalidName(let field, let reason): "metainfo: '\(field)' is not an acceptable name: \(reason)"
        case .invalidPieceLength(let length):
            "metainfo: piece length \(length) is not a power of two between 16 KiB and 128 MiB"
        case .invalidPieces(let count): "metainfo: 'pieces' holds \(count) bytes, not a multiple of 20"
        case .pieceCountMismatch(let expected, let actual):
            "metainfo: the files need \(expected) pieces but 'pieces' lists \(actual)"
        case .invalidLength(let field, let value): "metainfo: '\(field)' has an invalid length \(value)"
        case .emptyFileList: "metainfo: 'files' is empty"
        case .conflictingPaths(let path): "metainfo: the path '\(path)' appears twice or is both a file and a folder"
        case .unsupportedVersion(let reason): "metainfo: \(reason); ZenFS reads BitTorrent v1 metainfo only"
        }
    }
}
