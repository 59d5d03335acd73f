/// Why the VM host could not build an image, start, control or limit a machine. Each description says what to do.
public enum VMHostError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A program the host needs is not installed.
    case toolMissing(String, package: String)
    /// Debian packages the thin image needs are neither in a package cache nor downloadable.
    case packagesMissing([String], searched: [String], downloadError: String?)
    /// A package was found but does not hold what the image needs.
    case packageContents(package: String, problem: String)
    /// A program ran and failed.
    case commandFailed(command: String, status: Int32, output: String)
    /// A program did not finish in time and was killed.
    case timedOut(command: String, seconds: Double)
    /// A file or folder could not be read or written.
    case file(path: String, problem: String)
    /// A binary could not be read as a 64-bit little-endian ELF file.
    case badELF(path: String, problem: String)
    /// The QMP socket refused, closed, or answered something unreadable.
    case qmp(String)
    /// QEMU answered a command with an error.
    case qmpCommandFailed(command: String, errorClass: String, message: String)
    /// The guest did not reach its ready marker.
    case guestNotReady(seconds: Double, consoleTail: String)
    /// QEMU exited before the guest was ready.
    case qemuExited(status: Int32, output: String)
    /// Resource limits could not be applied.
    case limits(String)
    /// A lease asks for something the host cannot give.
    case badLease(String)
    /// The SSH tunnel between node and publisher failed or was refused.
    case tunnel(String)

    public var description: String {
        switch self {
        case .toolMissing(let tool, let package):
            "'\(tool)' is not installed: run scripts/install-deps (or apt-get install \(package))"
        case .packagesMissing(let names, let searched, let downloadError):
            "the thin image needs Debian packages that are not cached: \(names.joined(separator: ", ")) "
                + "(looked in \(searched.joined(separator: ", ")))"
                + (downloadError.map { "; downloading failed: \($0)" } ?? "; downloads are off")
                + ". Run `apt-get download \(names.joined(separator: " "))` in one of those folders, or allow downloads"
        case .packageContents(let package, let problem):
            "package \(package) does not hold what the thin image needs: \(problem)"
        case .commandFailed(let command, let status, let output):
            "`\(command)` failed with status \(status): \(output.suffix(600))"
        case .timedOut(let command, let seconds):
            "`\(command)` did not finish within \(seconds) s and was stopped"
        case .file(let path, let problem):
            "\(path): \(problem)"
        case .badELF(let path, let problem):
            "\(path) is not a readable 64-bit ELF binary: \(problem)"
        case .qmp(let problem):
            "QMP: \(problem)"
        case .qmpCommandFailed(let command, let errorClass, let message):
            "QMP command \(command) failed (\(errorClass)): \(message)"
        case .guestNotReady(let seconds, let tail):
            "the guest did not report ready within \(seconds) s; its console ended with: \(tail)"
        case .qemuExited(let status, let output):
            "QEMU exited with status \(status) before the guest was ready: \(output.suffix(600))"
        case .limits(let problem):
            "resource limits: \(problem)"
        case .badLease(let problem):
            "the lease cannot run here: \(problem)"
        case .tunnel(let problem):
            "SSH tunnel: \(problem)"
        }
    }
}
