import Glibc

/// What the files of a `PieceSource` looked like before they were read (identity, size, change time), so that an
/// ingest can tell afterwards whether another process wrote to one meanwhile: the pieces would then describe
/// no single state of the file, and are not kept.
struct SourceSnapshot {
    private struct FileState: Equatable {
        let device: UInt64
        let inode: UInt64
        let size: Int64
        let modified: timespec
        let changed: timespec

        static func == (left: FileState, right: FileState) -> Bool {
            left.device == right.device && left.inode == right.inode && left.size == right.size
                && left.modified.tv_sec == right.modified.tv_sec && left.modified.tv_nsec == right.modified.tv_nsec
                && left.changed.tv_sec == right.changed.tv_sec && left.changed.tv_nsec == right.changed.tv_nsec
        }
    }

    private let files: [(path: String, state: FileState?)]

    init(of source: PieceSource) {
        var files: [(String, FileState?)] = []
        for case .file(let path, _) in source.segments { files.append((path, Self.state(of: path))) }
        self.files = files
    }

    /// The first file that is not as it was when the snapshot was taken, or nil.
    func firstChangedFile() -> String? {
        files.first { Self.state(of: $0.path) != $0.state }?.path
    }

    private static func state(of path: String) -> FileState? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileState(
            device: UInt64(info.st_dev),
            inode: UInt64(info.st_ino),
            size: Int64(info.st_size),
            modified: info.st_mtim,
            changed: info.st_ctim
        )
    }
}
