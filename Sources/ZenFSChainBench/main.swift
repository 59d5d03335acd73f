import Chain
import Foundation
import Logging
import Node

/// `ZenFSChainBench`: the measurements of `scripts/bench chain`. Prints `key value` lines the script turns into
/// ratios: identity-mining hashes per second, the time to validate a block of N signed transfers (key
/// signatures on every core), and the resident memory of a chain manager holding M blocks.
/// usage: ZenFSChainBench [--transactions 10000] [--blocks 10000] [--hashes 2000000]
var options: [String: Int] = ["transactions": 10_000, "blocks": 10_000, "hashes": 2_000_000]
var arguments = CommandLine.arguments.dropFirst()
while let key = arguments.popFirst(), let value = arguments.popFirst().flatMap(Int.init) {
    options[String(key.dropFirst(2))] = value
}

func residentKiB(_ field: String) -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
    return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
}

func benchNetwork(maximumBlockSize: Int) -> NetworkParameters {
    NetworkParameters(
        name: "bench",
        nodeIdentityTarget: NetworkParameters.regtest.nodeIdentityTarget,
        publisherIdentityTarget: NetworkParameters.regtest.publisherIdentityTarget,
        chain: ChainParameters.regtest.with(maximumBlockSize: maximumBlockSize, retargetWindow: 1_000_000)
    )
}

func solved(_ manager: ChainManager, _ transactions: [Transaction], payee: Address, time: UInt64) -> Block {
    var block = manager.template(algorithm: .sha256d, payee: payee, now: time)
    let coinbase = block.transactions[0]
    block.transactions = [coinbase] + transactions
    block.header.merkleRoot = Block.merkleRoot(of: block.transactions)
    block.header = Miner.solve(block.header)!
    return block
}

// 1. Identity mining: SHA-256d of key and nonce, against a target no hash meets.
let key = try PrivateKey.generate()
let hashes = UInt64(options["hashes"]!)
var started = Date()
_ = MinedIdentity.mine(publicKey: key.publicKey, target: CompactTarget(bits: 0x0300_0001)!, attempts: hashes)
print("identity_hashes_per_second \(Double(hashes) / Date().timeIntervalSince(started))")

// 2. A block of N signed transfers.
let count = options["transactions"]!
let directory = NSTemporaryDirectory() + "zenfs-chain-bench-\(getpid())"
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
let logger = Logger(label: "bench")
let network = benchNetwork(maximumBlockSize: 64 << 20)
let manager = try ChainManager(network: network, path: directory + "/validate.sqlite", logger: logger)
let premine = try PrivateKey(secret: ChainParameters.developmentPremineSecret, publicKey: network.chain.premineKey)
let payee = Address(publicKey: premine.publicKey)
let genesisCoinbase = network.chain.genesis.transactions[0].id
let share = Amount(units: network.chain.premine.units / Int64(count) - 10_000)
let funding = try Transaction.signedTransfer(
    spending: [(OutPoint(transaction: genesisCoinbase, index: 0), premine)],
    to: (0..<count).map { _ in TransactionOutput(amount: share, lock: .address(payee)) }
)
var time: UInt64 = 1_000_100
_ = try manager.submit(solved(manager, [funding], payee: payee, time: time), now: time)
var spends: [Transaction] = []
for index in 0..<count {
    let outpoint = OutPoint(transaction: funding.id, index: UInt32(index))
    spends.append(
        try Transaction.signedTransfer(
            spending: [(outpoint, premine)],
            to: [TransactionOutput(amount: share - Amount(units: 1000), lock: .address(payee))]
        )
    )
}
time += 10
let big = solved(manager, spends, payee: payee, time: time)
var sequential = ChainState(network: network)
_ = try sequential.apply(network.chain.genesis)
_ = try sequential.apply(try manager.block(atHeight: 1)!)
started = Date()
_ = try sequential.apply(big)
print("validate_one_core_seconds \(Date().timeIntervalSince(started))")
started = Date()
let outcome = try manager.submit(big, now: time)
let seconds = Date().timeIntervalSince(started)
precondition(outcome == .accepted(newTip: true), "the benchmark block was refused")
print("validate_transactions \(count)")
print("validate_seconds \(seconds)")
print("validate_block_bytes \(big.encoded.count)")

// 3. Memory after M blocks.
let blocks = options["blocks"]!
let chain = try ChainManager(
    network: benchNetwork(maximumBlockSize: 1 << 20),
    path: directory + "/height.sqlite",
    logger: logger
)
let before = residentKiB("VmRSS")
started = Date()
for height in 1...max(1, blocks) {
    time += 10
    _ = try chain.submit(solved(chain, [], payee: payee, time: time), now: time)
    if height == blocks / 2 { print("rss_half_kib \(residentKiB("VmRSS"))") }
}
print("blocks \(chain.tip.height) in \(Date().timeIntervalSince(started)) s")
print("rss_before_kib \(before)")
print("rss_after_kib \(residentKiB("VmRSS"))")
