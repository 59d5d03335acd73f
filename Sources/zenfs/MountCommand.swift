import ArgumentParser
import Foundation
import Glibc
import Node
import ZenFSMount

/// `zenfs mount /mnt/zen`: ZenFS as a read-write POSIX filesystem.
struct MountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mount",
        abstract: "Mount ZenFS as a read-write filesystem (unmount with 'zenfs umount' or 'fusermount3 -u')."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The folder to mount on (created if missing).")
    var mountPoint: String

    @Flag(help: "Stay in the foreground instead of returning once mounted.")
    var foreground = false

    @Flag(
        name: .customLong("allow-other"),
        help: "Let other users reach the mount (needs user_allow_other for non-root)."
    )
    var allowOther = false

    @Option(name: .short, help: "Extra mount options, comma-separated (repeatable).")
    var options: [String] = []

    func run() throws {
        let absolute = try MountPoint.prepare(mountPoint)
        let dataPath = DataDirectory.resolvePath(explicit: global.dataDirectory)
        if !foreground {
            return try MountLauncher.launchInBackground(mountPoint: absolute, dataPath: dataPath, arguments: self)
        }
        let data = try DataDirectory(path: dataPath, syncEveryTransaction: false)
        var mountOptions = FuseMount.Options()
        mountOptions.allowOther = allowOther
        mountOptions.extra = options.flatMap { $0.split(separator: ",").map(String.init) }
        let fileSystem = try MountedFileSystem(data: data, remote: NodeElementSource(dataDirectory: data.path))
        // Parts superseded by new versions (each fsync of a rewritten part makes one) are collected as the
        // mount goes, so the store stays near the size of what it holds.
        // Started once the mount handles its signals.
        let collector = ReleasedPartCollector(service: FileSystemService(data: data))
        defer { collector.stop() }
        try FuseMount(fileSystem: fileSystem, at: absolute, options: mountOptions).run {
            collector.start()
            Output.note("zenfs mounted at \(absolute) (data: \(dataPath))")
        }
    }

    /// The arguments that repeat this mount in the foreground.
    var foregroundArguments: [String] {
        var arguments = ["mount", mountPoint, "--foreground"]
        if let directory = global.dataDirectory { arguments += ["--data-dir", directory] }
        if allowOther { arguments.append("--allow-other") }
        for option in options { arguments += ["-o", option] }
        return arguments
    }
}

/// `zenfs umount /mnt/zen`.
struct UnmountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "umount",
        abstract: "Unmount ZenFS; pending writes are recorded first."
    )

    @Argument(help: "The mount point.")
    var mountPoint: String

    @Flag(name: .shortAndLong, help: "Detach even if busy (lazy unmount).")
    var lazy = false

    func run() throws {
        let absolute = URL(fileURLWithPath: mountPoint).standardizedFileURL.path
        guard MountTable.isMounted(absolute) else { throw ValidationError("\(absolute) is not mounted") }
        let nodes = MountTable.nodeProcesses(serving: absolute)
        let result = try MountLauncher.runTool("fusermount3", ["-u"] + (lazy ? ["-z"] : []) + [absolute])
        guard result == 0 else { throw ExitCode(result) }
        // The node records pending writes once the kernel lets go, then exits: wait for that (up to a minute).
        for _ in 0..<600 where nodes.contains(where: { kill($0, 0) == 0 }) { usleep(100_000) }
    }
}

/// Reads `/proc/mounts` and the process table.
enum MountTable {
    /// The `zenfs mount … --foreground` processes serving `path`.
    static func nodeProcesses(serving path: String) -> [pid_t] {
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return processes.compactMap { name -> pid_t? in
            guard let pid = pid_t(name), let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline") else {
                return nil
            }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            let isNode = arguments.count > 2 && arguments[1] == "mount" && arguments.contains("--foreground")
            return isNode && arguments.contains(where: { URL(fileURLWithPath: $0).standardizedFileURL.path == path })
                ? pid : nil
        }
    }

    static func isMounted(_ path: String) -> Bool {
        guard let table = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return false }
        return table.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 2 && fields[1] == path && fields[2].hasPrefix("fuse")
        }
    }
}
