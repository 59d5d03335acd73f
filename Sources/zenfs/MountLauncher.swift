import ArgumentParser
import Foundation
import Glibc

/// Starts the mount as a detached process of its own (a new session, output to `mount.log` in the data directory)
/// and returns once the kernel shows the mount, or reports why it failed.
enum MountLauncher {
    static func launchInBackground(mountPoint: String, dataPath: String, arguments command: MountCommand) throws {
        try FileManager.default.createDirectory(atPath: dataPath, withIntermediateDirectories: true)
        let logPath = dataPath + "/mount.log"
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let pid = try spawnDetached(executable, command.foregroundArguments, logPath: logPath)
        for _ in 0..<200 {
            if MountTable.isMounted(mountPoint) {
                print("mounted at \(mountPoint) (process \(pid); log: \(logPath))")
                return
            }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                throw ValidationError(
                    "the mount failed:\n" + log.split(separator: "\n").suffix(5).joined(separator: "\n")
                )
            }
            usleep(50_000)
        }
        throw ValidationError("the mount did not appear within 10 s; see \(logPath)")
    }

    private static func spawnDetached(_ executable: String, _ arguments: [String], logPath: String) throws -> pid_t {
        closeInheritedDescriptorsOnExec()
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(0x80))  // POSIX_SPAWN_SETSID
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard status == 0 else { throw ValidationError("cannot start the mount: \(String(cString: strerror(status)))") }
        return pid
    }

    /// Marks every descriptor above standard error close-on-exec, so the detached mount holds none of its
    /// caller's pipes open (a caller waiting for them to close would otherwise wait for the mount to end).
    private static func closeInheritedDescriptorsOnExec() {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            guard let fd = Int32(name), fd > 2 else { continue }
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    /// Runs a tool from PATH and returns its exit status.
    static func runTool(_ name: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [name] + arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
