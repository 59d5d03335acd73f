import Chain
import Foundation
import Logging
import Market
import NIOCore
import VMHost
import ZenFS

/// The node's VM market: the seller (when the node sells VMs) and the publisher, their lease book
/// (`vm-leases.json`), and the round that drives both every second. Its messages share the peer protocol's market
/// frames with the storage market: it takes the frames that start with `ComputeMessage.tag` and hands every other
/// frame to the handler that was there before it.
public final class ComputeMarket: Sendable {
    let book: LeaseBook
    let seller: VMSellerService?
    let publisher: VMPublisherService
    let settings: ComputeSettings

    init(
        settings: ComputeSettings,
        data: DataDirectory,
        network: PeerNetwork,
        chain: ChainManager,
        chainService: ChainService,
        group: any EventLoopGroup,
        clock: @escaping MarketClock = wallClock,
        logger: Logger
    ) throws {
        self.settings = settings
        let book = try LeaseBook(path: data.path + "/vm-leases.json")
        self.book = book
        let link = MarketLink(network: network, logger: logger)
        let keys = try Wallet.open(dataDirectory: data.path, network: chain.network).keys()
        let tunnelKey = try Self.tunnelKey(path: data.path + "/vm-tunnel.key")
        seller = try settings.selling.map { resources in
            let runDirectory = settings.runDirectory ?? data.path + "/vm"
            try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
            return VMSellerService(
                settings: settings,
                resources: resources,
                benchmark: try NodeBenchmark.loadOrMeasure(dataDirectory: data.path),
                book: book,
                link: link,
                chain: chain,
                chainService: chainService,
                identity: network.localIdentity,
                payee: keys[0],
                tunnelKey: tunnelKey,
                group: group,
                runDirectory: runDirectory,
                imageCache: settings.imageDirectory ?? runDirectory + "/images",
                clock: clock,
                logger: logger
            )
        }
        publisher = VMPublisherService(
            book: book,
            link: link,
            chain: chain,
            chainService: chainService,
            identity: network.localIdentity,
            keys: keys,
            advertised: network.settings.advertised,
            group: group,
            hostKey: tunnelKey,
            clock: clock,
            logger: logger
        )
        network.marketHandler.withLock { current in
            let previous = current
            current = { [weak self] bytes, id in
                guard bytes.first == ComputeMessage.tag else {
                    previous?(bytes, id)
                    return
                }
                self?.receive(bytes, from: id, link: link)
            }
        }
    }

    /// The node's tunnel key: made once, kept raw in the data directory (0600).
    static func tunnelKey(path: String) throws -> TunnelKey {
        if let data = FileManager.default.contents(atPath: path) {
            return try TunnelKey(rawRepresentation: Array(data))
        }
        let key = TunnelKey()
        guard
            FileManager.default.createFile(
                atPath: path,
                contents: Data(key.rawRepresentation),
                attributes: [.posixPermissions: 0o600]
            )
        else { throw VMTaskError.badOrder("cannot write the tunnel key \(path)") }
        return key
    }

    private func receive(_ bytes: [UInt8], from id: ConnectionID, link: MarketLink) {
        let message: ComputeMessage
        do {
            guard let decoded = try ComputeMessage.decode(bytes) else { return }
            message = decoded
        } catch {
            link.complain(about: id, "an unreadable VM market message: \(error)")
            return
        }
        switch message.kind {
        case .join, .ready, .usage, .paymentAccepted: publisher.handle(message, from: id)
        case .contract, .payment: seller?.handle(message, from: id)
        case .refused, .end:
            // Either side may send these: the book says which role this node has in the task.
            if book.all.contains(where: { $0.role == .seller && $0.task == message.task }) {
                seller?.handle(message, from: id)
            }
            if book.all.contains(where: { $0.role == .publisher && $0.task == message.task }) {
                publisher.handle(message, from: id)
            }
        }
    }

    /// Runs the round every second until cancelled, then stops every VM.
    func run() async {
        while !Task.isCancelled {
            seller?.tick()
            try? await Task.sleep(nanoseconds: 1_000_000_000)
        }
        seller?.shutdownAll()
        await publisher.stop()
    }

    /// Answers a `zenfs task` or `zenfs vm` request.
    func handle(_ request: ComputeRequest) async throws -> ComputeResponse {
        switch request {
        case .publish(let order): return ComputeResponse(task: try await publisher.publish(order))
        case .leases: return ComputeResponse(leases: book.all)
        case .cancel(let task): return ComputeResponse(task: try publisher.cancel(task: task))
        case .stop(let task):
            guard let seller else { throw VMTaskError.notSelling }
            guard seller.stopLease(task: task) else { throw VMTaskError.unknownTask(task) }
            return ComputeResponse(task: task)
        case .console(let task):
            guard seller != nil else { throw VMTaskError.notSelling }
            let runDirectory =
                settings.runDirectory ?? book.path.replacingOccurrences(of: "/vm-leases.json", with: "/vm")
            guard task.count >= 8,
                let record = book.all.first(where: { $0.role == .seller && $0.task.hasPrefix(task) })
            else { throw VMTaskError.unknownTask(task) }
            let path = runDirectory + "/" + record.task.prefix(16) + "/console.log"
            return ComputeResponse(task: record.task, text: (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
        }
    }
}
