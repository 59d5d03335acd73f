/// The virtual-machine requirements of a task (the RFC's Task Details, item 2); every field is optional.
public struct VMRequirements: Hashable, Sendable {
    /// Acceptable operating systems, in the publisher's order of preference.
    public var operatingSystems: [String] = []
    public var minimumBandwidthKbps: UInt32?
    public var minimumStorageMiB: UInt32?
    /// Storage performance, in I/O operations per second.
    public var minimumStorageIOPS: UInt32?
    public var persistentStorageMiB: UInt32?
    /// Acceptable (cores, MHz per core) choices.
    public var coreChoices: [CoreChoice] = []
    public var memoryPerCoreMiB: UInt32?
    public var memorySpeedMHz: UInt32?

    public struct CoreChoice: Hashable, Sendable {
        public let cores: UInt16
        public let megahertz: UInt32

        public init(cores: UInt16, megahertz: UInt32) {
            self.cores = cores
            self.megahertz = megahertz
        }
    }

    public init() {}
}

/// The storage side of a task offer (beyond the RFC's fields, which describe machines): how much one holder is
/// asked to keep, how many holders the publisher wants, and the most it pays for storage and for each direction of
/// transfer. Prices are in Zencoin units: per GiB (2^30 bytes) kept for a month (30 days), and per GiB moved.
public struct StorageTerms: Hashable, Sendable {
    /// The most bytes one holder is asked to keep.
    public var bytesPerHolder: UInt64
    /// How many distinct holders keep each part.
    public var replicas: UInt16
    /// The most the publisher pays for a GiB kept for 30 days.
    public var storagePricePerGiBMonth: Amount
    /// The most the publisher pays for a GiB it sends to a holder.
    public var uploadPricePerGiB: Amount
    /// The most a reader pays for a GiB a holder sends it.
    public var downloadPricePerGiB: Amount

    public init(
        bytesPerHolder: UInt64,
        replicas: UInt16,
        storagePricePerGiBMonth: Amount,
        uploadPricePerGiB: Amount,
        downloadPricePerGiB: Amount
    ) {
        self.bytesPerHolder = bytesPerHolder
        self.replicas = replicas
        self.storagePricePerGiBMonth = storagePricePerGiBMonth
        self.uploadPricePerGiB = uploadPricePerGiB
        self.downloadPricePerGiB = downloadPricePerGiB
    }
}

/// The virtual-machine side of a task offer (beyond the RFC's fields, which say what the machine needs): the most
/// the publisher pays per core-hour, per GiB-hour of memory, per GiB-month (30 days) of disk and per GiB of
/// traffic, in Zencoin units; where the publisher's tunnel server listens and the host key nodes pin there; and the
/// SSH public key the guest lets in.
public struct VMTerms: Hashable, Sendable {
    public var coreHourPrice: Amount
    public var memoryGiBHourPrice: Amount
    public var diskGiBMonthPrice: Amount
    public var trafficGiBPrice: Amount
    /// HOST:PORT of the publisher's SSH tunnel server.
    public var tunnelAddress: String
    /// The tunnel server's host key, an OpenSSH public key line.
    public var tunnelHostKey: String
    /// The OpenSSH public key line the guest's root account accepts.
    public var guestKey: String

    public init(
        coreHourPrice: Amount,
        memoryGiBHourPrice: Amount,
        diskGiBMonthPrice: Amount,
        trafficGiBPrice: Amount,
        tunnelAddress: String,
        tunnelHostKey: String,
        guestKey: String
    ) {
        self.coreHourPrice = coreHourPrice
        self.memoryGiBHourPrice = memoryGiBHourPrice
        self.diskGiBMonthPrice = diskGiBMonthPrice
        self.trafficGiBPrice = trafficGiBPrice
        self.tunnelAddress = tunnelAddress
        self.tunnelHostKey = tunnelHostKey
        self.guestKey = guestKey
    }
}

/// A publisher's task offer (the RFC's Task Details 1–10; its nonce is the envelope's work nonce).
public struct TaskOffer: Hashable, Sendable {
    /// 1. The task id, chosen by the publisher.
    public var taskID: [UInt8]
    /// 2. What each virtual machine needs.
    public var requirements: VMRequirements
    /// 3. The fewest such machines wanted network-wide.
    public var minimumMachines: UInt32
    /// 4. The address nodes connect to (IPv4 or IPv6 literal, with port).
    public var connectAddress: String
    /// 5. Preferred lease time, in seconds.
    public var leaseSeconds: ClosedRange<UInt32>
    /// 6. Seconds between payouts; negative: the publisher pays in advance.
    public var payoutIntervalSeconds: Int32
    /// 7. Rate per unit (per MB of memory, GHz of computing, …), in Zencoin units.
    public var ratePerUnit: Amount
    /// 9. How many blocks nodes have to accept.
    public var acceptanceWindowBlocks: UInt32
    /// 10. Where the publisher tells more (a short URL).
    public var informationURL: String
    /// The work the publisher demands from acceptances (stricter than the network's), if any.
    public var requiredAcceptanceBits: UInt32?
    /// What a storage task asks of each holder and the most it pays; nil for a VM task.
    public var storage: StorageTerms?
    /// What a VM task pays at most and how its machines are reached; nil for a storage task.
    public var vm: VMTerms?

    public init(
        taskID: [UInt8],
        requirements: VMRequirements,
        minimumMachines: UInt32,
        connectAddress: String,
        leaseSeconds: ClosedRange<UInt32>,
        payoutIntervalSeconds: Int32,
        ratePerUnit: Amount,
        acceptanceWindowBlocks: UInt32,
        informationURL: String,
        requiredAcceptanceBits: UInt32? = nil,
        storage: StorageTerms? = nil,
        vm: VMTerms? = nil
    ) {
        self.taskID = taskID
        self.requirements = requirements
        self.minimumMachines = minimumMachines
        self.connectAddress = connectAddress
        self.leaseSeconds = leaseSeconds
        self.payoutIntervalSeconds = payoutIntervalSeconds
        self.ratePerUnit = ratePerUnit
        self.acceptanceWindowBlocks = acceptanceWindowBlocks
        self.informationURL = informationURL
        self.requiredAcceptanceBits = requiredAcceptanceBits
        self.storage = storage
        self.vm = vm
    }
}

/// What an announcement says.
public enum AnnouncementBody: Hashable, Sendable {
    /// A publisher offers a task.
    case task(TaskOffer)
    /// A node accepts a task (by the id of the task announcement's transaction).
    case acceptance(task: Hash256)
    /// The publisher withdraws a task.
    case cancel(task: Hash256)
    /// A Periodic-Proof-of-Storage task: verify the storage of the content of this metainfo hash.
    case proofOfStorage(metainfo: [UInt8], rewardPerCheck: Amount)

    /// Which of the network's announcement work targets applies.
    public var kindName: String {
        switch self {
        case .task: "task"
        case .acceptance: "acceptance"
        case .cancel: "cancel"
        case .proofOfStorage: "proof-of-storage"
        }
    }
}

/// An announcement as it travels in a transaction: the issuer's mined identity, the body, how many blocks it
/// lives, a nonce that makes the whole meet the announcement work target, and the issuer's signature.
public struct SignedAnnouncement: Hashable, Sendable {
    public var issuer: MinedIdentity
    public var body: AnnouncementBody
    /// Blocks after its inclusion at which the chain prunes it.
    public var timeoutBlocks: UInt32
    public var workNonce: UInt64
    public var signature: Signature?

    public init(issuer: MinedIdentity, body: AnnouncementBody, timeoutBlocks: UInt32, workNonce: UInt64 = 0) {
        self.issuer = issuer
        self.body = body
        self.timeoutBlocks = timeoutBlocks
        self.workNonce = workNonce
    }

    /// The hash the work target judges: SHA-256d of the announcement without its signature.
    public var workHash: Hash256 { Transaction.announcement(self).id }

    /// Searches nonces until the work hash meets `target`.
    public mutating func mine(target: CompactTarget, attempts: UInt64 = .max) -> Bool {
        var tried: UInt64 = 0
        while tried < attempts {
            if target.isMet(by: workHash) { return true }
            workNonce &+= 1
            tried += 1
        }
        return false
    }

    /// Signs the announcement with the issuer's key (after mining: the signature does not change the work hash).
    public mutating func sign(with key: PrivateKey) throws(KeyError) {
        signature = try key.sign(Transaction.announcement(self).signatureHash(input: 0))
    }
}
