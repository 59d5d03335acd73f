import CFuse3
import Foundation
import Glibc
import Node

/// Mounts a `MountedFileSystem` with libfuse's low-level API and serves it on a multi-threaded loop until
/// unmounted or signalled (SIGINT, SIGTERM, SIGHUP), then records every pending write and unmounts.
/// Its fields are set once; `run` is called once.
public final class FuseMount: @unchecked Sendable {
    /// Mount choices.
    public struct Options: Sendable {
        public var allowOther = false
        /// Extra `-o` options passed to libfuse and the kernel.
        public var extra: [String] = []
        public var maxThreads = 16
        /// Unmount on SIGINT, SIGTERM and SIGHUP (a process serving several mounts, such as the tests, turns
        /// this off).
        public var handlesSignals = true

        public init() {}
    }

    /// Why mounting failed.
    public enum MountError: Error, CustomStringConvertible {
        case sessionFailed
        case mountFailed(path: String)

        public var description: String {
            switch self {
            case .sessionFailed: "libfuse refused the mount options"
            case .mountFailed(let path):
                "cannot mount at \(path): is /dev/fuse available (fuse3 installed) and the folder not already mounted? "
                    + "'fusermount3 -uz \(path)' clears a stale mount"
            }
        }
    }

    let fileSystem: MountedFileSystem
    let mountPoint: String
    let options: Options

    public init(fileSystem: MountedFileSystem, at mountPoint: String, options: Options = Options()) {
        self.fileSystem = fileSystem
        self.mountPoint = mountPoint
        self.options = options
    }

    /// Mounts and serves until unmounted; `ready` runs once the mount is live.
    public func run(ready: () -> Void = {}) throws {
        var mountOptions = ["fsname=zenfs", "subtype=zenfs", "default_permissions"]
        if options.allowOther { mountOptions.append("allow_other") }
        mountOptions += options.extra
        let arguments = ["zenfs", "-o", mountOptions.joined(separator: ",")]
        var cArguments = arguments.map { strdup($0) }
        defer { cArguments.forEach { free($0) } }
        var ops = FuseOperations.make()
        let bridge = FuseBridge(fileSystem: fileSystem)
        let userData = Unmanaged.passRetained(bridge).toOpaque()
        defer { Unmanaged<FuseBridge>.fromOpaque(userData).release() }
        let session: OpaquePointer? = cArguments.withUnsafeMutableBufferPointer { buffer in
            var fuseArguments = CFuse3_args(Int32(buffer.count), buffer.baseAddress)
            return fuse_session_new(&fuseArguments, &ops, MemoryLayout<fuse_lowlevel_ops>.size, userData)
        }
        guard let session else { throw MountError.sessionFailed }
        defer { fuse_session_destroy(session) }
        guard fuse_session_mount(session, mountPoint) == 0 else { throw MountError.mountFailed(path: mountPoint) }
        enlargeReadahead()
        let signalSources = options.handlesSignals ? unmountOnSignals() : []
        defer { signalSources.forEach { $0.cancel() } }
        ready()
        let config = fuse_loop_cfg_create()
        defer { fuse_loop_cfg_destroy(config) }
        fuse_loop_cfg_set_max_threads(config, UInt32(options.maxThreads))
        fuse_loop_cfg_set_idle_threads(config, UInt32(options.maxThreads))
        _ = CFuse3_session_loop_mt(session, config)
        // A signal's detach already ended the loop; this finishes a normal unmount.
        fuse_session_unmount(session)
        try fileSystem.shutdown()
    }

    /// SIGINT, SIGTERM and SIGHUP detach the mount, which ends the session loop (whichever thread the signal
    /// reaches: libfuse's own handlers only stop the loop when a worker thread happens to receive it).
    private func unmountOnSignals() -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM, SIGHUP].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            let path = mountPoint
            source.setEventHandler {
                if umount2(path, Int32(MNT_DETACH)) != 0 {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/usr/bin/fusermount3")
                    process.arguments = ["-uz", path]
                    try? process.run()
                    process.waitUntilExit()
                }
            }
            source.resume()
            return source
        }
    }

    /// The kernel offers FUSE mounts 128 KiB of readahead and libfuse can only lower it; parts are 256 KiB and
    /// streamed, so the mount's own readahead is raised to `readaheadKiB` through sysfs (root only; else kept).
    private func enlargeReadahead() {
        // The device number comes from /proc/self/mountinfo: a stat of the mount point would wait on this
        // very process, which is not serving requests yet.
        guard let table = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return }
        let device = table.split(separator: "\n").lazy.map { $0.split(separator: " ") }
            .first { $0.count > 4 && $0[4] == mountPoint }?[2]
        guard let device else { return }
        let fd = open("/sys/class/bdi/\(device)/read_ahead_kb", O_WRONLY)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let text = "\(Self.readaheadKiB)\n"
        _ = text.withCString { Glibc.write(fd, $0, strlen($0)) }
    }

    /// Readahead for the mount: 16 parts of 256 KiB.
    static let readaheadKiB = 4096
}
