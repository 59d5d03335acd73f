import Market
import Synchronization
import VMHost

/// A booted lease on the selling node: its QEMU, the tunnel that carries the publisher to the guest, and the
/// meter fed from both every second.
final class RunningVM: Sendable {
    let machine: QEMUMachine
    let tunnel: Mutex<NodeTunnelClient?>
    let meter: Mutex<VMMeter>

    init(machine: QEMUMachine, tunnel: NodeTunnelClient?, meter: VMMeter) {
        self.machine = machine
        self.tunnel = Mutex(tunnel)
        self.meter = Mutex(meter)
    }

    /// Reads the guest's CPU time and the tunnel's bytes into the meter at `now`; the usage so far.
    @discardableResult
    func record(at now: Int64) -> VMUsage {
        let cpu = (try? machine.reading())?.cpuNanoseconds
        let traffic = tunnel.withLock { $0?.trafficBytes } ?? 0
        return meter.withLock { meter in
            if let cpu {
                meter.record(cpuNanoseconds: cpu, trafficBytes: traffic, at: now)
            } else {
                meter.advance(to: now)
            }
            return meter.usage
        }
    }
}
