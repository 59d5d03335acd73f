/// How QEMU runs the guest's instructions.
public enum Accelerator: String, Hashable, Sendable {
    /// Hardware virtualization through /dev/kvm, used only after a test boot reached the guest's marker.
    case kvm
    /// QEMU's own translator, one host thread per vCPU.
    case tcg

    var arguments: [String] {
        switch self {
        case .kvm: ["-accel", "kvm", "-cpu", "host"]
        case .tcg: ["-accel", "tcg,thread=multi"]
        }
    }
}
