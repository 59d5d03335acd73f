import Foundation

/// Decides between KVM and TCG by booting the thin guest under KVM once: the presence of /dev/kvm proves nothing
/// (here it is a nested hypervisor on which a stock kernel fails), only a guest that reaches its ready marker
/// does. The answer is kept for the life of the process.
public enum AcceleratorProbe {
    /// The probe's result: the accelerator to use and why.
    public struct Verdict: Hashable, Sendable {
        public var accelerator: Accelerator
        public var reason: String
    }

    private static let cached = Locked<Verdict?>(nil)

    /// The accelerator leases should use; boots a probe VM in `directory` the first time (at most `timeout` s).
    public static func choose(image: ThinImage, directory: String, timeout: Double = 20) -> Verdict {
        if let verdict = cached.value { return verdict }
        let verdict = probe(image: image, directory: directory, timeout: timeout)
        cached.withLock { $0 = verdict }
        return verdict
    }

    static func probe(image: ThinImage, directory: String, timeout: Double) -> Verdict {
        guard FileManager.default.fileExists(atPath: "/dev/kvm") else {
            return Verdict(accelerator: .tcg, reason: "no /dev/kvm")
        }
        let lease = VMLease(
            name: "kvm-probe-\(getpid())",
            cores: 1,
            memoryMiB: 256,
            diskBytes: 1 << 20,
            sshPort: 65_000,
            authorizedKey: "ssh-ed25519 AAAAprobe probe",
            niceness: 0
        )
        let options = LaunchOptions(accelerator: .kvm, user: nil, applyCgroupLimits: false)
        do throws(VMHostError) {
            let machine = try QEMUMachine.launch(
                image: image,
                lease: lease,
                directory: directory,
                options: options,
                withNetworkAndDisk: false
            )
            defer { machine.kill() }
            try machine.waitForMarker(timeout: timeout)
            return Verdict(accelerator: .kvm, reason: "a KVM test boot reached the guest's marker")
        } catch {
            let firstLine = "\(error)".split(separator: "\n").first.map(String.init) ?? ""
            return Verdict(accelerator: .tcg, reason: "the KVM test boot failed, using TCG: \(firstLine)")
        }
    }
}
