import Foundation
import Glibc
import Testing

/// Permissions as the kernel's local filesystems do them: the same calls, made by root and by unprivileged users,
/// on tmpfs and on the mount (with `allow_other`), must give the same results and the same modes and owners.
@Suite(.serialized)
struct PermissionDifferentialTests {
    /// Who makes a call: a user and group id, and the supplementary groups.
    struct Caller {
        let uid: UInt32
        let gid: UInt32
        var groups: [UInt32] = []

        static let root = Caller(uid: 0, gid: 0)
        static let alice = Caller(uid: 2001, gid: 2001)
        static let bob = Caller(uid: 2002, gid: 2002)
        /// A member of the shared group 3000.
        static let carol = Caller(uid: 2003, gid: 2003, groups: [3000])
    }

    /// One call of the sequence.
    struct Step {
        let caller: Caller
        let operation: [String]
        init(_ caller: Caller, _ operation: String...) {
            self.caller = caller
            self.operation = operation
        }
    }

    static let steps: [Step] = [
        // Sticky folders: only the owner of an entry (or of the folder, or root) removes or replaces it.
        Step(.root, "mkdir", "w", "755"), Step(.root, "chmod", "w", "1777"),
        Step(.alice, "create", "w/a", "644"), Step(.bob, "create", "w/b", "644"),
        Step(.bob, "unlink", "w/a"), Step(.bob, "rename", "w/a", "w/x"), Step(.bob, "rename", "w/b", "w/a"),
        Step(.alice, "rename", "w/a", "w/a2"), Step(.alice, "unlink", "w/b"), Step(.alice, "rename", "w/a2", "w/b"),
        Step(.root, "unlink", "w/b"), Step(.alice, "mkdir", "w/ad", "755"), Step(.bob, "rmdir", "w/ad"),
        Step(.bob, "rename", "w/ad", "w/bd"), Step(.alice, "stat", "w/a2"), Step(.root, "list", "w"),
        // Set-group-ID folders pass their group, and to folders their set-group-ID bit.
        Step(.root, "mkdir", "g", "755"), Step(.root, "chown", "g", "0", "3000"), Step(.root, "chmod", "g", "2777"),
        Step(.alice, "create", "g/f", "644"), Step(.root, "stat", "g/f"), Step(.alice, "mkdir", "g/sub", "755"),
        Step(.root, "stat", "g/sub"), Step(.alice, "create", "g/sub/h", "755"), Step(.root, "stat", "g/sub/h"),
        Step(.alice, "mkfifo", "g/p", "644"), Step(.root, "stat", "g/p"), Step(.alice, "symlink", "f", "g/l"),
        Step(.root, "stat", "g/l"),
        // A new file keeps set-group-ID only when its maker is in the folder's group.
        Step(.carol, "create", "g/c", "2755"), Step(.root, "stat", "g/c"), Step(.alice, "create", "g/a", "2755"),
        Step(.root, "stat", "g/a"), Step(.alice, "chmod", "g/f", "2755"), Step(.root, "stat", "g/f"),
        // chown, write and truncate clear set-user-ID and set-group-ID.
        Step(.root, "create", "s", "755"), Step(.root, "chmod", "s", "6755"), Step(.root, "chown", "s", "2001", "2001"),
        Step(.root, "stat", "s"), Step(.root, "chmod", "s", "6755"), Step(.alice, "write", "s"),
        Step(.root, "stat", "s"), Step(.root, "chmod", "s", "6755"), Step(.alice, "truncate", "s", "0"),
        Step(.root, "stat", "s"), Step(.root, "chmod", "s", "2745"), Step(.root, "chown", "s", "2001", "2002"),
        Step(.root, "stat", "s"), Step(.alice, "chown", "s", "2001", "2001"),
        Step(.alice, "chown", "s", "2001", "3000"),
        Step(.bob, "chmod", "s", "777"), Step(.root, "stat", "s"),
        // Names, loops, special files and times.
        Step(.root, "create", String(repeating: "n", count: 255), "644"),
        Step(.root, "create", String(repeating: "n", count: 256), "644"),
        Step(.root, "symlink", "l2", "w/l1"), Step(.root, "symlink", "l1", "w/l2"), Step(.root, "open", "w/l1"),
        Step(.alice, "mkfifo", "w/fifo", "644"), Step(.bob, "unlink", "w/fifo"), Step(.root, "stat", "w/fifo"),
        Step(.alice, "mknod", "w/chr", "20644", "1", "3"), Step(.root, "mknod", "w/chr", "20644", "1", "3"),
        Step(.root, "stat", "w/chr"), Step(.alice, "utime", "w/a2", "1000000123", "2000000456"),
        Step(.bob, "utime", "w/a2", "1", "2"), Step(.bob, "utimenow", "w/a2"), Step(.alice, "utimenow", "w/a2"),
        Step(.bob, "write", "w/a2"), Step(.bob, "open", "w/a2"), Step(.root, "chmod", "w/a2", "600"),
        Step(.bob, "open", "w/a2"),
        // Names and link targets at and past their limits; attributes and truncation by someone else.
        Step(.root, "symlink", String(repeating: "t", count: 4095), "w/long-link"),
        Step(.root, "symlink", String(repeating: "t", count: 4096), "w/longer-link"),
        Step(.root, "stat", "w/long-link"),
        Step(.root, "rename", "w/a2", "w/" + String(repeating: "r", count: 256)),
        Step(.root, "link", "w/a2", "w/" + String(repeating: "k", count: 256)),
        Step(.root, "mkdir", String(repeating: "m", count: 256), "755"),
        Step(.root, "mkfifo", String(repeating: "f", count: 256), "644"),
        Step(.bob, "truncate", "w/a2", "0"), Step(.bob, "setxattr", "w/a2", "user.k", "v"),
        Step(.alice, "setxattr", "w/a2", "user.k", "v"),
        Step(.alice, "setxattr", "w/a2", "user." + String(repeating: "x", count: 251), "v"),
        Step(.alice, "setxattr", "w/fifo", "user.k", "v"), Step(.root, "getxattr", "w/a2", "user.k"),
        // Link counts of folders.
        Step(.root, "mkdir", "d1", "755"), Step(.root, "mkdir", "d1/d2", "755"), Step(.root, "stat", "d1"),
        Step(.root, "rename", "d1/d2", "w/d2"), Step(.root, "stat", "d1"), Step(.root, "stat", "w"),
        Step(.root, "list", "."),
    ]

    /// Runs one step below `root` as its caller; returns what the call printed.
    static func run(_ step: Step, root: String, script: String) throws -> String {
        let process = Process()
        let output = Pipe()
        let operation = [script, step.operation[0], root] + step.operation.dropFirst()
        if step.caller.uid == 0 {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = operation
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            let groups =
                step.caller.groups.isEmpty
                ? ["--clear-groups"] : ["--groups=" + step.caller.groups.map(String.init).joined(separator: ",")]
            process.arguments =
                ["--reuid=\(step.caller.uid)", "--regid=\(step.caller.gid)"] + groups + ["/usr/bin/python3"]
                + operation
        }
        process.standardOutput = output
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: printed, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Every step gives the same result on tmpfs and through the mount.
    @Test func sameAsTmpfs() throws {
        let mount = try TestMount(allowOther: true)
        let reference = "/dev/shm/zenfs-permissions-\(UUID().uuidString)"
        let script = mount.directory.path + "/posix-op.py"
        #expect(FileManager.default.createFile(atPath: script, contents: Data(PosixOperationScript.source.utf8)))
        chmod(script, 0o644)
        let roots = [mount.mountPoint + "/t", reference]
        for root in roots {
            #expect(mkdir(root, 0o755) == 0)
            chmod(root, 0o777)
        }
        defer { try? FileManager.default.removeItem(atPath: reference) }
        for (index, step) in Self.steps.enumerated() {
            let results = try roots.map { try Self.run(step, root: $0, script: script) }
            // An empty answer means the script itself failed: never take two failures for agreement.
            #expect(!results[1].isEmpty, "step \(index) \(step.operation): no answer on tmpfs")
            #expect(
                results[0] == results[1],
                "step \(index) \(step.operation) as \(step.caller.uid): mount \(results[0]), tmpfs \(results[1])"
            )
        }
    }
}
