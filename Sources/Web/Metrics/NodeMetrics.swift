import CoreMetrics
import Node
import Prometheus

/// The running node's state as Prometheus metrics. Each scrape asks the node through its control socket (status,
/// chain, contracts, proofs of storage), records the answers in swift-metrics gauges and counters backed by one
/// Prometheus registry of this object's own, and renders the registry's text format. Amounts of Zencoin are in
/// integer units (`_units`); a node that does not answer reads `zenfs_node_up 0`.
public actor NodeMetrics {
    let link: NodeLink
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private var gauges: [String: CoreMetrics.Gauge] = [:]
    private var counters: [String: (counter: CoreMetrics.Counter, last: Int64)] = [:]

    public init(dataDirectory: String) {
        link = NodeLink(dataDirectory: dataDirectory)
        factory = PrometheusMetricsFactory(registry: registry)
    }

    /// The metrics in Prometheus' text exposition format, freshly sampled.
    public func scrape() async -> String {
        await sample()
        return registry.emitToString()
    }

    private func sample() async {
        guard case .success(let response) = await link.send(.status), let status = response.status else {
            gauge("zenfs_node_up", 0)
            return
        }
        gauge("zenfs_node_up", 1)
        record(status)
        if let chain = try? await link.send(.chainStatus).get().chain {
            gauge("zenfs_chain_height", chain.height)
            gauge("zenfs_chain_mempool_transactions", chain.mempool)
            gauge("zenfs_chain_live_announcements", chain.liveAnnouncements)
            gauge("zenfs_chain_stored_bytes", chain.storedBytes)
            total("zenfs_chain_blocks_mined_total", chain.blocksMined)
        }
        if let contracts = try? await link.send(.contracts).get().contracts {
            var counts: [String: Int] = [:]
            for role in ["seller", "publisher"] {
                for state in ["accepted", "active", "ended", "cutOff", "closed"] { counts[role + "/" + state] = 0 }
            }
            for contract in contracts { counts["\(contract.role)/\(contract.state)", default: 0] += 1 }
            for (key, count) in counts {
                let parts = key.split(separator: "/").map(String.init)
                gauge("zenfs_market_contracts", count, [("role", parts[0]), ("state", parts[1])])
            }
        }
        if let proofs = try? await link.send(.proofs).get().proofs {
            gauge("zenfs_pps_files", proofs.files.count)
            gauge("zenfs_pps_short_parts", proofs.files.reduce(0) { $0 + $1.shortParts })
            gauge("zenfs_pps_holders", proofs.holders.count)
            gauge("zenfs_pps_holders_failed", proofs.holders.filter { $0.failure != nil }.count)
            gauge("zenfs_pps_checkpoints_passed", proofs.holders.reduce(0) { $0 + $1.passed })
        }
    }

    private func record(_ status: NodeStatus) {
        gauge("zenfs_uptime_seconds", Int64(status.uptimeSeconds))
        gauge("zenfs_peers", status.peers.filter(\.inbound).count, [("direction", "in")])
        gauge("zenfs_peers", status.peers.filter { !$0.inbound }.count, [("direction", "out")])
        gauge("zenfs_stored_bytes", status.storedBytes)
        gauge("zenfs_metainfo", status.metainfoCount)
        gauge("zenfs_transfers_in_flight", status.transfersInFlight)
        let counters = status.counters
        total("zenfs_elements_served_total", counters.elementsServed)
        total("zenfs_served_bytes_total", counters.bytesServed)
        total("zenfs_elements_fetched_total", counters.elementsFetched)
        total("zenfs_fetched_bytes_total", counters.bytesFetched)
        total("zenfs_discovery_queries_received_total", counters.queriesReceived)
        total("zenfs_discovery_queries_duplicate_total", counters.queriesDuplicate)
        total("zenfs_discovery_queries_forwarded_total", counters.queriesForwarded)
        total("zenfs_discovery_queries_originated_total", counters.queriesOriginated)
        total("zenfs_discovery_query_messages_sent_total", counters.queryMessagesSent)
        total("zenfs_discovery_answers_sent_total", counters.answersSent)
        if let seeding = status.seeding {
            gauge("zenfs_bittorrent_torrents", seeding.torrents)
            gauge("zenfs_bittorrent_peers", seeding.peers)
            total("zenfs_bittorrent_served_bytes_total", seeding.bytesServed)
        }
        if let market = status.market {
            gauge("zenfs_market_income_units", market.incomeUnits)
            gauge("zenfs_market_spending_units", market.spendingUnits)
            gauge("zenfs_market_sold_bytes", market.soldBytes)
            gauge("zenfs_market_room_bytes", market.roomBytes)
            total("zenfs_market_states_signed_total", market.statesSigned)
            total("zenfs_market_payment_messages_total", market.paymentMessages)
        }
        if let vms = status.vms {
            gauge("zenfs_vm_running", vms.running)
            gauge("zenfs_vm_renting", vms.renting)
            gauge("zenfs_vm_income_units", vms.incomeUnits)
            gauge("zenfs_vm_spending_units", vms.spendingUnits)
        }
    }

    private func gauge(_ name: String, _ value: some BinaryInteger, _ labels: [(String, String)] = []) {
        let key = Self.key(name, labels)
        let metric = gauges[key] ?? CoreMetrics.Gauge(label: name, dimensions: labels, factory: factory)
        gauges[key] = metric
        metric.record(Int64(clamping: value))
    }

    /// A count the node keeps from its start: the counter moves by what it grew since the last scrape.
    private func total(_ name: String, _ value: some BinaryInteger) {
        let now = Int64(clamping: value)
        let entry = counters[name] ?? (CoreMetrics.Counter(label: name, dimensions: [], factory: factory), 0)
        if now > entry.last { entry.counter.increment(by: now - entry.last) }
        counters[name] = (entry.counter, max(entry.last, now))
    }

    private static func key(_ name: String, _ labels: [(String, String)]) -> String {
        ([name] + labels.map { "\($0.0)=\($0.1)" }).joined(separator: ",")
    }
}
