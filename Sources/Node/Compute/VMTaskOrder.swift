import Market

/// What `zenfs task publish --vm …` asks the node to publish: the machine, the lease, how often it pays, the most
/// it pays per unit, the key the guest lets in, and how many machines it wants.
public struct VMTaskOrder: Codable, Sendable, Equatable {
    public var resources: VMResources
    public var leaseSeconds: Int64
    public var payoutIntervalSeconds: Int64
    public var maximumRates: VMRates
    /// The OpenSSH public key line the guest's root account accepts.
    public var guestKey: String
    public var machines: Int

    public init(
        resources: VMResources,
        leaseSeconds: Int64,
        payoutIntervalSeconds: Int64,
        maximumRates: VMRates,
        guestKey: String,
        machines: Int
    ) {
        self.resources = resources
        self.leaseSeconds = leaseSeconds
        self.payoutIntervalSeconds = payoutIntervalSeconds
        self.maximumRates = maximumRates
        self.guestKey = guestKey
        self.machines = machines
    }
}

/// A request of the `zenfs task` and `zenfs vm` commands to the running node.
public enum ComputeRequest: Codable, Sendable {
    /// Publishes a VM task; answers with its id.
    case publish(VMTaskOrder)
    /// Every VM lease of this node, both roles.
    case leases
    /// Ends a published task: every node renting for it stops its VM and is paid its last usage.
    case cancel(task: String)
    /// Stops a VM this node runs for a publisher (billing its last usage).
    case stop(task: String)
    /// The serial console of a VM this node runs.
    case console(task: String)
}

/// The node's answer to a `ComputeRequest`.
public struct ComputeResponse: Codable, Sendable {
    public var task: String?
    public var leases: [VMLeaseRecord]?
    public var text: String?

    public init(task: String? = nil, leases: [VMLeaseRecord]? = nil, text: String? = nil) {
        self.task = task
        self.leases = leases
        self.text = text
    }
}
