import Dispatch
import Foundation
import Glibc
import Synchronization
import ZenFS

/// What reading content back wrote.
public struct GetResult: Equatable, Sendable {
    /// The file or folder written.
    public let path: String
    public let fileCount: Int
    public let totalLength: Int64
}

extension FileSystemService {
    /// Reassembles content (an info-hash, a metainfo's name, or a namespace path) into `directory`, verifying
    /// every part against its hash. The result appears under its name only once complete.
    public func get(_ reference: String, to directory: String, progress: ((ProgressCounter) -> Void)? = nil) throws
        -> GetResult
    {
        guard let resolved = try resolve(reference) else { throw IngestError.unknownContent(reference: reference) }
        let plan = try plan(for: resolved)
        let destination = directory + "/" + plan.name
        if Posix.fileSize(destination) != nil || FileManager.default.fileExists(atPath: destination) {
            throw IngestError.destinationExists(path: destination)
        }
        try Posix.makeDirectories(directory)
        let staging = directory + "/.\(plan.name).zenfs-partial-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: staging) }
        let counter = ProgressCounter(total: plan.files.reduce(0) { $0 + $1.length })
        if let free = Self.freeBytes(at: directory), free < counter.total {
            throw IngestError.destinationFull(folder: directory, needed: counter.total, free: free)
        }
        progress?(counter)
        do {
            try write(plan, into: staging, progress: counter)
        } catch StoreError.diskFull {
            // Another program took the space meanwhile: the destination is full, not the data directory.
            try? FileManager.default.removeItem(atPath: staging)
            throw IngestError.destinationFull(
                folder: directory,
                needed: counter.total,
                free: Self.freeBytes(at: directory) ?? 0
            )
        }
        try Posix.rename(staging, destination)
        return GetResult(path: destination, fileCount: plan.files.count, totalLength: counter.total)
    }

    /// The bytes free on the filesystem holding `path` for an unprivileged writer.
    static func freeBytes(at path: String) -> Int64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    /// Files to write, each a byte range of a metainfo's stream.
    struct ReadPlan {
        struct File {
            /// Below the written root; empty for a single file written as the root itself.
            let relativePath: [String]
            let metainfo: Metainfo
            let offset: Int64
            let length: Int64
        }

        let name: String
        let isFolder: Bool
        var files: [File]
        /// Folders to create even when empty.
        var folders: [[String]]
    }

    private func plan(for reference: ContentReference) throws -> ReadPlan {
        switch reference {
        case .metainfo(let hash):
            let metainfo = try self.metainfo(hash)
            let info = metainfo.info
            let files = info.dataFiles.map {
                ReadPlan.File(
                    relativePath: info.isMultiFile ? $0.path : [],
                    metainfo: metainfo,
                    offset: $0.offset,
                    length: $0.length
                )
            }
            let folders = Set(
                info.dataFiles.flatMap { file in (1..<max(1, file.path.count)).map { Array(file.path[0..<$0]) } }
            )
            return ReadPlan(name: info.name, isFolder: info.isMultiFile, files: files, folders: Array(folders))
        case .entry(let entry, let path):
            var cache: [SHA1Digest: Metainfo] = [:]
            let name = path == "/" ? "zenfs-root" : entry.name
            var plan = ReadPlan(name: name, isFolder: entry.kind == .directory, files: [], folders: [])
            try collect(entry, relative: [], into: &plan, cache: &cache)
            return plan
        }
    }

    private func collect(
        _ entry: NamespaceEntry,
        relative: [String],
        into plan: inout ReadPlan,
        cache: inout [SHA1Digest: Metainfo]
    ) throws {
        switch entry.kind {
        case .directory:
            if !relative.isEmpty { plan.folders.append(relative) }
            for child in try catalog.children(of: entry.id) {
                try collect(child, relative: relative + [child.name], into: &plan, cache: &cache)
            }
        case .file:
            guard let hash = entry.infoHash else { return }
            if cache[hash] == nil { cache[hash] = try metainfo(hash) }
            plan.files.append(
                ReadPlan.File(
                    relativePath: relative,
                    metainfo: cache[hash]!,
                    offset: entry.contentOffset ?? 0,
                    length: entry.size
                )
            )
        // Links and special files have no bytes to get.
        case .symbolicLink, .fifo, .characterDevice, .blockDevice, .socket:
            break
        }
    }

    private func write(_ plan: ReadPlan, into staging: String, progress: ProgressCounter) throws {
        if plan.isFolder {
            try Posix.makeDirectory(staging)
            for folder in plan.folders.sorted(by: { $0.count < $1.count }) {
                try Posix.makeDirectories(staging + "/" + folder.joined(separator: "/"))
            }
        }
        for file in plan.files {
            let path = file.relativePath.isEmpty ? staging : staging + "/" + file.relativePath.joined(separator: "/")
            let fd = try Posix.open(path, O_WRONLY | O_CREAT | O_TRUNC)
            defer { close(fd) }
            if ftruncate(fd, off_t(file.length)) != 0 { throw Posix.failure("resize", path) }
            try copyParts(of: file, to: fd, path: path, progress: progress)
            if fsync(fd) != 0 { throw Posix.failure("sync", path) }
        }
    }

    /// Copies the pieces covering a file's range, in parallel, each verified before a byte of it is written.
    private func copyParts(of file: ReadPlan.File, to fd: Int32, path: String, progress: ProgressCounter) throws {
        guard file.length > 0 else { return }
        let info = file.metainfo.info
        let pieceLength = Int64(info.pieceLength)
        let first = Int(file.offset / pieceLength)
        let last = Int((file.offset + file.length - 1) / pieceLength)
        let next = Atomic<Int>(first)
        let failure = Mutex<(any Error)?>(nil)
        DispatchQueue.concurrentPerform(iterations: min(workers, last - first + 1)) { _ in
            while failure.withLock({ $0 == nil }) {
                let index = next.add(1, ordering: .relaxed).oldValue
                if index > last { return }
                do {
                    let bytes = try store.read(info.pieces[index], verify: true)
                    let pieceStart = Int64(index) * pieceLength
                    let from = max(file.offset, pieceStart)
                    let to = min(file.offset + file.length, pieceStart + Int64(bytes.count))
                    try bytes.withUnsafeBytes { buffer in
                        let slice = UnsafeRawBufferPointer(
                            rebasing: buffer[Int(from - pieceStart)..<Int(to - pieceStart)]
                        )
                        try Posix.writeAll(fd, slice, at: from - file.offset, path: path)
                    }
                    progress.advance(by: to - from)
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }
}
