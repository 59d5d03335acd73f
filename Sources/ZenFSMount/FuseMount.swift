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
        var mountOptions = ["fsname=zenfs", "subtype=zenfs", "default_permissions", "max_read=\(Self.largestRead)"]
        if options.allowOther { mountOptions.append("allow_other") }
        // libfuse passes `noatime` on to the kernel but knows no `relatime` or `strictatime`: the mount applies
        // those itself.
        mountOptions += options.extra.filter { !AccessTimeRule.mountOnlyOptions.contains($0) }
        fileSystem.accessTimeRule = AccessTimeRule(options: options.extra)
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
        MountReadahead(mountPoint: mountPoint, kibibytes: Self.readaheadKiB).raise { bridge.isInitialized }
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

    /// The largest read request: with its header it fits the largest pipe an unprivileged process may have
    /// (1 MiB), so replies from parts are spliced; larger ones would be copied twice.
    public static let largestRead = 1 << 19

    /// Readahead for the mount: 32 parts of 256 KiB, in flight as up to 16 requests of 512 KiB.
    public static let readaheadKiB = 8192
}
