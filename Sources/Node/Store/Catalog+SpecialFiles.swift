import GRDB

extension Catalog {
    /// A FIFO, device node or socket found below a folder.
    public struct SpecialFile: Equatable, Sendable, Encodable {
        /// The path below the folder, starting with `/`.
        public let path: String
        public let kind: String
    }

    /// The special files (FIFOs, device nodes, sockets) anywhere below directory `id`, by path. They have no
    /// content, so no metainfo of the folder holds them: `zenfs show` lists them as left out.
    public func specialFiles(below id: Int64) throws -> [SpecialFile] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    WITH RECURSIVE tree(id, path, kind) AS (
                        SELECT id, '', kind FROM inode WHERE id = ?
                        UNION ALL
                        SELECT i.id, tree.path || '/' || d.name, i.kind
                        FROM tree JOIN dirent d ON d.parent = tree.id JOIN inode i ON i.id = d.inode
                        WHERE tree.kind = ?
                    )
                    SELECT path, kind FROM tree WHERE kind >= ? ORDER BY path
                    """,
                arguments: [id, NamespaceEntry.Kind.directory.rawValue, NamespaceEntry.Kind.fifo.rawValue]
            ).map { row in
                let kind = NamespaceEntry.Kind(rawValue: row["kind"]) ?? .fifo
                return SpecialFile(path: row["path"], kind: kind.name)
            }
        }
    }
}

extension NamespaceEntry.Kind {
    /// The kind as `zenfs ls` and `zenfs show` name it.
    public var name: String {
        switch self {
        case .directory: "directory"
        case .file: "file"
        case .symbolicLink: "symlink"
        case .fifo: "fifo"
        case .characterDevice: "character device"
        case .blockDevice: "block device"
        case .socket: "socket"
        }
    }
}
