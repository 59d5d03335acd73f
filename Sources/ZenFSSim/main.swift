import Glibc
import ZenFS

/// `ZenFSSim`: runs flooded discovery over simulated networks and prints a Markdown table of messages per
/// query and time to the first answer. Arguments: `--nodes 100,1000,10000 --degrees 4,8 --queries 20
/// --hops 4,8 --holders 3 --loss 0.01 --latency 5-50 --seed 1`.
func main() {
    var options: [String: String] = [:]
    var arguments = CommandLine.arguments.dropFirst()
    while let key = arguments.popFirst() {
        guard key.hasPrefix("--"), let value = arguments.popFirst() else {
            print(
                "usage: ZenFSSim [--nodes N,…] [--degrees D,…] [--queries Q] [--hops H,…] [--holders K] [--loss P] [--seed S]"
            )
            exit(2)
        }
        options[String(key.dropFirst(2))] = value
    }
    func list(_ key: String, _ fallback: [Int]) -> [Int] {
        options[key].map { $0.split(separator: ",").compactMap { Int($0) } } ?? fallback
    }
    let nodeCounts = list("nodes", [100, 1000, 10000])
    let degrees = list("degrees", [4, 8])
    let queries = Int(options["queries"] ?? "") ?? 20
    let hopLimits = list("hops", [4, 8]).map { UInt8(clamping: $0) }
    let holders = Int(options["holders"] ?? "") ?? 3
    let loss = Double(options["loss"] ?? "") ?? 0.01
    let latencyBounds = (options["latency"] ?? "5-50").split(separator: "-").compactMap { Double($0) }
    guard latencyBounds.count == 2, latencyBounds[0] >= 0, latencyBounds[0] <= latencyBounds[1] else {
        print("--latency takes MIN-MAX in milliseconds, such as 5-50")
        exit(2)
    }
    let seed = UInt64(options["seed"] ?? "") ?? 1

    print(
        "| nodes | links per node | hop limit | messages per query | × nodes | reached | answered | first answer (median) | first answer (p95) |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for count in nodeCounts {
        for degree in degrees {
            for hops in hopLimits {
                var network = SimulatedNetwork(
                    SimulationSettings(
                        nodes: count,
                        connectionsPerNode: degree,
                        hopLimit: hops,
                        holders: holders,
                        latencyMilliseconds: latencyBounds[0]...latencyBounds[1],
                        lossRate: loss,
                        seed: seed
                    )
                )
                var outcomes: [QueryOutcome] = []
                for index in 0..<queries {
                    // Queries start a minute and a second apart, so each router has forgotten the previous ids.
                    outcomes.append(network.runQuery(index: index, startTime: UInt64(index) * 61_000_000_000))
                }
                let messages = Double(outcomes.map(\.messages).reduce(0, +)) / Double(queries)
                let reached = Double(outcomes.map(\.reachedNodes).reduce(0, +)) / Double(queries * count)
                let answered = outcomes.filter { $0.firstAnswerNanoseconds != nil }
                let times = answered.compactMap(\.firstAnswerNanoseconds).sorted()
                func percentile(_ p: Double) -> String {
                    guard !times.isEmpty else { return "—" }
                    let index = min(times.count - 1, Int(Double(times.count - 1) * p))
                    return fixed(Double(times[index]) / 1e6, 0) + " ms"
                }
                print(
                    "| \(count) | \(degree) | \(hops) | \(fixed(messages, 0)) | \(fixed(messages / Double(count), 2)) | \(fixed(reached * 100, 1))% | \(answered.count)/\(queries) | \(percentile(0.5)) | \(percentile(0.95)) |"
                )
            }
        }
    }
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    print(
        "\nPeak memory: \(usage.ru_maxrss / 1024) MiB. Holders per element: \(holders); link latency \(fixed(latencyBounds[0], 0))–\(fixed(latencyBounds[1], 0)) ms one way; loss \(loss * 100)%; seed \(seed)."
    )
}

/// `value` with `digits` decimals, rounded.
func fixed(_ value: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int64((value * scale).rounded())
    guard digits > 0 else { return String(scaled) }
    let whole = scaled / Int64(scale)
    let fraction = String(abs(scaled) % Int64(scale))
    return "\(scaled < 0 && whole == 0 ? "-" : "")\(whole)." + String(repeating: "0", count: digits - fraction.count)
        + fraction
}

main()
