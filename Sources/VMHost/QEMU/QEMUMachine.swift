import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One running QEMU for a lease: started (optionally inside its cgroups, at its `nice`, as an unprivileged
/// user), watched through its console file and QMP socket, metered, and stopped.
public final class QEMUMachine: @unchecked Sendable {
    // `process` and `client` are guarded by `lock`; everything else is immutable.
    private let lock = NSLock()
    private let process: Process
    private var client: QMPClient?
    public let lease: VMLease
    public let image: ThinImage
    public let files: RunFiles
    public let options: LaunchOptions
    /// The groups holding QEMU, when limits were applied.
    public let limits: CgroupLimits?
    /// Why limits were not applied, when they were asked for and are not.
    public let limitsReport: String?
    /// When `launch` started QEMU.
    public let startedAt: Date

    /// QEMU's process id.
    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    private init(
        process: Process,
        lease: VMLease,
        image: ThinImage,
        files: RunFiles,
        options: LaunchOptions,
        limits: CgroupLimits?,
        limitsReport: String?
    ) {
        self.process = process
        self.lease = lease
        self.image = image
        self.files = files
        self.options = options
        self.limits = limits
        self.limitsReport = limitsReport
        startedAt = Date()
    }

    deinit {
        if process.isRunning { kill() }
    }

    /// Starts QEMU for `lease` on `image`, with its files in `directory` (created; a stale disk is replaced).
    public static func launch(
        image: ThinImage,
        lease: VMLease,
        directory: String,
        options: LaunchOptions = LaunchOptions(),
        withNetworkAndDisk: Bool = true
    ) throws(VMHostError) -> QEMUMachine {
        try lease.validate()
        guard let qemu = Subprocess.findExecutable("qemu-system-x86_64") else {
            throw .toolMissing("qemu-system-x86_64", package: "qemu-system-x86")
        }
        let files = RunFiles(directory: directory)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .file(path: directory, problem: "cannot create the run folder: \(error)")
        }
        for stale in [files.console, files.qmpSocket, files.disk, files.output] { unlink(stale) }
        if withNetworkAndDisk {
            try OverlayDisk.create(files.disk, on: image, lease: lease, reserve: options.reserveDisk)
        }
        var command: [String] = []
        var limits: CgroupLimits?
        var limitsReport: String?
        if options.applyCgroupLimits {
            let table = ProcFile.read("/proc/self/mounts") ?? ""
            let mounts = CgroupMounts(mountsTable: table)
            do throws(VMHostError) {
                let memory = UInt64(lease.memoryMiB + options.memoryOverheadMiB) << 20
                limits = try CgroupLimits.create(
                    name: lease.name,
                    cores: lease.cores,
                    memoryLimitBytes: memory,
                    mounts: mounts
                )
            } catch {
                if options.requireCgroupLimits { throw error }
                limitsReport = error.description
            }
            if let limits {
                // The shell joins every group, then becomes QEMU: nothing runs outside the limits.
                let script =
                    #"while [ "$1" != "--" ]; do echo $$ > "$1/cgroup.procs" || exit 97; shift; done; shift; exec "$@""#
                command += ["/bin/sh", "-c", script, "sh"] + limits.procsDirectories + ["--"]
            }
        }
        command += [Subprocess.findExecutable("nice") ?? "/usr/bin/nice", "-n", "\(lease.niceness)"]
        if let user = options.user, getuid() == 0 {
            guard let account = getpwnam(user) else { throw .badLease("no account named \(user) to run QEMU as") }
            guard let setpriv = Subprocess.findExecutable("setpriv") else {
                throw .toolMissing("setpriv", package: "util-linux")
            }
            let (uid, gid) = (account.pointee.pw_uid, account.pointee.pw_gid)
            for path in [directory, image.directory] {
                if let blocked = Self.firstUnsearchableAncestor(of: path) {
                    throw .badLease(
                        "QEMU runs as \(user), who cannot reach \(path) (\(blocked) is not searchable by others): "
                            + "keep images and run folders under world-searchable folders, or launch without a user"
                    )
                }
            }
            let volumes = withNetworkAndDisk ? lease.volumes.map(\.path) : []
            for path in [directory] + (withNetworkAndDisk ? [files.disk] : []) + volumes { chown(path, uid, gid) }
            command += [setpriv, "--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--"]
        }
        command.append(qemu)
        command += QEMUCommandLine.arguments(
            image: image,
            lease: lease,
            files: files,
            accelerator: options.accelerator,
            withNetworkAndDisk: withNetworkAndDisk
        )
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.standardInput = FileHandle.nullDevice
        _ = FileManager.default.createFile(atPath: files.output, contents: nil)
        let log = FileHandle(forWritingAtPath: files.output)
        process.standardOutput = log
        process.standardError = log
        do {
            try process.run()
        } catch {
            limits?.remove()
            throw .commandFailed(command: command.joined(separator: " "), status: -1, output: "\(error)")
        }
        try? log?.close()
        return QEMUMachine(
            process: process,
            lease: lease,
            image: image,
            files: files,
            options: options,
            limits: limits,
            limitsReport: limitsReport
        )
    }

    /// The first folder on the way to `path` that other users may not enter, if any.
    static func firstUnsearchableAncestor(of path: String) -> String? {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            var info = stat()
            guard stat(current, &info) == 0 else { return current }
            if (info.st_mode & S_IFMT) == S_IFDIR && (info.st_mode & S_IXOTH) == 0 { return current }
        }
        return nil
    }

    /// The serial console so far.
    public var console: String {
        (try? String(contentsOfFile: files.console, encoding: .utf8)) ?? ""
    }

    /// What QEMU itself printed (errors such as a refused port forward).
    public var qemuOutput: String {
        (try? String(contentsOfFile: files.output, encoding: .utf8)) ?? ""
    }

    /// Waits until the guest prints its ready marker (polling the console file), failing early if QEMU exits.
    public func waitForMarker(timeout: Double) throws(VMHostError) {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if console.contains(ThinImage.readyMarker) { return }
            guard process.isRunning else { throw .qemuExited(status: process.terminationStatus, output: qemuOutput) }
            usleep(50_000)
        }
        throw .guestNotReady(seconds: timeout, consoleTail: String(console.suffix(400)))
    }

    /// Waits until the guest's SSH server answers through the host forward with its `SSH-` banner.
    public func waitForSSH(timeout: Double) throws(VMHostError) {
        let deadline = Date().addingTimeInterval(timeout)
        try waitForMarker(timeout: timeout)
        while Date() < deadline {
            if SSHBanner.read(port: lease.sshPort, timeout: 2)?.hasPrefix("SSH-") == true { return }
            guard process.isRunning else { throw .qemuExited(status: process.terminationStatus, output: qemuOutput) }
            usleep(100_000)
        }
        throw .guestNotReady(seconds: timeout, consoleTail: String(console.suffix(400)))
    }

    /// The QMP connection (opened on first use).
    public func qmp() throws(VMHostError) -> QMPClient {
        lock.lock()
        defer { lock.unlock() }
        if let client { return client }
        let opened = try QMPClient(path: files.qmpSocket, timeout: 10)
        client = opened
        return opened
    }

    public func status() throws(VMHostError) -> QMPStatus { try qmp().query("query-status", as: QMPStatus.self) }

    /// The vCPUs and their host thread ids.
    public func vcpus() throws(VMHostError) -> [QMPCPU] { try qmp().query("query-cpus-fast", as: [QMPCPU].self) }

    public func blockStats() throws(VMHostError) -> [QMPBlockStats] {
        try qmp().query("query-blockstats", as: [QMPBlockStats].self)
    }

    /// Pins each vCPU thread to the lease's host CPUs (vCPU i to `hostCPUs[i % count]`); returns the pins made.
    @discardableResult
    public func pinVCPUs() throws(VMHostError) -> [Int32: Int] {
        guard !lease.hostCPUs.isEmpty else { return [:] }
        var pins: [Int32: Int] = [:]
        for cpu in try vcpus() {
            let host = lease.hostCPUs[cpu.cpuIndex % lease.hostCPUs.count]
            try CPUAffinity.pin(thread: cpu.threadID, to: host)
            pins[cpu.threadID] = host
        }
        return pins
    }

    /// A metering sample now: CPU time (from the cgroup when there is one, else from /proc), resident memory and
    /// disk bytes moved.
    public func reading() throws(VMHostError) -> VMReading {
        let blocks = try blockStats()
        let cpu = try limits?.cpuNanoseconds() ?? ProcessStats.cpuNanoseconds(pid: pid) ?? 0
        let split = ProcessStats.residentSplit(pid: pid, guestBytes: UInt64(lease.memoryMiB) << 20)
        return VMReading(
            cpuNanoseconds: cpu,
            residentBytes: ProcessStats.residentBytes(pid: pid) ?? 0,
            qemuOwnResidentBytes: split?.own ?? 0,
            diskReadBytes: blocks.reduce(0) { $0 + $1.readBytes },
            diskWrittenBytes: blocks.reduce(0) { $0 + $1.writtenBytes }
        )
    }

    /// How a shutdown ended.
    public enum ShutdownOutcome: String, Sendable {
        /// The guest powered itself off after the power button (`system_powerdown`).
        case poweredOff
        /// The guest did not stop in time; QMP `quit` stopped QEMU.
        case quit
        /// QEMU had to be killed.
        case killed
        /// QEMU was not running any more.
        case alreadyStopped
    }

    /// Presses the power button, waits up to `timeout` seconds, then sends `quit`, then kills; removes the
    /// cgroups afterwards.
    @discardableResult
    public func shutdown(timeout: Double = 10) -> ShutdownOutcome {
        defer {
            lock.withLock { client?.disconnect() }
            limits?.remove()
        }
        guard process.isRunning else { return .alreadyStopped }
        if (try? qmp().execute("system_powerdown")) != nil, waitForExit(timeout: timeout) { return .poweredOff }
        _ = try? qmp().execute("quit")
        if waitForExit(timeout: 5) { return .quit }
        kill()
        return .killed
    }

    /// Kills QEMU at once and waits for it (bounded).
    public func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        _ = waitForExit(timeout: 10)
        limits?.remove()
    }

    /// Whether QEMU exited within `timeout` seconds.
    func waitForExit(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return !process.isRunning
    }
}

/// One metering sample of a running VM (cumulative counters).
public struct VMReading: Hashable, Sendable {
    public var cpuNanoseconds: UInt64
    /// All of QEMU's resident memory: the guest's RAM it touched and its own.
    public var residentBytes: UInt64
    /// QEMU's resident memory beyond the guest's RAM.
    public var qemuOwnResidentBytes: UInt64
    public var diskReadBytes: UInt64
    public var diskWrittenBytes: UInt64
}
