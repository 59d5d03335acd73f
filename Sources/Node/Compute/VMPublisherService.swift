import Chain
import Dispatch
import Foundation
import Logging
import Market
import NIOCore
import NIOSSH
import Synchronization
import VMHost
import ZenFS

/// The renting side of the VM market: for `zenfs task publish --vm …`, runs the SSH tunnel server nodes dial,
/// announces the VM task (RFC fields 2.2, 2.5, 2.6 and the VM terms), takes the joins of nodes whose acceptance is
/// on chain and whose prices are within the offer, funds one channel per node, lets that node's tunnel key in,
/// records the loopback port that reaches its guest, and pays each usage report at the agreed rates after
/// checking it is possible for the lease's size and time. `zenfs task cancel` ends the task.
final class VMPublisherService: Sendable {
    let book: LeaseBook
    let link: MarketLink
    let chain: ChainManager
    let chainService: ChainService
    let identity: LocalIdentity
    let keys: [PrivateKey]
    var payer: PrivateKey { keys[0] }
    let advertised: PeerAddress
    let group: any EventLoopGroup
    let hostKey: TunnelKey
    let clock: MarketClock
    let logger: Logger
    let queue = DispatchQueue(label: "zenfs.compute.publisher")
    static let fee = Wallet.fee
    private let server = Mutex<PublisherTunnelServer?>(nil)
    /// Tunnel keys of nodes whose join was taken (OpenSSH lines).
    private let allowed = Mutex<Set<String>>([])
    private let orders = Mutex<[String: VMTaskOrder]>([:])
    private let nodes = Mutex<[String: ConnectionID]>([:])

    init(
        book: LeaseBook,
        link: MarketLink,
        chain: ChainManager,
        chainService: ChainService,
        identity: LocalIdentity,
        keys: [PrivateKey],
        advertised: PeerAddress,
        group: any EventLoopGroup,
        hostKey: TunnelKey,
        clock: @escaping MarketClock,
        logger: Logger
    ) {
        self.book = book
        self.link = link
        self.chain = chain
        self.chainService = chainService
        self.identity = identity
        self.keys = keys
        self.advertised = advertised
        self.group = group
        self.hostKey = hostKey
        self.clock = clock
        self.logger = logger
        for record in book.all where record.role == .publisher && record.state == .running {
            if let key = record.tunnelKey { allowed.withLock { _ = $0.insert(key) } }
        }
    }

    /// The tunnel server, started on first use.
    private func tunnelServer() async throws -> PublisherTunnelServer {
        if let running = server.withLock({ $0 }) { return running }
        let started = try await PublisherTunnelServer.start(
            group: group,
            hostKey: hostKey,
            allowing: { [weak self] key in
                self?.allowed.withLock { $0.contains(String(openSSHPublicKey: key)) } ?? false
            }
        )
        server.withLock { $0 = started }
        logger.info("VM tunnel server listening on 127.0.0.1:\(started.port)")
        return started
    }

    /// Announces a VM task for `order`; returns the task's id.
    func publish(_ order: VMTaskOrder) async throws -> String {
        guard order.resources.cores > 0, order.resources.cores <= UInt32(UInt16.max),
            order.resources.memoryBytes >= 128 << 20
        else { throw VMTaskError.badOrder("a VM needs at least one core and 128 MiB of memory") }
        guard order.leaseSeconds > 0, order.payoutIntervalSeconds > 0 else {
            throw VMTaskError.badOrder("the lease and the payout interval must be positive")
        }
        let keyFields = order.guestKey.split(separator: " ")
        guard keyFields.count >= 2, keyFields[0].hasPrefix("ssh-") || keyFields[0].hasPrefix("ecdsa-"),
            !order.guestKey.contains("\n"), order.guestKey.utf8.count <= 2048
        else {
            throw VMTaskError.badOrder(
                "the SSH key must be one OpenSSH public key line, such as 'ssh-ed25519 AAAA… name'"
            )
        }
        let available = Amount(units: spendable().reduce(0) { $0 + $1.1.amount.units })
        let worst = Self.funding(order.resources, rates: order.maximumRates, seconds: order.leaseSeconds)
        let needed = Amount(units: (worst.units + Self.fee.units) * Int64(max(1, order.machines)) + Self.fee.units)
        guard available >= needed else { throw VMTaskError.walletTooSmall(available: available, needed: needed) }
        let server = try await tunnelServer()
        var requirements = VMRequirements()
        requirements.coreChoices = [VMRequirements.CoreChoice(cores: UInt16(order.resources.cores), megahertz: 0)]
        requirements.memoryPerCoreMiB = UInt32(
            clamping: (order.resources.memoryBytes >> 20) / UInt64(order.resources.cores)
        )
        requirements.minimumStorageMiB = UInt32(clamping: order.resources.diskBytes >> 20)
        var taskID = [UInt8](repeating: 0, count: 16)
        for index in taskID.indices { taskID[index] = UInt8.random(in: 0...255) }
        let lease = UInt32(clamping: order.leaseSeconds)
        let offer = TaskOffer(
            taskID: taskID,
            requirements: requirements,
            minimumMachines: UInt32(max(1, order.machines)),
            connectAddress: advertised.description,
            leaseSeconds: lease...lease,
            payoutIntervalSeconds: Int32(clamping: order.payoutIntervalSeconds),
            ratePerUnit: Amount(units: 0),
            acceptanceWindowBlocks: 10,
            informationURL: "",
            vm: VMTerms(
                coreHourPrice: order.maximumRates.perCoreHour,
                memoryGiBHourPrice: order.maximumRates.perMemoryGiBHour,
                diskGiBMonthPrice: order.maximumRates.perDiskGiBMonth,
                trafficGiBPrice: order.maximumRates.perTrafficGiB,
                tunnelAddress: "127.0.0.1:\(server.port)",
                tunnelHostKey: server.hostKey,
                guestKey: order.guestKey
            )
        )
        var announcement = SignedAnnouncement(issuer: identity.identity, body: .task(offer), timeoutBlocks: 60)
        var target = chain.network.chain.taskTarget
        if let stricter = chain.minimumTaskTarget, stricter.value < target.value { target = stricter }
        guard announcement.mine(target: target, attempts: 1 << 26) else {
            throw VMTaskError.cannotAnnounce("no nonce met the task work target")
        }
        do {
            try announcement.sign(with: identity.privateKey)
            try chainService.submit(.announcement(announcement))
        } catch {
            throw VMTaskError.cannotAnnounce("\(error)")
        }
        let id = Transaction.announcement(announcement).id.description
        orders.withLock { $0[id] = order }
        let now = clock()
        book.save(
            VMLeaseRecord(
                role: .publisher,
                task: id,
                peerKey: "",
                peerAddress: "",
                state: .accepted,
                resources: order.resources,
                rates: order.maximumRates,
                payoutInterval: order.payoutIntervalSeconds,
                createdAt: now,
                endsAt: now + order.leaseSeconds,
                guestKey: order.guestKey
            )
        )
        logger.info("offered VM task \(id.prefix(16)) (\(order.resources), \(order.leaseSeconds) s)")
        return id
    }

    /// The channel's funding for a lease: full use of every core, the memory and disk for the whole lease, a GiB
    /// of traffic, the close fee and a unit of slack.
    static func funding(_ resources: VMResources, rates: VMRates, seconds: Int64) -> Amount {
        let span = UInt64(max(0, seconds))
        let usage = VMUsage(
            cpuNanoseconds: UInt64(resources.cores) * span * VMRates.nanosecondsPerSecond,
            memoryByteSeconds: UInt128(resources.memoryBytes) * UInt128(span),
            diskByteSeconds: UInt128(resources.diskBytes) * UInt128(span),
            trafficBytes: VMRates.gibibyte
        )
        return rates.charge(for: usage) + fee + Amount(units: 1)
    }

    private func spendable() -> [(OutPoint, TransactionOutput, PrivateKey)] {
        let state = chain.poolState
        let next = UInt32(state.height + 1)
        let byAddress = Dictionary(keys.map { (Address(publicKey: $0.publicKey), $0) }, uniquingKeysWith: { a, _ in a })
        return state.unspent.compactMap { outpoint, unspent in
            guard case .address(let address) = unspent.output.lock, let key = byAddress[address] else { return nil }
            let mature =
                !unspent.isCoinbase || unspent.height == 0
                || next >= unspent.height + chain.network.chain.coinbaseMaturity
            return mature ? (outpoint, unspent.output, key) : nil
        }.sorted { $0.1.amount > $1.1.amount }
    }

    /// Ends a task: every node renting for it is told, stops its VM and sends its last usage.
    func cancel(task: String) throws -> String {
        let matching = book.all.filter { $0.role == .publisher && $0.task.hasPrefix(task) }
        guard let first = matching.first, task.count >= 8 else { throw VMTaskError.unknownTask(task) }
        for var record in matching where record.state == .accepted || record.state == .running {
            if !record.peerKey.isEmpty, let id = nodes.withLock({ $0[record.peerKey] }) {
                link.network.send(.market(ComputeMessage(.end, task: record.task).encoded()), to: id)
                record.state = .ending
            } else {
                record.state = .closed
            }
            book.save(record)
        }
        orders.withLock { _ = $0.removeValue(forKey: first.task) }
        return first.task
    }

    // MARK: Messages from nodes

    func handle(_ message: ComputeMessage, from id: ConnectionID) {
        queue.async { [self] in
            guard let nodeKey = link.identityKey(of: id) else { return }
            nodes.withLock { $0[nodeKey.description] = id }
            switch message.kind {
            case .join: receiveJoin(message, nodeKey: nodeKey, from: id, attempt: 0)
            case .ready:
                guard var record = book.record(role: .publisher, task: message.task, peerKey: nodeKey.description),
                    let port = message.port
                else { return }
                record.sshPort = port
                record.startedAt = clock()
                book.save(record)
                logger.info("VM of task \(message.task.prefix(16)) ready: ssh -p \(port) root@127.0.0.1")
            case .usage:
                guard var record = book.record(role: .publisher, task: message.task, peerKey: nodeKey.description),
                    let usage = message.usage
                else { return }
                pay(&record, usage: usage, final: message.final == true, to: id)
            case .refused:
                guard var record = book.record(role: .publisher, task: message.task, peerKey: nodeKey.description)
                else { return }
                record.note = message.reason
                record.state = .ending
                book.save(record)
            case .paymentAccepted, .end:
                if message.kind == .end,
                    var record = book.record(role: .publisher, task: message.task, peerKey: nodeKey.description),
                    record.state == .running
                {
                    record.state = .ending
                    book.save(record)
                }
            case .contract, .payment:
                break
            }
        }
    }

    private func refuse(_ task: String, _ reason: String, to id: ConnectionID) {
        var refusal = ComputeMessage(.refused, task: task)
        refusal.reason = reason
        link.network.send(.market(refusal.encoded()), to: id)
    }

    private func receiveJoin(_ message: ComputeMessage, nodeKey: PublicKey, from id: ConnectionID, attempt: Int) {
        if let existing = book.record(role: .publisher, task: message.task, peerKey: nodeKey.description),
            existing.channel != nil
        {
            sendContract(existing, to: id)
            return
        }
        guard let order = orders.withLock({ $0[message.task] }) else {
            refuse(message.task, "the task takes no more machines", to: id)
            return
        }
        let announcements = chain.poolState.announcements
        guard let taskHash = Hex.decode(message.task).flatMap(Hash256.init(bytes:)),
            let acceptanceHash = message.acceptance.flatMap(Hex.decode).flatMap(Hash256.init(bytes:)),
            let acceptance = announcements[acceptanceHash],
            case .acceptance(let accepted) = acceptance.announcement.body, accepted == taskHash,
            acceptance.announcement.issuer.publicKey == nodeKey
        else {
            if attempt < 20 {
                queue.asyncAfter(deadline: .now() + 0.5) {
                    self.receiveJoin(message, nodeKey: nodeKey, from: id, attempt: attempt + 1)
                }
                return
            }
            link.complain(about: id, "a VM join without a matching acceptance on chain")
            refuse(message.task, "no acceptance by this identity for the task on chain", to: id)
            return
        }
        guard let rates = message.rates, order.maximumRates.meets(rates), message.resources == order.resources,
            let payeeHex = message.payee, let payee = VMLeaseRecord.key(payeeHex), let tunnelKey = message.tunnelKey,
            (try? TunnelKey.publicKey(openSSH: tunnelKey)) != nil
        else {
            refuse(message.task, "the join's prices, size or keys do not match the offer", to: id)
            return
        }
        let taken = book.all.filter {
            $0.role == .publisher && $0.task == message.task && !$0.peerKey.isEmpty && $0.state != .closed
        }
        guard taken.count < max(1, order.machines) else {
            refuse(message.task, "enough machines accepted before this one", to: id)
            return
        }
        do {
            let record = try fund(
                task: message.task,
                order: order,
                rates: rates,
                payee: payee,
                nodeKey: nodeKey,
                tunnelKey: tunnelKey
            )
            allowed.withLock { _ = $0.insert(tunnelKey) }
            sendContract(record, to: id)
        } catch {
            logger.warning("cannot fund the channel of VM task \(message.task.prefix(16)): \(error)")
            refuse(message.task, "the publisher cannot fund the channel: \(error)", to: id)
        }
    }

    private func fund(
        task: String,
        order: VMTaskOrder,
        rates: VMRates,
        payee: PublicKey,
        nodeKey: PublicKey,
        tunnelKey: String
    ) throws -> VMLeaseRecord {
        let now = clock()
        let expiry = chain.expiryHeight(coveringSeconds: order.leaseSeconds + 4 * order.payoutIntervalSeconds + 120)
        let funding = Self.funding(order.resources, rates: rates, seconds: order.leaseSeconds)
        let terms = ChannelTerms(payer: payer.publicKey, payee: payee, expiry: expiry)
        let total = funding + Self.fee
        var chosen: [(OutPoint, PrivateKey)] = []
        var gathered = Amount(units: 0)
        for (outpoint, output, key) in spendable() where gathered < total {
            chosen.append((outpoint, key))
            gathered = gathered + output.amount
        }
        guard gathered >= total else { throw VMTaskError.walletTooSmall(available: gathered, needed: total) }
        var outputs = [TransactionOutput(amount: funding, lock: .channel(terms))]
        if gathered > total {
            outputs.append(
                TransactionOutput(amount: gathered - total, lock: .address(Address(publicKey: payer.publicKey)))
            )
        }
        let transaction = try Transaction.signedTransfer(spending: chosen, to: outputs)
        try chainService.submit(transaction)
        var record = VMLeaseRecord(
            role: .publisher,
            task: task,
            peerKey: nodeKey.description,
            peerAddress: "",
            state: .running,
            resources: order.resources,
            rates: rates,
            payoutInterval: order.payoutIntervalSeconds,
            createdAt: now,
            endsAt: now + order.leaseSeconds,
            tunnelKey: tunnelKey,
            guestKey: order.guestKey
        )
        record.channel = transaction.id.description
        record.channelIndex = 0
        record.expiry = expiry
        record.payer = payer.publicKey.description
        record.payee = payee.description
        record.funding = funding.units
        record.closeFee = Self.fee.units
        book.save(record)
        logger.info("funded the channel of VM task \(task.prefix(16)) with \(funding) ZEN in \(transaction.id)")
        return record
    }

    private func sendContract(_ record: VMLeaseRecord, to id: ConnectionID) {
        var contract = ComputeMessage(.contract, task: record.task)
        contract.channel = record.channel
        contract.channelIndex = record.channelIndex
        contract.payer = record.payer
        contract.expiry = record.expiry
        contract.funding = record.funding
        contract.closeFee = record.closeFee
        contract.interval = record.payoutInterval
        contract.endsAt = record.endsAt
        link.network.send(.market(contract.encoded()), to: id)
    }

    /// Pays a usage report: checked against what the lease's size allows in the time since it was funded, charged
    /// at the agreed rates, signed as the next channel state.
    private func pay(_ record: inout VMLeaseRecord, usage: VMUsage, final: Bool, to id: ConnectionID) {
        guard record.state == .running || record.state == .ending, let channel = record.channelOutPoint else { return }
        let elapsed = UInt64(max(1, clock() - record.createdAt + 2 * record.payoutInterval))
        let cores = UInt64(record.resources.cores)
        guard usage.cpuNanoseconds <= cores * elapsed * VMRates.nanosecondsPerSecond,
            usage.memoryByteSeconds <= UInt128(record.resources.memoryBytes) * UInt128(elapsed),
            usage.diskByteSeconds <= UInt128(record.resources.diskBytes) * UInt128(elapsed)
        else {
            logger.warning(
                "node \(record.peerKey.prefix(16)) reported impossible usage for task \(record.task.prefix(16)); not paid"
            )
            return
        }
        let charge = record.rates.charge(for: usage)
        var channelState = PayerChannel(
            channel: channel,
            funding: Amount(units: record.funding),
            closeFee: Amount(units: record.closeFee),
            signedAmount: Amount(units: record.stateAmount)
        )
        if case .sign(let amount, let exhausted) = channelState.decide(charge: charge) {
            do {
                let signature = try payer.signChannelState(channel: channel, payeeAmount: amount)
                channelState.signed(amount)
                record.stateAmount = amount.units
                record.stateSignature = Hex.encode(signature.bytes)
                if exhausted { logger.warning("the channel of VM task \(record.task.prefix(16)) is spent") }
            } catch {
                logger.warning("cannot sign a VM channel state: \(error)")
                return
            }
        }
        record.usage = usage
        record.billedUnits = charge.units
        if final { record.state = .closed }
        book.save(record)
        guard let signature = record.stateSignature else { return }
        var payment = ComputeMessage(.payment, task: record.task)
        payment.channel = record.channel
        payment.channelIndex = record.channelIndex
        payment.amount = record.stateAmount
        payment.signature = signature
        link.network.send(.market(payment.encoded()), to: id)
    }

    func stop() async {
        await server.withLock { $0 }?.close()
    }
}

/// Why a VM task could not be published or changed.
public enum VMTaskError: Error, CustomStringConvertible {
    case badOrder(String)
    case walletTooSmall(available: Amount, needed: Amount)
    case cannotAnnounce(String)
    case unknownTask(String)
    case notSelling

    public var description: String {
        switch self {
        case .badOrder(let why): "bad VM task: \(why)"
        case .walletTooSmall(let available, let needed):
            "the wallet holds \(available) ZEN spendable, the task may cost up to \(needed) ZEN: add coins or lower the lease or prices"
        case .cannotAnnounce(let why): "cannot announce the VM task: \(why)"
        case .unknownTask(let task):
            "no VM task or lease starts with '\(task)' (give at least 8 hex digits; see zenfs task list)"
        case .notSelling: "this node sells no VMs (start it with --sell-vm)"
        }
    }
}
