import Chain
import Dispatch
import Foundation
import Glibc
import Logging
import Market
import NIOCore
import NIOSSH
import Synchronization
import VMHost
import ZenFS

/// The selling side of the VM market: watches the memory pool for VM task offers, chooses among those that fit
/// what is free with `VMOfferChooser` (profit per free resource, over the node's floors), announces acceptances
/// with proof-of-work, joins each publisher, boots the lease's QEMU once its channel is funded, dials the
/// publisher's tunnel server so the publisher reaches the guest, meters the guest every second, reports the
/// running usage every payout interval, checks every channel state against its own bill, stops the VM of a
/// publisher more than an interval plus the grace behind, and closes the channel with the best state.
final class VMSellerService: Sendable {
    let settings: ComputeSettings
    let resources: VMResources
    let benchmark: NodeBenchmark
    let book: LeaseBook
    let link: MarketLink
    let chain: ChainManager
    let chainService: ChainService
    let identity: LocalIdentity
    let payee: PrivateKey
    let tunnelKey: TunnelKey
    let group: any EventLoopGroup
    let runDirectory: String
    let imageCache: String
    let clock: MarketClock
    let logger: Logger
    let queue = DispatchQueue(label: "zenfs.compute.seller")
    private let judged = Mutex<Set<Hash256>>([])
    private let machines = Mutex<[String: RunningVM]>([:])
    private let booting = Mutex<Set<String>>([])
    private let publishers = Mutex<[String: ConnectionID]>([:])
    private let watches = Mutex<[String: PaymentWatch]>([:])
    private let lastReport = Mutex<[String: Int64]>([:])
    private let preparing = Mutex<Void>(())

    init(
        settings: ComputeSettings,
        resources: VMResources,
        benchmark: NodeBenchmark,
        book: LeaseBook,
        link: MarketLink,
        chain: ChainManager,
        chainService: ChainService,
        identity: LocalIdentity,
        payee: PrivateKey,
        tunnelKey: TunnelKey,
        group: any EventLoopGroup,
        runDirectory: String,
        imageCache: String,
        clock: @escaping MarketClock,
        logger: Logger
    ) {
        self.settings = settings
        self.resources = resources
        self.benchmark = benchmark
        self.book = book
        self.link = link
        self.chain = chain
        self.chainService = chainService
        self.identity = identity
        self.payee = payee
        self.tunnelKey = tunnelKey
        self.group = group
        self.runDirectory = runDirectory
        self.imageCache = imageCache
        self.clock = clock
        self.logger = logger
        // A lease that was running when the node stopped has lost its VM: it ends now, billed what was metered,
        // and its channel is closed with the best state once the last usage is paid or the grace is over.
        let now = clock()
        for var record in book.all where record.role == .seller && record.state == .running {
            record.state = .ending
            record.stoppedAt = now
            record.note = "the node restarted while the VM ran"
            book.save(record)
        }
    }

    var leases: [VMLeaseRecord] { book.all.filter { $0.role == .seller } }

    /// The resources not taken by a live lease.
    var free: VMResources {
        leases.filter { $0.state == .accepted || $0.state == .running || $0.state == .ending }
            .reduce(resources) { $0.subtracting($1.resources) }
    }

    /// One round: new offers judged, running VMs metered and reported, late payers stopped, ended leases closed.
    func tick() {
        queue.sync {
            judgeNewOffers()
            maintain()
        }
    }

    // MARK: Choosing offers

    /// The size a VM offer asks for (RFC fields 2.5 cores, 2.6 memory per core, 2.2 storage), or nil.
    static func wantedResources(of offer: TaskOffer) -> VMResources? {
        guard let choice = offer.requirements.coreChoices.first, choice.cores > 0,
            let memoryPerCore = offer.requirements.memoryPerCoreMiB
        else { return nil }
        return VMResources(
            cores: UInt32(choice.cores),
            memoryBytes: UInt64(memoryPerCore) * UInt64(choice.cores) << 20,
            diskBytes: UInt64(offer.requirements.minimumStorageMiB ?? 0) << 20
        )
    }

    private func judgeNewOffers() {
        var fresh: [(Hash256, TaskOffer, MinedIdentity, VMResources)] = []
        for (id, live) in chain.poolState.announcements {
            guard case .task(let offer) = live.announcement.body, offer.vm != nil,
                live.announcement.issuer.publicKey != identity.identity.publicKey,
                judged.withLock({ $0.insert(id).inserted })
            else { continue }
            guard
                book.record(
                    role: .seller,
                    task: id.description,
                    peerKey: live.announcement.issuer.publicKey.description
                ) == nil
            else { continue }
            guard let wanted = Self.wantedResources(of: offer) else {
                logger.info("refused VM task \(id.description.prefix(16)): it names no cores or memory per core")
                continue
            }
            if let megahertz = offer.requirements.coreChoices.first?.megahertz, megahertz > 0,
                benchmark.megahertz > 0, UInt32(benchmark.megahertz) < megahertz
            {
                logger.info(
                    "refused VM task \(id.description.prefix(16)): it wants \(megahertz) MHz, this node has \(benchmark.megahertz)"
                )
                continue
            }
            fresh.append((id, offer, live.announcement.issuer, wanted))
        }
        guard !fresh.isEmpty else { return }
        let available = free
        let offers = fresh.map { id, offer, _, wanted in
            VMOffer(id: id.description, resources: wanted, rates: Self.maximumRates(offer))
        }
        let chosen = Set(VMOfferChooser.choose(offers, free: available, floor: settings.floors))
        for (id, offer, publisher, wanted) in fresh {
            guard chosen.contains(id.description) else {
                let rates = Self.maximumRates(offer)
                let why =
                    !rates.meets(settings.floors)
                    ? "its rates are under this node's floors" : "it does not fit in what is free (\(available))"
                logger.info("refused VM task \(id.description.prefix(16)) (\(wanted)): \(why)")
                continue
            }
            accept(task: id, offer: offer, publisher: publisher, wanted: wanted)
        }
    }

    static func maximumRates(_ offer: TaskOffer) -> VMRates {
        guard let vm = offer.vm else { return .free }
        return VMRates(
            perCoreHour: vm.coreHourPrice,
            perMemoryGiBHour: vm.memoryGiBHourPrice,
            perDiskGiBMonth: vm.diskGiBMonthPrice,
            perTrafficGiB: vm.trafficGiBPrice
        )
    }

    private func accept(task: Hash256, offer: TaskOffer, publisher: MinedIdentity, wanted: VMResources) {
        var target = chain.network.chain.acceptanceTarget
        if let bits = offer.requiredAcceptanceBits, let stricter = CompactTarget(bits: bits),
            stricter.value < target.value
        {
            target = stricter
        }
        var acceptance = SignedAnnouncement(
            issuer: identity.identity,
            body: .acceptance(task: task),
            timeoutBlocks: max(2, offer.acceptanceWindowBlocks)
        )
        do {
            guard acceptance.mine(target: target, attempts: 1 << 26) else {
                logger.warning("no acceptance nonce met the target for VM task \(task)")
                return
            }
            try acceptance.sign(with: identity.privateKey)
            try chainService.submit(.announcement(acceptance))
        } catch {
            logger.warning("cannot announce the acceptance of VM task \(task): \(error)")
            return
        }
        let now = clock()
        let lease = Int64(offer.leaseSeconds.upperBound)
        let record = VMLeaseRecord(
            role: .seller,
            task: task.description,
            peerKey: publisher.publicKey.description,
            peerAddress: offer.connectAddress,
            state: .accepted,
            resources: wanted,
            rates: settings.floors,
            payoutInterval: max(1, Int64(abs(offer.payoutIntervalSeconds))),
            createdAt: now,
            endsAt: now + lease,
            acceptance: Transaction.announcement(acceptance).id.description,
            tunnelKey: offer.vm?.tunnelHostKey,
            guestKey: offer.vm?.guestKey,
            tunnelAddress: offer.vm?.tunnelAddress,
            payee: payee.publicKey.description
        )
        book.save(record)
        logger.info("accepted VM task \(task.description.prefix(16)) (\(wanted)) from \(offer.connectAddress)")
        join(record, acceptance: Transaction.announcement(acceptance))
    }

    private func join(_ record: VMLeaseRecord, acceptance: Transaction? = nil) {
        guard let address = PeerAddress(parsing: record.peerAddress) else { return }
        var message = ComputeMessage(.join, task: record.task)
        message.acceptance = record.acceptance
        message.payee = payee.publicKey.description
        message.rates = record.rates
        message.resources = record.resources
        message.tunnelKey = tunnelKey.openSSHPublicKey
        let network = link.network
        Task { [self] in
            do {
                let id = try await network.connect(to: address)
                guard link.identityKey(of: id)?.description == record.peerKey else {
                    logger.warning("the node at \(address) is not the publisher of VM task \(record.task.prefix(16))")
                    return
                }
                publishers.withLock { $0[record.peerKey] = id }
                if let acceptance { network.send(.transaction(acceptance.encoded), to: id) }
                network.send(.market(message.encoded()), to: id)
            } catch {
                logger.info("cannot reach the publisher of VM task \(record.task.prefix(16)) at \(address): \(error)")
            }
        }
    }

    private func send(_ message: ComputeMessage, to peerKey: String) {
        guard let id = publishers.withLock({ $0[peerKey] }) else { return }
        link.network.send(.market(message.encoded()), to: id)
    }

    // MARK: Running leases

    private func maintain() {
        let now = clock()
        for var record in leases {
            switch record.state {
            case .accepted:
                if record.channel != nil {
                    startIfFunded(&record, now: now)
                } else if now - record.createdAt > 600 {
                    record.state = .closed
                    record.note = "never funded"
                    book.save(record)
                }
            case .running:
                guard let vm = machines.withLock({ $0[record.task] }) else { continue }
                let usage = vm.record(at: now)
                record.usage = usage
                record.billedUnits = record.rates.charge(for: usage).units
                let owed = Amount(units: record.billedUnits)
                let late = watches.withLock { table -> Bool in
                    var watch =
                        table[record.task]
                        ?? PaymentWatch(intervalSeconds: record.payoutInterval, slack: settings.payoutTolerance)
                    let wasDue = watch.dueSince != nil
                    watch.observe(paid: Amount(units: record.paidUnits), owed: owed, now: now)
                    table[record.task] = watch
                    if !wasDue, watch.dueSince != nil {
                        logger.debug(
                            "the publisher of VM task \(record.task.prefix(16)) is behind: paid \(Amount(units: record.paidUnits)) ZEN of \(owed) billed"
                        )
                    }
                    return watch.isLate(now: now, graceSeconds: settings.graceSeconds)
                }
                if late {
                    logger.warning(
                        "publisher \(record.peerKey.prefix(16)) is more than one interval late: stopping the VM of task \(record.task.prefix(16))"
                    )
                    stop(&record, now: now, state: .cutOff)
                    close(&record, reason: "payment late")
                } else if now >= record.endsAt {
                    stop(&record, now: now, state: .ending)
                } else if now - (lastReport.withLock { $0[record.task] } ?? record.startedAt ?? now)
                    >= record.payoutInterval
                {
                    report(record, final: false, now: now)
                    book.save(record)
                } else {
                    book.save(record)
                }
            case .ending:
                let paid = record.paidUnits + settings.payoutTolerance.units >= record.billedUnits
                if paid || now - (record.stoppedAt ?? now) > record.payoutInterval + settings.graceSeconds {
                    close(&record, reason: paid ? "lease over" : "the last payment did not come")
                } else if now - (lastReport.withLock { $0[record.task] } ?? 0) >= 2 {
                    report(record, final: true, now: now)
                }
            case .cutOff:
                close(&record, reason: "payment late")
            case .closed:
                break
            }
        }
    }

    private func report(_ record: VMLeaseRecord, final: Bool, now: Int64) {
        var message = ComputeMessage(.usage, task: record.task)
        message.usage = record.usage
        message.final = final
        send(message, to: record.peerKey)
        lastReport.withLock { $0[record.task] = now }
    }

    private func startIfFunded(_ record: inout VMLeaseRecord, now: Int64) {
        guard let channel = record.channelOutPoint, let terms = record.channelTerms,
            let unspent = chain.poolState.unspent[channel], unspent.output.lock == .channel(terms),
            unspent.output.amount.units == record.funding,
            booting.withLock({ $0.insert(record.task).inserted })
        else { return }
        record.note = "booting"
        book.save(record)
        let lease = record
        DispatchQueue.global().async { [self] in
            defer { _ = booting.withLock { $0.remove(lease.task) } }
            do {
                let vm = try boot(lease)
                queue.async { [self] in
                    guard var current = book.record(role: .seller, task: lease.task, peerKey: lease.peerKey),
                        current.state == .accepted
                    else {
                        _ = vm.machine.shutdown(timeout: 5)
                        return
                    }
                    machines.withLock { $0[lease.task] = vm }
                    current.state = .running
                    current.startedAt = clock()
                    current.note = nil
                    book.save(current)
                    lastReport.withLock { $0[lease.task] = current.startedAt }
                    logger.info("VM of task \(lease.task.prefix(16)) runs; the publisher reaches it through its tunnel")
                }
            } catch {
                logger.warning("cannot run the VM of task \(lease.task.prefix(16)): \(error)")
                queue.async { [self] in
                    guard var current = book.record(role: .seller, task: lease.task, peerKey: lease.peerKey) else {
                        return
                    }
                    current.note = "cannot run the VM: \(error)"
                    current.state = .closed
                    book.save(current)
                    var refusal = ComputeMessage(.refused, task: lease.task)
                    refusal.reason = "the node cannot run the VM: \(error)"
                    send(refusal, to: lease.peerKey)
                }
            }
        }
    }

    /// Builds (or finds) the image, launches QEMU, waits for the guest's SSH, dials the publisher's tunnel
    /// server and tells the publisher its port. Blocking; runs off the service's queue.
    private func boot(_ record: VMLeaseRecord) throws -> RunningVM {
        // The image cache and the accelerator probe are shared by every lease: one boot prepares them at a time.
        let (image, accelerator) = try preparing.withLock { _ in
            let image = try ThinImageBuilder(
                configuration: .init(cacheDirectory: imageCache, packageDirectories: settings.packageDirectories)
            ).build()
            return (image, AcceleratorProbe.choose(image: image, directory: runDirectory + "/probe").accelerator)
        }
        do {
            return try launch(record, image: image, accelerator: accelerator)
        } catch {
            // A guest that stopped while booting (seen once under heavy load) gets one more try.
            logger.warning("the VM of task \(record.task.prefix(16)) did not come up, trying once more: \(error)")
            return try launch(record, image: image, accelerator: accelerator)
        }
    }

    private func launch(_ record: VMLeaseRecord, image: ThinImage, accelerator: Accelerator) throws -> RunningVM {
        let name = "zenfs-" + record.task.prefix(12)
        let lease = VMLease(
            name: String(name),
            cores: Int(record.resources.cores),
            memoryMiB: Int(record.resources.memoryBytes >> 20),
            diskBytes: max(record.resources.diskBytes, 16 << 20),
            sshPort: try Self.freePort(),
            authorizedKey: record.guestKey ?? ""
        )
        let started = clock()
        let machine = try QEMUMachine.launch(
            image: image,
            lease: lease,
            directory: runDirectory + "/" + record.task.prefix(16),
            options: LaunchOptions(accelerator: accelerator, user: settings.user.isEmpty ? nil : settings.user)
        )
        do {
            try machine.waitForSSH(timeout: 180)
            let tunnel = try connectTunnel(record, guestPort: Int(lease.sshPort))
            var ready = ComputeMessage(.ready, task: record.task)
            ready.port = tunnel.forwardedPort
            send(ready, to: record.peerKey)
            return RunningVM(
                machine: machine,
                tunnel: tunnel,
                meter: VMMeter(
                    startingAt: started,
                    memoryBytes: record.resources.memoryBytes,
                    diskBytes: record.resources.diskBytes
                )
            )
        } catch {
            let console = machine.console.suffix(600)
            machine.kill()
            if !console.isEmpty { logger.info("the console of task \(record.task.prefix(16)) ended with: \(console)") }
            throw error
        }
    }

    private func connectTunnel(_ record: VMLeaseRecord, guestPort: Int) throws -> NodeTunnelClient {
        guard let address = record.tunnelAddress.flatMap(PeerAddress.init(parsing:)),
            let hostKey = record.tunnelKey
        else { throw VMHostError.tunnel("the offer names no tunnel address or host key") }
        let pinned = try TunnelKey.publicKey(openSSH: hostKey)
        let result = TunnelOutcome()
        let done = DispatchSemaphore(value: 0)
        let (group, key) = (self.group, tunnelKey)
        Task {
            do {
                let client = try await NodeTunnelClient.connect(
                    group: group,
                    host: address.host,
                    port: Int(address.port),
                    nodeKey: key,
                    publisherHostKey: pinned,
                    guestPort: guestPort
                )
                result.set(.success(client))
            } catch {
                result.set(.failure(error))
            }
            done.signal()
        }
        guard done.wait(timeout: .now() + 30) == .success, let outcome = result.value else {
            throw VMHostError.tunnel("the publisher's tunnel server at \(address) did not answer in 30 s")
        }
        return try outcome.get()
    }

    static func freePort() throws -> UInt16 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw VMHostError.tunnel("no socket for a free port") }
        defer { Glibc.close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(descriptor, raw, length) == 0 && getsockname(descriptor, raw, &length) == 0
            }
        }
        guard bound else { throw VMHostError.tunnel("cannot find a free loopback port") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Powers the VM off, takes its last reading, and reports the final usage.
    private func stop(_ record: inout VMLeaseRecord, now: Int64, state: VMLeaseRecord.State) {
        if let vm = machines.withLock({ $0.removeValue(forKey: record.task) }) {
            let usage = vm.record(at: now)
            _ = vm.machine.shutdown(timeout: 10)
            let tunnel = vm.tunnel.withLock { $0 }
            Task { await tunnel?.close() }
            record.usage = usage
            record.billedUnits = record.rates.charge(for: usage).units
        }
        record.state = state
        record.stoppedAt = now
        book.save(record)
        if state == .ending {
            report(record, final: true, now: now)
        } else {
            var refusal = ComputeMessage(.refused, task: record.task)
            refusal.reason = "payment fell more than an interval plus the grace behind: the VM was stopped"
            send(refusal, to: record.peerKey)
        }
        logger.info(
            "stopped the VM of task \(record.task.prefix(16)): \(Amount(units: record.billedUnits)) ZEN billed"
        )
    }

    /// Stops a lease on this node's side (`zenfs vm stop`).
    func stopLease(task: String) -> Bool {
        queue.sync {
            guard var record = leases.first(where: { $0.task.hasPrefix(task) && $0.state == .running }) else {
                return false
            }
            stop(&record, now: clock(), state: .ending)
            return true
        }
    }

    /// Closes the channel on chain with the best state.
    private func close(_ record: inout VMLeaseRecord, reason: String) {
        if record.closeTransaction == nil {
            do {
                if let transaction = try PayeeChannelClose.submit(
                    channel: record.channelOutPoint,
                    terms: record.channelTerms,
                    funding: record.funding,
                    stateAmount: record.stateAmount,
                    stateSignature: record.stateSignature,
                    closeFee: record.closeFee,
                    payee: payee,
                    through: chainService
                ) {
                    record.closeTransaction = transaction.id.description
                    logger.info(
                        "closed the channel of VM task \(record.task.prefix(16)) (\(reason)): \(Amount(units: record.paidUnits)) ZEN earned of \(Amount(units: record.billedUnits)) billed, transaction \(transaction.id)"
                    )
                }
            } catch {
                logger.warning("cannot close the channel of VM task \(record.task.prefix(16)) yet: \(error)")
                return
            }
        }
        record.state = .closed
        record.note = reason
        book.save(record)
    }

    /// Stops every VM (the node is stopping); leases stay recorded.
    func shutdownAll() {
        for vm in machines.withLock({ table in
            defer { table.removeAll() }
            return Array(table.values)
        }) {
            _ = vm.machine.shutdown(timeout: 5)
        }
    }

    // MARK: Messages from publishers

    func handle(_ message: ComputeMessage, from id: ConnectionID) {
        queue.async { [self] in
            guard let publisherKey = link.identityKey(of: id)?.description,
                var record = book.record(role: .seller, task: message.task, peerKey: publisherKey)
            else { return }
            publishers.withLock { $0[publisherKey] = id }
            switch message.kind {
            case .contract:
                guard record.state == .accepted, record.channel == nil else { return }
                guard message.channelOutPoint != nil, let funding = message.funding, let fee = message.closeFee,
                    funding >= fee, let payer = message.payer, VMLeaseRecord.key(payer) != nil,
                    let expiry = message.expiry, let endsAt = message.endsAt
                else {
                    link.complain(about: id, "a VM contract without usable channel terms")
                    return
                }
                record.channel = message.channel
                record.channelIndex = message.channelIndex
                record.payer = payer
                record.expiry = expiry
                record.funding = funding
                record.closeFee = fee
                record.endsAt = min(record.endsAt, endsAt)
                book.save(record)
                startIfFunded(&record, now: clock())
            case .payment:
                receivePayment(message, record: &record, from: id)
            case .end:
                if record.state == .running { stop(&record, now: clock(), state: .ending) }
            case .refused:
                logger.info(
                    "the publisher of VM task \(message.task.prefix(16)) refused this node: \(message.reason ?? "")"
                )
                if record.state == .accepted {
                    record.state = .closed
                    record.note = message.reason
                    book.save(record)
                }
            case .join, .ready, .usage, .paymentAccepted:
                break
            }
        }
    }

    private func receivePayment(_ message: ComputeMessage, record: inout VMLeaseRecord, from id: ConnectionID) {
        // A state that comes after the close (or the cut-off) pays nothing: the channel is spent or being spent.
        guard record.state == .running || record.state == .ending || record.state == .accepted else {
            link.complain(about: id, "a VM payment after the lease was \(record.state.rawValue)")
            return
        }
        guard let channel = record.channelOutPoint, let terms = record.channelTerms,
            let amount = message.amount.map(Amount.init(units:)), let signature = message.stateSignature,
            message.channelOutPoint == channel
        else {
            link.complain(about: id, "a VM payment for no known channel")
            return
        }
        var channelState = PayeeChannel(
            channel: channel,
            terms: terms,
            funding: Amount(units: record.funding),
            openedAt: record.startedAt ?? clock(),
            latestAmount: Amount(units: record.stateAmount),
            latestSignature: record.stateSignature.flatMap(Hex.decode).flatMap(Signature.init(bytes:))
        )
        do {
            try channelState.receive(amount: amount, signature: signature, now: clock())
        } catch {
            link.complain(about: id, "refused VM channel state: \(error)")
            return
        }
        record.stateAmount = amount.units
        record.stateSignature = Hex.encode(signature.bytes)
        record.lastPaidAt = clock()
        book.save(record)
        var accepted = ComputeMessage(.paymentAccepted, task: record.task)
        accepted.amount = amount.units
        send(accepted, to: record.peerKey)
    }
}

/// The outcome of a tunnel connection made on the event loops, handed to the thread that waits for it.
final class TunnelOutcome: Sendable {
    private let outcome = Mutex<Result<NodeTunnelClient, any Error>?>(nil)

    func set(_ value: Result<NodeTunnelClient, any Error>) { outcome.withLock { $0 = value } }

    var value: Result<NodeTunnelClient, any Error>? { outcome.withLock { $0 } }
}
