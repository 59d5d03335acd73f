import Foundation

/// Runs a program to completion with a time limit, capturing what it prints.
enum Subprocess {
    struct Result: Sendable {
        var status: Int32
        var output: String
        var errorOutput: String
    }

    /// Runs `executable` (a path, or a name looked up on PATH) with `arguments`; kills it after `timeout` seconds.
    static func run(
        _ executable: String,
        _ arguments: [String],
        directory: String? = nil,
        timeout: Double = 120
    ) throws(VMHostError) -> Result {
        guard let path = findExecutable(executable) else {
            throw .toolMissing(executable, package: packageName(of: executable))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        let outputs = Locked<[Int: Data]>([:])
        let group = DispatchGroup()
        for (index, pipe) in [stdout, stderr].enumerated() {
            group.enter()
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                outputs.withLock { $0[index] = data }
                group.leave()
            }
        }
        let command = ([executable] + arguments).joined(separator: " ")
        do {
            try process.run()
        } catch {
            throw .commandFailed(command: command, status: -1, output: "\(error)")
        }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning {
            process.terminate()
            // A program that ignores SIGTERM gets SIGKILL after a bounded grace.
            for _ in 0..<200 where process.isRunning { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            _ = group.wait(timeout: .now() + 5)
            throw .timedOut(command: command, seconds: timeout)
        }
        process.waitUntilExit()
        _ = group.wait(timeout: .now() + 5)
        let captured = outputs.value
        return Result(
            status: process.terminationStatus,
            output: String(decoding: captured[0] ?? Data(), as: UTF8.self),
            errorOutput: String(decoding: captured[1] ?? Data(), as: UTF8.self)
        )
    }

    /// Runs a program and returns its standard output, or throws with its error output when it fails.
    static func output(
        _ executable: String,
        _ arguments: [String],
        directory: String? = nil,
        timeout: Double = 120
    ) throws(VMHostError) -> String {
        let result = try run(executable, arguments, directory: directory, timeout: timeout)
        guard result.status == 0 else {
            throw .commandFailed(
                command: ([executable] + arguments).joined(separator: " "),
                status: result.status,
                output: result.errorOutput + result.output
            )
        }
        return result.output
    }

    /// The full path of `name` on PATH (or `name` itself when it is a path to an executable).
    static func findExecutable(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        return directories.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The Debian package that ships `tool`, for error messages.
    static func packageName(of tool: String) -> String {
        switch (tool as NSString).lastPathComponent {
        case "qemu-system-x86_64": "qemu-system-x86"
        case "qemu-img": "qemu-utils"
        case "cpio": "cpio"
        case "dpkg-deb": "dpkg"
        case "apt-get", "apt-cache": "apt"
        case "gzip": "gzip"
        case "setpriv", "nice": "util-linux or coreutils"
        default: tool
        }
    }
}
