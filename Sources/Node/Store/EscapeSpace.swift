import Glibc

/// A small file of real bytes (`space.reserve`) kept in the data directory so that ZenFS can still open its
/// catalog and record `rm` and `gc` after other programs have filled the disk: opening a catalog needs room
/// for SQLite's shared-memory file and every write needs room for its journal pages, and neither can be had on
/// a full disk. The file is deleted when the catalog reports the disk full (the caller then tries again), and
/// written again when a data directory is opened on a disk with room to spare.
struct EscapeSpace: Sendable {
    let path: String

    /// The file's size.
    static let size = 1 << 20

    init(directory: String) { path = directory + "/space.reserve" }

    /// Deletes the file; true when it was there (there is now room to try again).
    func release() -> Bool {
        unlink(path) == 0
    }

    /// Writes the file when it is missing and the disk has `size` bytes beyond `reserve` to spare. A failed
    /// write leaves no partial file.
    func replenish(free: Int64, reserve: Int64) {
        guard access(path, F_OK) != 0, free > reserve + Int64(Self.size) else { return }
        let temporary = path + ".new"
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let zeros = [UInt8](repeating: 0, count: Self.size)
        let written = zeros.withUnsafeBytes { buffer in
            (try? Posix.writeAll(fd, buffer, at: 0, path: temporary)) != nil
        }
        close(fd)
        if !written || Glibc.rename(temporary, path) != 0 { unlink(temporary) }
    }
}
