/// Namespace lookups and changes that cannot be done as asked.
public enum NamespaceError: Error, Equatable, Sendable, CustomStringConvertible {
    case notFound(path: String)
    case alreadyExists(path: String)
    case notADirectory(path: String)
    case invalidPath(path: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let path): "'\(path)' is not in ZenFS; 'zenfs ls' lists what is"
        case .alreadyExists(let path):
            "'\(path)' already exists in ZenFS; choose another place with --as, or remove it with 'zenfs rm'"
        case .notADirectory(let path): "'\(path)' is not a directory"
        case .invalidPath(let path, let reason): "'\(path)' is not a valid ZenFS path: \(reason)"
        }
    }
}
