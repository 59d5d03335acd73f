import Glibc

/// Why a filesystem call fails, in the terms POSIX programs expect; `ErrnoMap` turns each into its errno.
public enum PosixError: Error, Equatable, Sendable, CustomStringConvertible {
    case notFound
    case exists
    case notADirectory
    case isADirectory
    case notEmpty
    case invalidArgument
    case nameTooLong
    case illegalName
    case noSuchAttribute
    case attributeBufferTooSmall(needed: Int)
    case notSupported
    case badHandle
    case permissionDenied
    case readOnly
    case tooManyLinks
    /// Opening a socket (`ENXIO`).
    case noSuchDeviceOrAddress
    /// A size or offset past the largest file the mount holds (`EFBIG`).
    case fileTooLarge

    /// The errno value a FUSE reply carries.
    public var errno: Int32 {
        switch self {
        case .notFound: ENOENT
        case .exists: EEXIST
        case .notADirectory: ENOTDIR
        case .isADirectory: EISDIR
        case .notEmpty: ENOTEMPTY
        case .invalidArgument: EINVAL
        case .nameTooLong: ENAMETOOLONG
        case .illegalName: EILSEQ
        case .noSuchAttribute: ENODATA
        case .attributeBufferTooSmall: ERANGE
        case .notSupported: EOPNOTSUPP
        case .badHandle: EBADF
        case .permissionDenied: EPERM
        case .readOnly: EROFS
        case .tooManyLinks: EMLINK
        case .noSuchDeviceOrAddress: ENXIO
        case .fileTooLarge: EFBIG
        }
    }

    public var description: String { String(cString: strerror(errno)) }
}
