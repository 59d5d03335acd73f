import Foundation
import ZenFS

/// Serving the read-only `/.zen` tree.
extension MountedFileSystem {
    /// Whether an inode belongs to the read-only `/.zen` tree.
    public func isVirtual(_ inode: Int64) -> Bool { VirtualTree.isVirtual(inode) }

    /// The attributes of a virtual inode.
    func virtualAttributes(_ inode: Int64) throws -> FileAttributes {
        let node = try virtualTree.node(inode)
        switch node {
        case .zenRoot, .torrentsDirectory, .byInfoHashRoot:
            return .virtual(inode: inode, kind: .directory, size: 0)
        case .torrentFile:
            return .virtual(inode: inode, kind: .file, size: Int64(try virtualBytes(node).count))
        case .content(let infoHash, let path):
            let metainfo = try cachedMetainfo(infoHash)
            if let file = Self.file(at: path, in: metainfo) {
                return .virtual(inode: inode, kind: .file, size: file.length)
            }
            return .virtual(inode: inode, kind: .directory, size: 0)
        }
    }

    /// Looks `name` up in a virtual directory (or `.zen` in the root).
    func virtualLookup(_ name: String, in parent: Int64) throws -> FileAttributes {
        let child: VirtualTree.Node
        if parent == NamespaceEntry.rootID {
            child = .zenRoot
        } else {
            switch try virtualTree.node(parent) {
            case .zenRoot:
                switch name {
                case "torrents": child = .torrentsDirectory(namespaceDirectory: NamespaceEntry.rootID)
                case "by-infohash": child = .byInfoHashRoot
                default: throw PosixError.notFound
                }
            case .torrentsDirectory(let directory):
                if name.hasSuffix(".torrent"),
                    let entry = try data.catalog.lookup(String(name.dropLast(8)), in: directory),
                    let metainfo = try wholeMetainfo(of: entry, recordingPending: true)
                {
                    child = .torrentFile(metainfo.infoHash)
                } else if let entry = try data.catalog.lookup(name, in: directory), entry.kind == .directory {
                    child = .torrentsDirectory(namespaceDirectory: entry.id)
                } else {
                    throw PosixError.notFound
                }
            case .byInfoHashRoot:
                guard let hash = SHA1Digest(hex: name) else { throw PosixError.notFound }
                do {
                    _ = try cachedMetainfo(hash)
                } catch {
                    // Content the quota cannot hold is refused as such (EDQUOT), not reported as absent.
                    if case StoreError.quotaExceeded = error { throw error }
                    throw PosixError.notFound
                }
                child = .content(hash, path: [])
            case .content(let hash, let path):
                let metainfo = try cachedMetainfo(hash)
                let childPath = path + [name]
                let exists =
                    path.isEmpty
                    ? name == metainfo.info.name
                    : metainfo.info.dataFiles.contains {
                        Array(Self.contentPath($0, in: metainfo).prefix(childPath.count)) == childPath
                    }
                guard exists else { throw PosixError.notFound }
                child = .content(hash, path: childPath)
            case .torrentFile:
                throw PosixError.notADirectory
            }
        }
        // The kernel holds the entry it receives until it forgets it.
        let inode = virtualTree.inode(for: child, holding: 1)
        do { return try virtualAttributes(inode) } catch {
            virtualTree.drop(inode)
            throw error
        }
    }

    func virtualReaddir(_ inode: Int64) throws -> [DirectoryItem] {
        let node = try virtualTree.node(inode)
        var items: [(String, VirtualTree.Node)] = []
        switch node {
        case .zenRoot:
            items = [
                ("torrents", .torrentsDirectory(namespaceDirectory: NamespaceEntry.rootID)),
                ("by-infohash", .byInfoHashRoot),
            ]
        case .torrentsDirectory(let directory):
            for entry in try data.catalog.children(of: directory) {
                if entry.kind == .directory {
                    items.append((entry.name, .torrentsDirectory(namespaceDirectory: entry.id)))
                }
                if let metainfo = try wholeMetainfo(of: entry) {
                    items.append((entry.name + ".torrent", .torrentFile(metainfo.infoHash)))
                }
            }
        case .byInfoHashRoot:
            items = try data.catalog.allMetainfos().map { ($0.infoHash.hex, .content($0.infoHash, path: [])) }
        case .content(let hash, let path):
            let metainfo = try cachedMetainfo(hash)
            if path.isEmpty {
                items = [(metainfo.info.name, .content(hash, path: [metainfo.info.name]))]
            } else {
                var seen = Set<String>()
                for file in metainfo.info.dataFiles {
                    let full = Self.contentPath(file, in: metainfo)
                    guard full.count > path.count, Array(full.prefix(path.count)) == path,
                        seen.insert(full[path.count]).inserted
                    else { continue }
                    items.append((full[path.count], .content(hash, path: Array(full.prefix(path.count + 1)))))
                }
            }
        case .torrentFile:
            throw PosixError.notADirectory
        }
        return [DirectoryItem(name: ".", inode: UInt64(bitPattern: inode), kind: .directory)]
            + (try items.map { name, child in
                // Held by the listing until it is replaced or closed.
                let childInode = virtualTree.inode(for: child, holding: 1)
                let attributes = try virtualAttributes(childInode)
                return DirectoryItem(
                    name: name,
                    inode: UInt64(bitPattern: childInode),
                    kind: attributes.kind,
                    attributes: attributes
                )
            })
    }

    /// Opens a virtual file: a `.torrent` is generated once; content is read part by part.
    func virtualOpen(_ inode: Int64, flags: Int32) throws -> LiveFile {
        if flags & O_ACCMODE != O_RDONLY { throw PosixError.readOnly }
        let node = try virtualTree.node(inode)
        switch node {
        case .torrentFile:
            let image = FileImage(base: nil, reader: reader)
            let bytes = try virtualBytes(node)
            try bytes.withUnsafeBytes { try image.write($0, at: 0) }
            return LiveFile(image: image)
        case .content(let hash, let path):
            let metainfo = try cachedMetainfo(hash)
            guard let file = Self.file(at: path, in: metainfo) else { throw PosixError.isADirectory }
            let base = FileImage.Base(
                metainfo: metainfo,
                offset: file.offset,
                size: file.length
            )
            return LiveFile(image: FileImage(base: base, reader: reader))
        default:
            throw PosixError.isADirectory
        }
    }

    /// The metainfo a namespace entry holds whole (a file at offset 0 of a single-file metainfo, or an added folder).
    /// With `recordingPending`, a closed file whose first version is still pending is recorded first.
    private func wholeMetainfo(of entry: NamespaceEntry, recordingPending: Bool = false) throws -> Metainfo? {
        let pending = recordingPending && entry.kind == .file && entry.infoHash == nil
        guard let hash = pending ? try recordedInfoHash(entry.id) : entry.infoHash else { return nil }
        let metainfo = try cachedMetainfo(hash)
        switch entry.kind {
        case .directory: return metainfo.info.isMultiFile ? metainfo : nil
        case .file: return !metainfo.info.isMultiFile && (entry.contentOffset ?? 0) == 0 ? metainfo : nil
        case .symbolicLink, .fifo, .characterDevice, .blockDevice, .socket: return nil
        }
    }

    private func virtualBytes(_ node: VirtualTree.Node) throws -> [UInt8] {
        guard case .torrentFile(let infoHash) = node else { throw PosixError.notFound }
        return try cachedMetainfo(infoHash).exported(trackerBase: trackerBase).encoded()
    }

    /// A data file's path as it appears under `by-infohash/<hex>/`: the name, then the path inside a folder.
    private static func contentPath(_ file: MetainfoFile, in metainfo: Metainfo) -> [String] {
        metainfo.info.isMultiFile ? [metainfo.info.name] + file.path : [metainfo.info.name]
    }

    private static func file(at path: [String], in metainfo: Metainfo) -> MetainfoFile? {
        metainfo.info.dataFiles.first { contentPath($0, in: metainfo) == path }
    }
}

extension FileAttributes {
    /// Attributes of a read-only virtual inode.
    static func virtual(inode: Int64, kind: NamespaceEntry.Kind, size: Int64) -> FileAttributes {
        FileAttributes(
            inode: UInt64(bitPattern: inode),
            kind: kind,
            permissions: kind == .directory ? 0o555 : 0o444,
            linkCount: kind == .directory ? 2 : 1,
            uid: 0,
            gid: 0,
            size: size,
            accessed: Timestamp(nanoseconds: 0),
            modified: Timestamp(nanoseconds: 0),
            changed: Timestamp(nanoseconds: 0)
        )
    }
}
