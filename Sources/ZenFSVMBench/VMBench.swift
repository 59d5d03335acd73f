import Foundation
import NIOPosix
import VMHost

/// The measurements behind `scripts/bench vm`: boot to SSH, QEMU's memory beyond the guest's RAM, the guest's
/// CPU use under a quota against the quota, and bytes into the guest over SSH through the node-to-publisher
/// tunnel against QEMU's plain forward. Prints `key value` lines for the script to read.
@main
struct VMBench {
    static func main() async throws {
        var rounds = 3
        var cache = "/tmp/zenfs-vm-cache"
        var work = NSTemporaryDirectory() + "zenfs-vm-bench-\(getpid())"
        var arguments = CommandLine.arguments.dropFirst()
        while let flag = arguments.popFirst() {
            switch flag {
            case "--rounds": rounds = Int(arguments.popFirst() ?? "") ?? rounds
            case "--cache": cache = arguments.popFirst() ?? cache
            case "--work": work = arguments.popFirst() ?? work
            default:
                FileHandle.standardError.write(Data("unknown option \(flag)\n".utf8))
                exit(2)
            }
        }
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        chmod(work, 0o755)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let image = try ThinImageBuilder(configuration: .init(cacheDirectory: cache)).build()
        let verdict = AcceleratorProbe.choose(image: image, directory: work + "/probe")
        print("accelerator \(verdict.accelerator.rawValue)")
        let key = work + "/id_ed25519"
        try run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key])
        let publicKey = try String(contentsOfFile: key + ".pub", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        for round in 1...max(1, rounds) {
            let lease = VMLease(
                name: "bench-\(getpid())-\(round)",
                cores: 2,
                memoryMiB: 256,
                diskBytes: 64 << 20,
                sshPort: UInt16(20_000 + (getpid() % 10_000) + Int32(round)),
                authorizedKey: publicKey
            )
            let machine = try QEMUMachine.launch(
                image: image,
                lease: lease,
                directory: work + "/vm\(round)",
                options: LaunchOptions(accelerator: verdict.accelerator)
            )
            defer { if machine.isRunning { machine.kill() } }
            let started = Date()
            try machine.waitForSSH(timeout: 120)
            print("boot_to_ssh_seconds \(String(format: "%.2f", Date().timeIntervalSince(started)))")
            let reading = try machine.reading()
            print("qemu_own_resident_mib \(reading.qemuOwnResidentBytes >> 20)")
            print("qemu_resident_mib \(reading.residentBytes >> 20)")
            if let limits = machine.limits {
                // Both vCPUs spin for five seconds under a quota of one core; the CPU is sampled over the middle
                // two seconds, when the spinning has started and not yet stopped.
                try limits.setCPUQuota(millicores: 1_000)
                let spin = try start(
                    "ssh",
                    [
                        "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                        "-o", "LogLevel=ERROR", "-i", key, "-p", "\(lease.sshPort)", "root@127.0.0.1",
                        "(timeout 5 sh -c 'while :; do :; done' &); timeout 5 sh -c 'while :; do :; done'; echo spun",
                    ]
                )
                usleep(2_500_000)
                let before = (try limits.cpuNanoseconds(), Date())
                usleep(2_000_000)
                let used = Double(try limits.cpuNanoseconds() - before.0) / 1e9
                let elapsed = Date().timeIntervalSince(before.1)
                spin.waitUntilExit()
                try limits.setCPUQuota(millicores: UInt64(lease.cores) * 1_000)
                print("quota_cores 1.00")
                print("cpu_used_cores \(String(format: "%.3f", used / elapsed))")
            }
            try await measureTunnel(key: key, guestPort: Int(lease.sshPort), work: work)
            print("shutdown \(machine.shutdown(timeout: 20).rawValue)")
        }
    }

    /// Sends 16 MiB into the guest (`cat > /dev/null` over SSH) through QEMU's forward and through the tunnel.
    static func measureTunnel(key: String, guestPort: Int, work: String) async throws {
        let payload = work + "/payload"
        let size = 16 << 20
        if !FileManager.default.fileExists(atPath: payload) {
            _ = FileManager.default.createFile(atPath: payload, contents: Data((0..<size).map { UInt8($0 & 0xFF) }))
        }
        let group = MultiThreadedEventLoopGroup.singleton
        let nodeKey = TunnelKey()
        let publisher = try await PublisherTunnelServer.start(
            group: group,
            hostKey: TunnelKey(),
            nodeKey: nodeKey.publicKey
        )
        let tunnel = try await NodeTunnelClient.connect(
            group: group,
            host: "127.0.0.1",
            port: publisher.port,
            nodeKey: nodeKey,
            publisherHostKey: try TunnelKey.publicKey(openSSH: publisher.hostKey),
            guestPort: guestPort
        )
        for (name, port) in [("hostfwd", guestPort), ("tunnel", tunnel.forwardedPort)] {
            let started = Date()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "LogLevel=ERROR", "-i", key, "-p", "\(port)", "root@127.0.0.1", "cat > /dev/null",
            ]
            process.standardInput = FileHandle(forReadingAtPath: payload)
            try process.run()
            process.waitUntilExit()
            let seconds = Date().timeIntervalSince(started)
            print("\(name)_mb_per_second \(String(format: "%.2f", Double(size) / seconds / 1e6))")
        }
        await tunnel.close()
        await publisher.close()
    }

    static func start(_ tool: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func run(_ tool: String, _ arguments: [String]) throws {
        let process = try start(tool, arguments)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw VMHostError.commandFailed(command: tool, status: process.terminationStatus, output: "")
        }
    }
}
