import Chain
import Foundation
import Hummingbird
import Node

/// `/node`: the node's own page: status and peers, the chain, the wallet, the market's contracts.
struct NodeRoutes {
    let link: NodeLink
    let pages: Pages
    let data: DataDirectory

    func add(to router: Router<BasicRequestContext>) {
        router.get("/node") { _, _ in await page() }
        router.get("/node/files") { request, _ in try files(FormQuery(request.uri.query)["path"] ?? "/") }
    }

    /// One folder of the node's namespace: its entries, folders first, each folder a link.
    func files(_ path: String) throws -> Response {
        let components: [String]
        do { components = try Catalog.components(of: path) } catch {
            throw HTTPError(.badRequest, message: "\(error)")
        }
        let clean = "/" + components.joined(separator: "/")
        guard let folder = try data.catalog.entry(atPath: clean), folder.kind == .directory else {
            throw HTTPError(.notFound, message: "no folder \(clean.prefix(200)) in this node's namespace")
        }
        let entries = try data.catalog.children(of: folder.id).sorted { a, b in
            let aFolder = a.kind == NamespaceEntry.Kind.directory
            let bFolder = b.kind == NamespaceEntry.Kind.directory
            return aFolder != bFolder ? aFolder : a.name < b.name
        }
        let rows: [[String: Any]] = entries.prefix(2_000).map { entry in
            let child = clean == "/" ? "/" + entry.name : clean + "/" + entry.name
            return [
                "name": entry.name, "path": child, "folder": entry.kind == .directory,
                "size": entry.kind == .directory ? "" : VideoJSON.size(entry.size),
            ]
        }
        let parent = components.isEmpty ? nil : "/" + components.dropLast().joined(separator: "/")
        return pages.render(
            "files",
            title: "Files",
            ["path": clean, "entries": rows, "parent": parent ?? "", "hasParent": parent != nil, "empty": rows.isEmpty]
        )
    }

    func page() async -> Response {
        var values: [String: Any] = [:]
        switch await link.send(.status) {
        case .failure(let error):
            values["down"] = error.description
            return pages.render("node", title: "This node", values)
        case .success(let response):
            guard let status = response.status else { break }
            values["status"] =
                [
                    "network": status.network, "identity": status.identity, "listen": status.listen,
                    "stored": VideoJSON.size(status.storedBytes), "metainfos": status.metainfoCount,
                    "transfers": status.transfersInFlight, "tracker": status.tracker ?? "off",
                    "uptime": Int(status.uptimeSeconds),
                    "served": status.counters.elementsServed, "fetched": status.counters.elementsFetched,
                ] as [String: Any]
            values["peers"] = status.peers.map { peer in
                [
                    "address": peer.address, "identity": peer.identity,
                    "direction": peer.inbound ? "in" : "out", "agent": peer.agent,
                    "latency": peer.latencyMilliseconds.map { String(format: "%.1f ms", $0) } ?? "-",
                ]
            }
            values["noPeers"] = status.peers.isEmpty
            if let market = status.market {
                values["market"] =
                    [
                        "income": Amount(units: market.incomeUnits).description,
                        "spending": Amount(units: market.spendingUnits).description,
                        "selling": market.sellingContracts, "buying": market.buyingContracts,
                    ] as [String: Any]
            }
            if let network = NetworkParameters.named(status.network),
                let address = try? Wallet.open(dataDirectory: link.dataDirectory, network: network).primaryAddress()
            {
                let coins = (try? await link.send(.unspent(addresses: [address.description])).get().coins) ?? []
                values["wallet"] =
                    [
                        "address": address.description,
                        "balance": Amount(units: coins.reduce(0) { $0 + $1.units }).description,
                        "coins": coins.count, "development": network.name == NetworkParameters.development.name,
                    ] as [String: Any]
            }
        }
        if let chain = try? await link.send(.chainStatus).get().chain {
            values["chain"] =
                [
                    "height": chain.height, "tip": chain.tip, "mempool": chain.mempool, "mined": chain.blocksMined,
                    "announcements": chain.liveAnnouncements,
                ] as [String: Any]
        }
        if let contracts = try? await link.send(.contracts).get().contracts {
            values["contracts"] = contracts.map { contract in
                [
                    "role": "\(contract.role)", "peer": contract.peer, "state": "\(contract.state)",
                    "parts": contract.parts, "held": VideoJSON.size(contract.heldBytes),
                    "paid": Amount(units: contract.paidUnits).description,
                    "charge": Amount(units: contract.chargeUnits).description,
                ] as [String: Any]
            }
            values["noContracts"] = contracts.isEmpty
        }
        return pages.render("node", title: "This node", values)
    }
}
