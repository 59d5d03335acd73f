import Chain
import Foundation
import Hummingbird
import Node

/// `/node`: the node's own page: status and peers, the chain, the wallet, the market's contracts.
struct NodeRoutes {
    let link: NodeLink
    let pages: Pages

    func add(to router: Router<BasicRequestContext>) {
        router.get("/node") { _, _ in await page() }
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
