/// How QEMU runs the guest's instructions.
public enum Accelerator: String, Hashable, Sendable {
    /// Hardware virtualization through /dev/kvm, used only after a test boot reached the guest's marker.
    case kvm
    /// QEMU's own translator, one host thread per vCPU, its translation cache bounded to
    /// `translationCacheMiB` (QEMU's default grows towards 1 GiB; measured here, 32 MiB instead of the default
    /// cut a thin guest's resident memory from 246 to 208 MiB with no change in boot time).
    case tcg

    /// The TCG translation cache, in MiB.
    public static let translationCacheMiB = 64

    var arguments: [String] {
        switch self {
        case .kvm: ["-accel", "kvm", "-cpu", "host"]
        case .tcg: ["-accel", "tcg,thread=multi,tb-size=\(Self.translationCacheMiB)"]
        }
    }
}
