import CFuse3
import Glibc
import Node

/// The one place where ZenFS errors become the errno values FUSE returns to the kernel. Anything unexpected
/// is reported to `log` and becomes `EIO`.
public enum ErrnoMap {
    public static func errno(for error: any Error, log: (String) -> Void = { _ in }) -> Int32 {
        switch error {
        case let error as PosixError:
            return error.errno
        case let error as NamespaceError:
            switch error {
            case .notFound: return ENOENT
            case .alreadyExists: return EEXIST
            case .notADirectory: return ENOTDIR
            case .invalidPath: return EINVAL
            }
        case let error as StoreError:
            switch error {
            case .diskFull: return ENOSPC
            case .quotaExceeded: return EDQUOT
            case .missingElement, .corruptElement: return EIO
            case .io(_, _, let code): return code
            case .mounted: return EBUSY
            case .catalog:
                log("catalog error: \(error)")
                return EIO
            }
        default:
            log("unexpected error: \(error)")
            return EIO
        }
    }

    /// The libfuse version the mount is linked against, as `major * 100 + minor` (3.14 → 314).
    public static var fuseVersion: Int { Int(fuse_version()) }
}
