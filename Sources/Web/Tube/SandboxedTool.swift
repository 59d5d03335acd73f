import Foundation
import Glibc

/// Runs ffmpeg and ffprobe as untrusted work: under bubblewrap (no network, no view of the node's files beyond
/// the one input read-only and the one output folder), with rlimits on memory, CPU time and open files, at a
/// low priority, and killed past a wall-clock deadline. A video is attacker-controlled input to a large C
/// decoder; the node's wallet and identity sit in the data directory, which the tool never sees.
public struct SandboxedTool: Sendable {
    /// Limits one run gets.
    public struct Limits: Sendable {
        public var addressSpaceBytes: Int64 = 4 << 30
        public var cpuSeconds: Int = 3_600
        public var wallSeconds: Double = 1_800
        public var openFiles: Int = 512
        public init() {}
    }

    public let limits: Limits
    /// Whether bubblewrap is used; false only when it is not installed or cannot create namespaces here.
    public let isolated: Bool

    public init(limits: Limits = Limits()) {
        self.limits = limits
        isolated = Self.bubblewrapWorks
    }

    /// Checked once per process: bwrap exists and can start a process in fresh namespaces.
    static let bubblewrapWorks: Bool = {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/bwrap") else { return false }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/bwrap")
        probe.arguments = baseArguments + ["/usr/bin/true"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        do { try probe.run() } catch { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }()

    /// The read-only system and the empty namespaces every run starts from.
    static let baseArguments = [
        "--unshare-all", "--die-with-parent", "--new-session",
        "--ro-bind", "/usr", "/usr",
        "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
        "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
        "--ro-bind-try", "/etc/alternatives", "/etc/alternatives",
        "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
        "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
    ]

    /// What a finished run produced.
    public struct Outcome: Sendable {
        public let status: Int32
        public let standardOutput: Data
        public let standardError: String
        public let timedOut: Bool
    }

    /// Runs `tool` (ffmpeg or ffprobe, by name under /usr/bin) with `input` visible read-only at `/in/source`
    /// and `output` (if any) writable at `/out`, working in `/out/<workingSubfolder>`. Arguments name those
    /// paths. Without bubblewrap the same paths are mapped back to the real ones.
    public func run(
        _ tool: String,
        arguments: [String],
        input: String,
        output: String?,
        workingSubfolder: String = "",
        isCancelled: @Sendable () -> Bool = { false }
    ) async throws -> Outcome {
        let executable = "/usr/bin/" + tool
        guard FileManager.default.isExecutableFile(atPath: executable) else { throw TubeError.toolMissing(tool) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nice")
        var command = [
            "-n", "10", "/usr/bin/prlimit",
            "--as=\(limits.addressSpaceBytes)", "--cpu=\(limits.cpuSeconds)", "--nofile=\(limits.openFiles)", "--",
        ]
        if isolated {
            command += ["/usr/bin/bwrap"] + Self.baseArguments + ["--ro-bind", input, "/in/source"]
            if let output { command += ["--bind", output, "/out", "--chdir", "/out/" + workingSubfolder] }
            command += [executable] + arguments
        } else {
            let mapped = arguments.map { argument in
                argument.replacingOccurrences(of: "/in/source", with: input)
                    .replacingOccurrences(of: "/out/", with: (output ?? "/nonexistent") + "/")
            }
            if let output { process.currentDirectoryURL = URL(fileURLWithPath: output + "/" + workingSubfolder) }
            command += [executable] + mapped
        }
        process.arguments = command
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain both pipes on their own threads so a chatty tool never blocks on a full pipe.
        let outData = Drain(stdout.fileHandleForReading)
        let errData = Drain(stderr.fileHandleForReading)
        let deadline = Date().addingTimeInterval(limits.wallSeconds)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline || isCancelled() {
                timedOut = Date() > deadline
                kill(process.processIdentifier, SIGKILL)
                break
            }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        process.waitUntilExit()
        let errorText = String(decoding: errData.finish().suffix(4_000), as: UTF8.self)
        return Outcome(
            status: process.terminationStatus,
            standardOutput: outData.finish(),
            standardError: errorText,
            timedOut: timedOut
        )
    }
}

/// Reads a pipe to its end on a thread of its own.
final class Drain: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func finish() -> Data {
        done.wait()
        return data
    }
}
