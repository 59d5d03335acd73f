import Foundation
import Glibc
import Node
import TestSupport
import ZenFSMount

/// A real FUSE mount of a fresh data directory, served by this test process on a thread of its own, and
/// unmounted (lazily, if need be) when the test ends, even when it fails.
final class TestMount {
    let directory = TemporaryDirectory()
    let mountPoint: String
    let dataPath: String
    private(set) var fileSystem: MountedFileSystem
    private var thread: Thread?
    /// The FUSE connection number (the mount's device minor), for aborting it.
    private var connection = 0
    /// Signalled when the serving thread has returned (after recording every pending write), one per mount.
    private var finished = DispatchSemaphore(value: 0)
    /// What ended the current mount's serving thread with an error (its last writes not recorded).
    private var failure = FailureBox()
    /// How long an unmount waits for the last writes to be recorded: a huge sparse file's version can take
    /// many seconds when the whole suite loads the machine.
    static let recordingWait: DispatchTimeInterval = .seconds(300)
    /// Whether other users may use the mount (`allow_other`), for tests run as unprivileged users.
    private let allowOther: Bool

    /// More `-o` options for the mount.
    private let extraOptions: [String]

    init(allowOther: Bool = false, options: [String] = []) throws {
        self.allowOther = allowOther
        extraOptions = options
        mountPoint = directory.path + "/mnt"
        dataPath = directory.path + "/data"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        fileSystem = try MountedFileSystem(data: try DataDirectory(path: dataPath, syncEveryTransaction: false))
        try start()
    }

    private func start() throws {
        let ready = DispatchSemaphore(value: 0)
        var options = FuseMount.Options()
        options.handlesSignals = false
        options.allowOther = allowOther
        options.extra = extraOptions
        let mount = FuseMount(fileSystem: fileSystem, at: mountPoint, options: options)
        let failure = FailureBox()
        let finished = DispatchSemaphore(value: 0)
        self.failure = failure
        self.finished = finished
        let thread = Thread {
            do { try mount.run { ready.signal() } } catch {
                failure.error = error
                ready.signal()
            }
            finished.signal()
        }
        thread.start()
        self.thread = thread
        ready.wait()
        if let error = failure.error { throw error }
        var info = stat()
        stat(mountPoint, &info)
        connection = Int(info.st_dev & 0xff) | Int((info.st_dev >> 12) & ~0xff)
    }

    /// Why an unmount did not end cleanly.
    enum UnmountError: Error, CustomStringConvertible {
        case recordingDidNotFinish
        case recordingFailed(any Error)

        var description: String {
            switch self {
            case .recordingDidNotFinish: "the mount did not finish recording its writes in time"
            case .recordingFailed(let error): "the mount failed to record its last writes: \(error)"
            }
        }
    }

    /// Unmounts (recording pending writes: throws when that failed or did not end) and mounts the same data
    /// directory again, as after a restart.
    func remount() throws {
        try unmountRecording()
        fileSystem = try MountedFileSystem(data: try DataDirectory(path: dataPath, syncEveryTransaction: false))
        try start()
    }

    /// Unmounts and waits until every pending write is recorded; throws when recording failed or did not end.
    func unmountRecording() throws {
        guard thread != nil else { return }
        let ended = unmount()
        guard ended else { throw UnmountError.recordingDidNotFinish }
        if let error = failure.error { throw UnmountError.recordingFailed(error) }
    }

    /// Unmounts. If something still holds a file open on the mount (a test that failed half-way), the FUSE
    /// connection is aborted so that nothing in this process can hang on it later. Returns whether the serving
    /// thread ended (every pending write recorded or its failure in `failure`).
    @discardableResult
    func unmount() -> Bool {
        guard thread != nil else { return true }
        if (try? Self.run("/usr/bin/fusermount3", ["-u", mountPoint])) != 0 {
            abortConnection()
            _ = try? Self.run("/usr/bin/fusermount3", ["-uz", mountPoint])
        }
        var ended = finished.wait(timeout: .now() + Self.recordingWait) == .success
        if !ended {
            abortConnection()
            ended = finished.wait(timeout: .now() + .seconds(10)) == .success
        }
        thread = nil
        return ended
    }

    private func abortConnection() {
        let control = "/sys/fs/fuse/connections"
        // The control filesystem is mounted only for this and unmounted after, so no test leaves a mount behind.
        let mountedHere =
            !FileManager.default.fileExists(atPath: control + "/\(connection)")
            && (try? Self.run("/bin/mount", ["-t", "fusectl", "none", control])) == 0
        // Best effort: the connection may already be gone.
        _ = FileManager.default.createFile(atPath: control + "/\(connection)/abort", contents: Data("1".utf8))
        if mountedHere { _ = try? Self.run("/bin/umount", [control]) }
    }

    deinit { unmount() }

    /// A path inside the mount.
    func path(_ relative: String) -> String { mountPoint + "/" + relative }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

private final class FailureBox: @unchecked Sendable {
    var error: (any Error)?
}

/// The errno a failing call left, or 0 when it succeeded (`result` ≥ 0).
func errnoOf(_ call: () -> Int32) -> Int32 {
    errno = 0
    return call() < 0 ? errno : 0
}

/// Writes `bytes` to a new or truncated file.
func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) -> Bool {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    return bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == bytes.count
}

/// The whole content of a file, or nil.
func readFile(_ path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { [UInt8]($0) }
}

/// `stat`, or nil.
func statOf(_ path: String) -> stat? {
    var result = stat()
    return lstat(path, &result) == 0 ? result : nil
}

// Linux calls the Glibc module does not export.
@_silgen_name("renameat2")
func renameat2(
    _ oldDirectory: Int32,
    _ old: UnsafePointer<CChar>,
    _ newDirectory: Int32,
    _ new: UnsafePointer<CChar>,
    _ flags: UInt32
)
    -> Int32
@_silgen_name("setxattr")
func setxattr(
    _ path: UnsafePointer<CChar>,
    _ name: UnsafePointer<CChar>,
    _ value: UnsafeRawPointer?,
    _ size: Int,
    _ flags: Int32
)
    -> Int32
@_silgen_name("getxattr")
func getxattr(
    _ path: UnsafePointer<CChar>,
    _ name: UnsafePointer<CChar>,
    _ value: UnsafeMutableRawPointer?,
    _ size: Int
) -> Int
@_silgen_name("statx")
func statx(
    _ directory: Int32,
    _ path: UnsafePointer<CChar>,
    _ flags: Int32,
    _ mask: UInt32,
    _ buffer: UnsafeMutableRawPointer
) -> Int32
@_silgen_name("removexattr")
func removexattr(_ path: UnsafePointer<CChar>, _ name: UnsafePointer<CChar>) -> Int32
@_silgen_name("listxattr")
func listxattr(_ path: UnsafePointer<CChar>, _ list: UnsafeMutablePointer<CChar>?, _ size: Int) -> Int

let RENAME_NOREPLACE: UInt32 = 1
let RENAME_EXCHANGE: UInt32 = 2
let XATTR_CREATE: Int32 = 1
let XATTR_REPLACE: Int32 = 2

/// `makedev(3)`, a macro in C: the device number of `major` and `minor`.
func makedev(_ major: UInt64, _ minor: UInt64) -> dev_t {
    dev_t(
        ((major & 0xffff_f000) << 32) | ((major & 0xfff) << 8) | ((minor & 0xffff_ff00) << 12) | (minor & 0xff)
    )
}

/// The `utimensat` nanosecond values that mean "now" and "leave as is".
let UTIME_NOW = (1 << 30) - 1
let UTIME_OMIT = (1 << 30) - 2
