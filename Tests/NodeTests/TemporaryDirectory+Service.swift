import Glibc
import Node
import TestSupport

extension TemporaryDirectory {
    /// A fresh filesystem service over `name` inside this directory.
    func service(_ name: String = "data") throws -> FileSystemService {
        FileSystemService(data: try DataDirectory(path: path + "/" + name))
    }
}

extension MountedFileSystem {
    /// The mount's filesystem service over a fresh data directory `data` inside `directory` (no kernel involved),
    /// with `quota` set first when given.
    static func fresh(in directory: TemporaryDirectory, quota: Int64? = nil) throws -> MountedFileSystem {
        let data = try DataDirectory(path: directory.path + "/data", syncEveryTransaction: false)
        if let quota { try data.setQuota(quota) }
        return try MountedFileSystem(data: data)
    }

    /// Creates `name` in the root folder, open for reading and writing; returns its handle.
    func createInRoot(_ name: String) throws -> UInt64 {
        try create(name, in: NamespaceEntry.rootID, mode: 0o644, flags: O_RDWR, uid: 0, gid: 0).1
    }
}
