import Chain
import Foundation
import Glibc
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import ZenFS

/// Why a node could not start.
public enum NodeStartError: Error, CustomStringConvertible {
    case alreadyRunning(String)
    case cannotListen(PeerAddress, String)

    public var description: String {
        switch self {
        case .alreadyRunning(let directory):
            "a node already runs on \(directory); stop it first or use another --data-dir"
        case .cannotListen(let address, let reason): "cannot listen on \(address): \(reason)"
        }
    }
}

/// `zenfs node`: the daemon. Listens for peers, keeps its configured peers connected, answers discovery and
/// element requests, fetches on behalf of local commands through the control socket, and shuts down cleanly on
/// SIGINT or SIGTERM (through swift-service-lifecycle).
public final class ZenFSNode: Service, Sendable {
    public let configuration: NodeConfiguration
    public let data: DataDirectory
    public let network: PeerNetwork
    public let fetcher: ElementFetcher
    public let chain: ChainManager
    public let chainService: ChainService
    public let tracker: TrackerServer?
    public let seeder: BitTorrentSeeder?
    public let marketplace: Marketplace
    /// Periodic proof of storage, over the market.
    let proofs: ProofOfStorage
    public let compute: ComputeMarket
    private let trackerPort = Mutex<Int?>(nil)
    private let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    private let lockDescriptor: Int32
    private let started = Date()
    private let boundPort = Mutex<Int?>(nil)

    public init(configuration: NodeConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        data = try DataDirectory(path: configuration.dataDirectory)
        lockDescriptor = open(configuration.dataDirectory + "/node.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockDescriptor >= 0, flock(lockDescriptor, LOCK_EX | LOCK_NB) == 0 else {
            if lockDescriptor >= 0 { close(lockDescriptor) }
            throw NodeStartError.alreadyRunning(configuration.dataDirectory)
        }
        let identity = try NodeIdentityFile.loadOrCreate(
            dataDirectory: configuration.dataDirectory,
            network: configuration.network
        )
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(2, System.coreCount))
        let local = LocalElements(data: data, logger: logger)
        let sold = try SoldParts(directory: configuration.dataDirectory + "/sold")
        network = PeerNetwork(
            local: identity,
            settings: configuration.networkSettings,
            provider: MarketElementProvider(local: local, sold: sold),
            group: group,
            logger: logger
        )
        fetcher = ElementFetcher(
            network: network,
            local: local,
            logger: logger,
            timeout: UInt64(configuration.fetchTimeoutSeconds * 1e9)
        )
        chain = try ChainManager(
            network: configuration.network,
            path: configuration.dataDirectory + "/chain.sqlite",
            logger: logger,
            minimumTaskTarget: configuration.minimumTaskBits.flatMap(CompactTarget.init(bits:))
        )
        chainService = ChainService(manager: chain, network: network, logger: logger)
        marketplace = try Marketplace(
            settings: configuration.market,
            data: data,
            sold: sold,
            network: network,
            chain: chain,
            chainService: chainService,
            logger: logger
        )
        proofs = try ProofOfStorage(market: marketplace, network: network, data: data, fetcher: fetcher, logger: logger)
        compute = try ComputeMarket(
            settings: configuration.compute,
            data: data,
            network: network,
            chain: chain,
            chainService: chainService,
            group: group,
            logger: logger
        )
        let fetcherForSeeding = fetcher
        let directory = data
        // Brings a part into the store for libtorrent or the web seed, waiting at most 30 s.
        let fetchPart: @Sendable (SHA1Digest) -> Bool = { hash in
            let done = DispatchSemaphore(value: 0)
            let fetched = Mutex(false)
            Task {
                let bytes = try? await fetcherForSeeding.fetch(.part, hash)
                fetched.withLock { $0 = bytes != nil }
                done.signal()
            }
            _ = done.wait(timeout: .now() + 30)
            return fetched.withLock { $0 }
        }
        seeder = try configuration.bittorrentListen.map { listen in
            try BitTorrentSeeder(
                listen: listen,
                data: directory,
                logger: logger,
                dhtBootstrap: configuration.dht.bootstrapNodes(listen: listen),
                fetch: fetchPart
            )
        }
        if let seeder, seeder.runsDHT {
            fetcher.directory.withLock {
                $0 = DHTHolderDirectory(seeder: seeder, own: configuration.networkSettings.advertised)
            }
        }
        let catalog = data.catalog
        let eventLoops = group
        tracker = configuration.tracker.map { address in
            let server = TrackerServer(listen: address, group: eventLoops, logger: logger) {
                Set(((try? catalog.allMetainfos()) ?? []).map(\.infoHash))
            }
            server.webSeed.withLock { $0 = WebSeed(data: directory, fetch: fetchPart) }
            return server
        }
    }

    deinit { close(lockDescriptor) }

    public func run() async throws {
        let fetcher = self.fetcher
        network.recursiveFetch.withLock {
            $0 = { kind, hash in try? await fetcher.fetch(kind, hash, timeout: fetcher.timeout / 2) }
        }
        do {
            boundPort.withLock { $0 = nil }
            let port = try await network.start()
            boundPort.withLock { $0 = port }
        } catch {
            throw NodeStartError.cannotListen(configuration.listen, "\(error)")
        }
        let server = ControlServer(
            path: ControlClient.socketPath(dataDirectory: configuration.dataDirectory),
            group: group
        ) { [self] request in await handle(request) }
        try await server.start()
        logger.info(
            "node listening",
            metadata: [
                "listen": "\(configuration.listen)", "identity": "\(network.local.identity.hash)",
                "network": "\(configuration.network.name)",
            ]
        )
        if let tracker, let address = configuration.tracker {
            do {
                let port = try await tracker.start()
                trackerPort.withLock { $0 = port }
                logger.info("tracker listening", metadata: ["address": "http://\(address.host):\(port)/announce"])
            } catch {
                logger.warning("no tracker: cannot listen on \(address): \(error)")
            }
        }
        let keeper = Task { await keepPeersConnected() }
        let seeding = Task { await keepSeeding() }
        let market = Task { [marketplace] in await marketplace.run() }
        let checkpoints = Task { [proofs] in await proofs.run() }
        let computing = Task { [compute] in await compute.run() }
        var miner: Task<Void, Never>?
        if configuration.mining {
            let payee = try Wallet.open(dataDirectory: configuration.dataDirectory, network: configuration.network)
                .primaryAddress()
            let service = chainService
            let interval = configuration.blockIntervalSeconds
            miner = Task { await service.mine(payee: payee, spacing: interval) }
        }
        try? await gracefulShutdown()
        logger.info("node stopping")
        keeper.cancel()
        miner?.cancel()
        seeding.cancel()
        market.cancel()
        checkpoints.cancel()
        computing.cancel()
        await market.value
        await checkpoints.value
        await computing.value
        await miner?.value
        await seeding.value
        await keeper.value
        await server.stop()
        await tracker?.stop()
        await network.stop()
        chainService.drain()
        try? await group.shutdownGracefully()
    }

    /// Seeds every metainfo the node knows, checking for new ones every two seconds, until cancelled.
    private func keepSeeding() async {
        guard let seeder else { return }
        // The seeder's own address as clients reach it: its listen host, loopback when it listens everywhere.
        let listen = configuration.bittorrentListen ?? "127.0.0.1:0"
        let host = listen.lastIndex(of: ":").map { String(listen[..<$0]) } ?? listen
        let octets = host.split(separator: ".").compactMap { UInt8($0) }
        let ip = octets.count == 4 && octets != [0, 0, 0, 0] ? octets : [127, 0, 0, 1]
        if let port = UInt16(exactly: seeder.status.port) { tracker?.ownSeeder.withLock { $0 = (ip, port) } }
        let dht =
            seeder.runsDHT ? DHTHolderDirectory(seeder: seeder, own: configuration.networkSettings.advertised) : nil
        var announcer = DHTAnnouncer()
        while !Task.isCancelled {
            if let dht, announcer.isDue(seeded: seeder.seededInfoHashes.count) {
                let count = dht.announceAll(port: configuration.networkSettings.advertised.port)
                logger.debug("announced \(count) contents into the DHT")
            }
            let configured = configuration.tracker?.host ?? "127.0.0.1"
            let trackerHost = configured == "0.0.0.0" || configured == "::" ? "127.0.0.1" : configured
            let announce = trackerPort.withLock { $0 }.map { "http://\(trackerHost):\($0)/announce" }
            seeder.seedAll(tracker: announce)
            try? await Task.sleep(nanoseconds: 2_000_000_000)
        }
    }

    /// Dials each configured peer that is not connected, every two seconds, until cancelled.
    private func keepPeersConnected() async {
        while !Task.isCancelled {
            for peer in configuration.peers {
                do {
                    _ = try await network.connect(to: peer)
                } catch {
                    logger.debug("peer \(peer) not reachable: \(error)")
                }
            }
            try? await Task.sleep(nanoseconds: 2_000_000_000)
        }
    }

    /// Answers one control request.
    func handle(_ request: ControlRequest) async -> ControlResponse {
        do {
            switch request {
            case .status:
                return ControlResponse(status: try status())
            case .fetchElement(let kindName, let hashText, let contentText):
                guard let kind = ElementKind(name: kindName), let hash = SHA1Digest(hex: hashText) else {
                    return ControlResponse(error: "bad element request: \(kindName) \(hashText)")
                }
                _ = try await fetcher.fetch(kind, hash, content: contentText.flatMap(SHA1Digest.init(hex:)))
                return ControlResponse(fetchedParts: 1)
            case .fetchContent(let infoHashText):
                guard let infoHash = SHA1Digest(hex: infoHashText) else {
                    return ControlResponse(error: "not an info-hash: \(infoHashText)")
                }
                let result = try await ContentFetcher(fetcher: fetcher).fetchAll(infoHash)
                return ControlResponse(fetchedParts: result.fetchedParts)
            case .chainStatus, .chainBlocks, .chainTransaction, .unspent, .submitTransaction, .history, .connect,
                .faucet, .chainAudit:
                return try await handleChain(request)
            case .upload(let asked):
                let order = asked.withProof(default: configuration.proofDefaults)
                try proofs.register(order)
                try marketplace.publisher.start(order)
                var response = ControlResponse()
                response.upload = marketplace.publisher.progress(of: order.infoHash)
                return response
            case .uploadProgress(let infoHash):
                var response = ControlResponse()
                response.upload = marketplace.publisher.progress(of: infoHash)
                if response.upload == nil { response.error = "no upload of \(infoHash) has run since the node started" }
                return response
            case .contracts:
                var response = ControlResponse()
                response.contracts = try marketplace.contracts()
                return response
            case .proofs:
                var response = ControlResponse()
                response.proofs = try proofs.report()
                return response
            case .repair(let infoHash):
                var response = ControlResponse()
                response.shortParts = try proofs.repairNow(infoHash)
                return response
            case .compute(let computeRequest):
                var response = ControlResponse()
                response.compute = try await compute.handle(computeRequest)
                return response
            case .search(let tags, let fields, let wantsMetainfo, let wait):
                return ControlResponse(
                    results: await search(tags: tags, fields: fields, wantsMetainfo: wantsMetainfo, wait: wait)
                )
            }
        } catch {
            var response = ControlResponse(error: "\(error)")
            if case StoreError.quotaExceeded(let needed, let available, let quota) = error {
                response.quotaRefusal = QuotaRefusal(needed: needed, available: available, quota: quota)
            }
            return response
        }
    }

    private func handleChain(_ request: ControlRequest) async throws -> ControlResponse {
        let queries = ChainQueries(manager: chain, service: chainService)
        var response = ControlResponse()
        switch request {
        case .chainStatus:
            response.chain = try queries.status()
        case .chainBlocks(let start, let count):
            response.blocks = try queries.blocks(start: start, count: min(count, 1000))
        case .chainTransaction(let text):
            guard let bytes = Hex.decode(text), let id = Hash256(bytes: bytes) else {
                return ControlResponse(error: "not a transaction id: \(text)")
            }
            guard let info = try queries.transaction(id) else {
                return ControlResponse(error: "no transaction \(text) in the memory pool or the last 10,000 blocks")
            }
            response.transaction = info
        case .unspent(let texts):
            response.coins = queries.coins(Set(try Self.addresses(texts)))
        case .history(let texts):
            response.history = try queries.history(Set(try Self.addresses(texts)))
        case .submitTransaction(let hex):
            guard let bytes = Hex.decode(hex) else { return ControlResponse(error: "not hexadecimal") }
            let transaction = try TransactionCodec.decode(bytes)
            try chainService.submit(transaction)
            response.transaction = ChainQueries.info(transaction, height: nil)
        case .connect(let text):
            guard let address = PeerAddress(parsing: text) else {
                return ControlResponse(error: "not HOST:PORT: \(text)")
            }
            _ = try await network.connect(to: address)
        case .faucet(let amountText, let addressText):
            let faucet = try DevelopmentFaucet(network: chain.network)
            guard let amount = Amount(parsing: amountText), amount.units > 0 else {
                throw FaucetError.badAmount(amountText)
            }
            guard let address = Address(parsing: addressText) else { throw WalletError.badAddress(addressText) }
            let transaction = try faucet.pay(amount, to: address, through: chainService)
            response.transaction = ChainQueries.info(transaction, height: nil)
        case .chainAudit:
            response.audit = queries.audit()
        default:
            break
        }
        return response
    }

    private static func addresses(_ texts: [String]) throws -> [Address] {
        try texts.map { text in
            guard let address = Address(parsing: text) else { throw WalletError.badAddress(text) }
            return address
        }
    }

    private func search(tags: [String], fields: [String: String], wantsMetainfo: Bool, wait: Int) async
        -> [SearchResult]
    {
        let local = LocalElements(data: data, logger: logger)
        let own = network.settings.advertised.description
        let found = Mutex<[SearchResult]>(
            local.search(tags: tags, fields: fields, includeMetainfo: wantsMetainfo).map {
                SearchResult(
                    infoHash: $0.infoHash.hex,
                    name: $0.name,
                    holder: own,
                    metainfo: $0.metainfo.map { Data($0).base64EncodedString() }
                )
            }
        )
        let query = network.search(tags: tags, fields: fields, wantsMetainfo: wantsMetainfo) { answer in
            found.withLock { results in
                for hit in answer.hits
                where !results.contains(where: {
                    $0.infoHash == hit.infoHash.hex && $0.holder == answer.holder.description
                }) {
                    results.append(
                        SearchResult(
                            infoHash: hit.infoHash.hex,
                            name: hit.name,
                            holder: answer.holder.description,
                            metainfo: hit.metainfo.map { Data($0).base64EncodedString() }
                        )
                    )
                }
            }
        }
        try? await Task.sleep(nanoseconds: UInt64(max(0, wait)) * 1_000_000)
        network.endQuery(query)
        return found.withLock { $0 }
    }

    private func status() throws -> NodeStatus {
        let port = boundPort.withLock { $0 } ?? Int(configuration.listen.port)
        return NodeStatus(
            network: configuration.network.name,
            identity: network.local.identity.hash.description,
            listen: PeerAddress(host: configuration.listen.host, port: UInt16(port)).description,
            peers: network.peers,
            storedBytes: try data.catalog.storedBytes(),
            metainfoCount: try data.catalog.allMetainfos().count,
            transfersInFlight: fetcher.activeFetches,
            counters: network.counters,
            tracker: trackerPort.withLock { $0 }.map { "http://\(configuration.tracker!.host):\($0)/announce" },
            seeding: seeder?.status,
            uptimeSeconds: Date().timeIntervalSince(started),
            market: try? marketplace.totals(),
            vms: compute.totals()
        )
    }
}
