import Glibc
import ZenFS

/// Walks a local file or folder the user adds: regular files in byte order of their names, so the same folder
/// always gives the same metainfo. Symbolic links and special files are skipped and reported, and so are folders
/// that hold no regular file (a torrent lists files only, so it cannot keep them).
struct SourceScanner {
    /// What the walk found.
    struct Scan {
        /// The name the content gets: the last component of the path.
        let name: String
        let isFolder: Bool
        /// Files with their paths below the folder (for a single file: just its name).
        let files: [(source: MetainfoLayout.Source, localPath: String)]
        let skipped: [String]
        /// Folders below the root with no regular file anywhere inside (the outermost of nested ones).
        let emptyFolders: [String]

        var totalLength: Int64 { files.reduce(0) { $0 + $1.source.length } }
    }

    func scan(_ path: String) throws -> Scan {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw IngestError.sourceNotFound(path: path) }
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        let name = String(trimmed.split(separator: "/").last ?? Substring(trimmed))
        do { try PathRules.check(name, field: "name") } catch { throw IngestError.unsupportedFileType(path: path) }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            let source = MetainfoLayout.Source(path: [name], length: Int64(info.st_size))
            return Scan(name: name, isFolder: false, files: [(source, path)], skipped: [], emptyFolders: [])
        case S_IFDIR:
            var files: [(MetainfoLayout.Source, String)] = []
            var skipped: [String] = []
            var emptyFolders: [String] = []
            try walk(trimmed, relative: [], files: &files, skipped: &skipped, emptyFolders: &emptyFolders)
            guard !files.isEmpty else { throw IngestError.emptyFolder(path: path) }
            return Scan(name: name, isFolder: true, files: files, skipped: skipped, emptyFolders: emptyFolders)
        default:
            throw IngestError.unsupportedFileType(path: path)
        }
    }

    private func walk(
        _ directory: String,
        relative: [String],
        files: inout [(MetainfoLayout.Source, String)],
        skipped: inout [String],
        emptyFolders: inout [String]
    ) throws {
        for name in try names(in: directory) {
            let full = directory + "/" + name
            var info = stat()
            guard lstat(full, &info) == 0 else { throw IngestError.sourceNotFound(path: full) }
            switch info.st_mode & S_IFMT {
            case S_IFREG:
                files.append((MetainfoLayout.Source(path: relative + [name], length: Int64(info.st_size)), full))
            case S_IFDIR:
                let before = files.count
                try walk(
                    full,
                    relative: relative + [name],
                    files: &files,
                    skipped: &skipped,
                    emptyFolders: &emptyFolders
                )
                if files.count == before {
                    emptyFolders.removeAll { $0.hasPrefix(full + "/") }
                    emptyFolders.append(full)
                }
            default: skipped.append(full)
            }
        }
    }

    /// The entries of a directory sorted by their bytes; a name that is not UTF-8 is an error.
    private func names(in directory: String) throws -> [String] {
        guard let handle = opendir(directory) else { throw Posix.failure("open directory", directory) }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = try withUnsafeBytes(of: entry.pointee.d_name) { raw in
                let cString = raw.baseAddress!.assumingMemoryBound(to: CChar.self)
                guard let name = String(validatingCString: cString) else {
                    throw IngestError.unreadableName(path: directory + "/" + String(cString: cString))
                }
                return name
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }
}
