import Foundation
import Glibc
import Node
import TestSupport
import Testing

/// The storage market between real node processes on loopback: sellers judge a publisher's offer, hold its parts
/// on distinct nodes, are paid through channels exactly their metered usage times their prices, and cut off a
/// publisher that stops paying.
@Suite(.serialized)
struct StorageMarketTests {
    static let fee: Int64 = 10_000

    static func contracts(_ node: NodeProcess) -> [ContractInfo] {
        guard let result = try? node.runner.zenfs(["contracts", "--json"]), result.status == 0 else { return [] }
        return (try? JSONDecoder().decode([ContractInfo].self, from: result.output)) ?? []
    }

    static func seller(
        in directory: String,
        name: String,
        miner: NodeProcess,
        storageFloor: String,
        grace: String = "3s"
    ) throws -> NodeProcess {
        try NodeProcess(
            in: directory,
            name: name,
            peers: [miner],
            extra: [
                "--sell-storage", "64MiB", "--price-storage", storageFloor, "--price-upload", "0.01/GiB",
                "--price-download", "0.02/GiB", "--payment-grace", grace, "--no-seeding",
            ]
        )
    }

    /// The charge of a contract's usage at its prices, worked out here on its own: every fraction of a unit
    /// added before rounding down once.
    static func expectedCharge(_ contract: ContractInfo) -> Int64 {
        let gib = UInt128(1 << 30)
        let month = UInt128(30 * 86_400)
        let byteSeconds = UInt128(contract.storedByteSeconds)!
        let numerator =
            (UInt128(contract.uploadedBytes) * UInt128(contract.uploadPriceUnits)
                + UInt128(contract.downloadedBytes) * UInt128(contract.downloadPriceUnits)) * month
            + byteSeconds * UInt128(contract.storagePriceUnits)
        return Int64(numerator / (gib * month))
    }

    static func randomFile(_ path: String, bytes: Int) {
        var generator = SystemRandomNumberGenerator()
        let data = Data((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
        _ = FileManager.default.createFile(atPath: path, contents: data)
    }

    /// One publisher, three sellers whose floors fit and one whose floor is above the offer: every part lands on
    /// three distinct sellers, the dear one never accepts; once the contracts end and the channels close, each
    /// seller's balance grew by exactly its metered usage times its prices (to the unit), the publisher's fell by
    /// that plus the fees, and the chain audit holds.
    @Test func replicasOnDistinctSellersPaidExactly() throws {
        let circuit = try MarketCircuit()
        let (directory, miner, publisher) = (circuit.directory, circuit.miner, circuit.publisher)
        let sellers = try circuit.sellers(3, floor: "100/GiB-month")
        let dear = try circuit.seller("dear", floor: "500/GiB-month")
        try circuit.connectAndFund([dear] + sellers)
        let before = try #require(FaucetTests.balance(publisher))
        #expect(before == 5 * 100_000_000)
        for node in sellers + [dear] { #expect(FaucetTests.balance(node) == 0) }

        let file = directory.path + "/holiday.bin"
        Self.randomFile(file, bytes: 3_000_000)
        let upload = try publisher.runner.zenfs([
            "upload", file, "--replicas", "3", "--max-price-storage", "200/GiB-month", "--max-price-upload", "0.05/GiB",
            "--duration", "20s", "--payout-interval", "2s", "--accept-wait", "8s", "--json",
        ])
        try #require(upload.status == 0, "\(upload.error)\n\(publisher.log())")
        let progress = try JSONDecoder().decode(UploadProgress.self, from: upload.output)
        let parts = (3_000_000 + 262_143) / 262_144
        #expect(progress.phase == .done)
        #expect(progress.placementsDone == parts * 3)
        #expect(progress.shortParts == 0 && progress.fewestReplicas == 3)

        let hired = Self.contracts(publisher)
        #expect(hired.count == 3)
        #expect(Set(hired.map(\.peer)).count == 3)
        // Three holders with at most one copy of a part each, 3 × parts placements: every part on all three.
        #expect(hired.reduce(0) { $0 + $1.parts } == parts * 3)
        for seller in sellers { #expect(Self.contracts(seller).count == 1) }
        #expect(Self.contracts(dear).isEmpty)
        #expect(dear.log().contains("refused storage task"))

        // The lease ends, the holders close their channels, the closes are mined.
        let settled = MountCrashTests.waitUntil(seconds: 90) {
            let contracts = Self.contracts(publisher)
            guard contracts.count == 3, contracts.allSatisfy({ $0.state == .closed }) else { return false }
            return sellers.allSatisfy { seller in
                guard let sold = Self.contracts(seller).first else { return false }
                return FaucetTests.balance(seller) == sold.paidUnits && sold.paidUnits > 0
            }
        }
        try #require(settled, "\(Self.contracts(publisher))\n\(sellers.map { $0.log() }.joined())")
        let final = Self.contracts(publisher)
        var paidTotal: Int64 = 0
        for contract in final {
            #expect(contract.paidUnits == Self.expectedCharge(contract), "\(contract)")
            #expect(contract.uploadedBytes > 0 && contract.storedByteSeconds != "0")
            paidTotal += contract.paidUnits
        }
        for seller in sellers {
            let sold = try #require(Self.contracts(seller).first)
            let bought = try #require(final.first { $0.task == sold.task && $0.paidUnits == sold.paidUnits })
            #expect(FaucetTests.balance(seller) == bought.paidUnits)
        }
        // Funding fee, plus the close fee each state carried for its holder.
        #expect(
            MountCrashTests.waitUntil(seconds: 20) {
                FaucetTests.balance(publisher) == before - paidTotal - Self.fee * Int64(1 + final.count)
            }
        )
        #expect(FaucetTests.audit(miner)?.holds == true)
    }

    /// A publisher stopped with SIGSTOP stops paying: its holder cuts it off within one interval plus the grace
    /// (and a round of the market's clock), closing the channel with the best state it has.
    @Test func stoppedPublisherIsCutOff() throws {
        let circuit = try MarketCircuit(publisherFlags: [])
        let (directory, publisher) = (circuit.directory, circuit.publisher)
        let seller = try circuit.seller("seller", floor: "1000/GiB-month")
        try circuit.connectAndFund([seller])
        let file = directory.path + "/clip.bin"
        Self.randomFile(file, bytes: 3_000_000)
        let upload = try publisher.runner.zenfs([
            "upload", file, "--replicas", "1", "--max-price-storage", "2000/GiB-month", "--duration", "300s",
            "--payout-interval", "2s", "--accept-wait", "6s",
        ])
        try #require(upload.status == 0, "\(upload.text)")
        #expect(MountCrashTests.waitUntil(seconds: 10) { Self.contracts(seller).first?.paidUnits ?? 0 > 0 })
        #expect(Self.contracts(seller).first?.state == .active)
        kill(publisher.process.processIdentifier, SIGSTOP)
        defer { kill(publisher.process.processIdentifier, SIGCONT) }
        let stopped = Date()
        let cut = MountCrashTests.waitUntil(seconds: 30) { Self.contracts(seller).first?.state == .closed }
        let seconds = Date().timeIntervalSince(stopped)
        #expect(cut, "\(seller.log())")
        // One interval (2 s) plus the grace (3 s), plus the rounds of both meters' clocks.
        #expect(seconds < 2 + 3 + 4, "cut off after \(seconds) s")
        #expect(seller.log().contains("late"))
        let sold = try #require(Self.contracts(seller).first)
        #expect(sold.closeTransaction != nil && sold.heldBytes == 0)
    }

    /// The identity key a node proves in its handshake (and names contracts with).
    static func identityKey(_ node: NodeProcess) throws -> String {
        struct Stored: Decodable { let publicKey: String }
        let data = try Data(contentsOf: URL(fileURLWithPath: node.dataDirectory + "/identity.json"))
        return try JSONDecoder().decode(Stored.self, from: data).publicKey
    }

    /// A seller killed after taking parts stops confirming payments: the publisher stops paying it, the upload
    /// run again places its parts on the others (two distinct live holders for every part), and the killed
    /// seller's channel comes back to the publisher once it expires.
    @Test func killedSellerIsRefundedAndReplaced() throws {
        let circuit = try MarketCircuit()
        let (directory, miner, publisher) = (circuit.directory, circuit.miner, circuit.publisher)
        let sellers = try circuit.sellers(4, floor: "100/GiB-month")
        try circuit.connectAndFund(sellers)
        let file = directory.path + "/archive.bin"
        Self.randomFile(file, bytes: 3_000_000)
        let arguments = [
            "upload", file, "--replicas", "2", "--max-price-storage", "200/GiB-month", "--duration", "60s",
            "--payout-interval", "2s", "--accept-wait", "8s", "--json",
        ]
        let first = try publisher.runner.zenfs(arguments)
        try #require(first.status == 0, "\(first.error)")
        let hired = Self.contracts(publisher)
        try #require(hired.count >= 3, "\(hired)")
        let victimContract = try #require(hired.max { $0.parts < $1.parts })
        let victim = try #require(try sellers.first { try Self.identityKey($0) == victimContract.peer })
        kill(victim.process.processIdentifier, SIGKILL)
        victim.process.waitUntilExit()
        #expect(
            MountCrashTests.waitUntil(seconds: 20) {
                Self.contracts(publisher).first { $0.peer == victimContract.peer }?.state != .active
            }
        )
        #expect(publisher.log().contains("stopped answering"))

        let second = try publisher.runner.zenfs(arguments)
        try #require(second.status == 0, "\(second.error)")
        let progress = try JSONDecoder().decode(UploadProgress.self, from: second.output)
        #expect(progress.shortParts == 0 && progress.fewestReplicas == 2, "\(progress)")
        let parts = (3_000_000 + 262_143) / 262_144
        let live = Self.contracts(publisher).filter { $0.state == .active && $0.peer != victimContract.peer }
        #expect(live.reduce(0) { $0 + $1.parts } >= parts * 2)

        // The killed seller never closed its channel: the publisher takes it back once the chain reaches its expiry.
        let expiry = try #require(victimContract.expiry)
        // Known bug: with several market tests at once the development miner has stalled for minutes at one
        // height, so the expiry was not reached within 10 minutes; remove this wrapper once the miner is fixed.
        let reached = VMMarketTests.waitFor(seconds: 600) { (ChainNetworkTests.chain(miner)?.height ?? 0) >= expiry }
        let refunded = MountCrashTests.waitUntil(seconds: 30) {
            let contract = Self.contracts(publisher).first { $0.peer == victimContract.peer }
            return contract?.state == .closed && contract?.closeTransaction != nil
        }
        #expect(reached && refunded, "expiry \(expiry) reached: \(reached), refunded: \(refunded)")
        #expect(FaucetTests.audit(miner)?.holds == true)
    }

    /// A resumed upload that finds fewer live holders than replicas hires anew: it offers a new task, a seller
    /// that came later accepts, and the missing replicas land on it (every part again on two distinct live
    /// holders, none twice on one).
    @Test func resumedUploadHiresAnewWhenTooFewHoldersRemain() throws {
        let circuit = try MarketCircuit()
        let (directory, publisher) = (circuit.directory, circuit.publisher)
        let first = try circuit.sellers(2, floor: "100/GiB-month")
        try circuit.connectAndFund(first)
        let file = directory.path + "/album.bin"
        Self.randomFile(file, bytes: 1_000_000)
        let arguments = [
            "upload", file, "--replicas", "2", "--max-price-storage", "200/GiB-month", "--duration", "120s",
            "--payout-interval", "2s", "--accept-wait", "6s", "--json",
        ]
        let initial = try publisher.runner.zenfs(arguments)
        try #require(initial.status == 0, "\(initial.error)")
        let parts = 4
        let hired = Self.contracts(publisher)
        try #require(hired.count == 2 && hired.allSatisfy { $0.parts == parts }, "\(hired)")

        // One holder dies: the publisher stops paying it; a new seller joins the network.
        let victim = first[1]
        let victimKey = try Self.identityKey(victim)
        kill(victim.process.processIdentifier, SIGKILL)
        victim.process.waitUntilExit()
        #expect(
            MountCrashTests.waitUntil(seconds: 30) {
                Self.contracts(publisher).first { $0.peer == victimKey }?.state != .active
            }
        )
        let late = try circuit.seller("late", floor: "100/GiB-month")
        #expect(late.waitForPeers(1))
        let lateKey = try Self.identityKey(late)

        let resumed = try publisher.runner.zenfs(arguments)
        try #require(resumed.status == 0, "\(resumed.error)\n\(publisher.log())")
        let progress = try JSONDecoder().decode(UploadProgress.self, from: resumed.output)
        #expect(progress.shortParts == 0 && progress.fewestReplicas == 2, "\(progress)")
        let contracts = Self.contracts(publisher)
        // A second task was offered, and the late seller holds every part under it.
        #expect(Set(contracts.map(\.task)).count == 2, "\(contracts)")
        let hiredLate = contracts.filter { $0.peer == lateKey && $0.state == .active }
        #expect(hiredLate.count == 1 && hiredLate.first?.parts == parts, "\(contracts)")
        #expect(hiredLate.first?.task != hired.first?.task)
        // Every part on two distinct live holders, and no holder keeps a part twice.
        let live = contracts.filter { $0.state == .active && $0.peer != victimKey }
        #expect(Set(live.map(\.peer)).count == live.count, "\(live)")
        #expect(live.reduce(0) { $0 + $1.parts } == parts * 2, "\(live)")
        // The late seller may also have accepted the first task's offer (still live on chain): that join is
        // turned down, and only the new task's contract is active.
        #expect(Self.contracts(late).filter { $0.state == .active }.map(\.task) == [hiredLate.first?.task])
    }

    /// Contracts survive a restart of either side: a publisher back on its address resumes paying, a seller back
    /// resumes serving; reading the content back from the holder (after the publisher dropped its own copy) is
    /// metered as download on both sides and paid.
    @Test func contractsSurviveRestartsAndDownloadsPay() throws {
        let circuit = try MarketCircuit(publisherFlags: ["--payment-grace", "5s"])
        let (directory, miner) = (circuit.directory, circuit.miner)
        var publisher = circuit.publisher
        var seller = try circuit.seller("seller", floor: "1000/GiB-month")
        try circuit.connectAndFund([seller])
        let file = directory.path + "/notes.bin"
        Self.randomFile(file, bytes: 1_000_000)
        let upload = try publisher.runner.zenfs([
            "upload", file, "--replicas", "1", "--max-price-storage", "2000/GiB-month", "--duration", "600s",
            "--payout-interval", "2s", "--accept-wait", "6s", "--json",
        ])
        try #require(upload.status == 0, "\(upload.error)")
        let infoHash = try JSONDecoder().decode(UploadProgress.self, from: upload.output).infoHash
        func paid() -> Int64 { Self.contracts(seller).first?.paidUnits ?? 0 }
        #expect(MountCrashTests.waitUntil(seconds: 10) { paid() > 0 })

        // The publisher restarts on the same address: the seller reconnects, payment goes on.
        let publisherAddress = publisher.address
        #expect(publisher.stop())
        publisher = try NodeProcess(
            in: directory.path,
            name: "publisher",
            peers: [miner],
            extra: ["--no-seeding", "--payment-grace", "5s", "--listen", publisherAddress]
        )
        let beforePublisherRestart = paid()
        #expect(MountCrashTests.waitUntil(seconds: 20) { paid() > beforePublisherRestart }, "\(seller.log())")
        #expect(Self.contracts(seller).first?.state == .active)

        // The seller restarts: it rejoins and keeps being paid.
        #expect(seller.stop())
        seller = try Self.seller(in: directory.path, name: "seller", miner: miner, storageFloor: "1000/GiB-month")
        let beforeSellerRestart = paid()
        #expect(MountCrashTests.waitUntil(seconds: 20) { paid() > beforeSellerRestart }, "\(seller.log())")
        #expect(Self.contracts(publisher).first?.state == .active)

        // The publisher loses its own parts (every element bigger than its small metainfo) and reads the content
        // back from its holder: a paid download.
        let elements = publisher.dataDirectory + "/elements"
        var removed = 0
        for folder in try FileManager.default.contentsOfDirectory(atPath: elements) where folder.count == 2 {
            for name in try FileManager.default.contentsOfDirectory(atPath: elements + "/" + folder) {
                let path = elements + "/" + folder + "/" + name
                let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                if size > 10_000 {
                    try FileManager.default.removeItem(atPath: path)
                    removed += 1
                }
            }
        }
        #expect(removed == 4)
        let restored = directory.path + "/restored"
        let get = try publisher.runner.zenfs(["get", infoHash, "--to", restored])
        #expect(get.status == 0, "\(get.error)")
        #expect(FileManager.default.contentsEqual(atPath: restored + "/notes.bin", andPath: file))
        #expect(
            MountCrashTests.waitUntil(seconds: 15) {
                let bought = Self.contracts(publisher).first
                let sold = Self.contracts(seller).first
                return (bought?.downloadedBytes ?? 0) >= 1_000_000 && (sold?.downloadedBytes ?? 0) >= 1_000_000
                    && (bought?.paidUnits ?? 0) >= Self.expectedCharge(bought!) - 1
            }
        )
        let bought = try #require(Self.contracts(publisher).first)
        #expect(bought.downloadPriceUnits == 2_000_000)
    }

    /// A publisher that sends forged, replayed, lowered and over-funded states beside its real ones: the holder
    /// refuses each, logs it against the peer, and keeps only the real states (what it is paid equals the charge).
    @Test func hostileStatesAreRefused() throws {
        let circuit = try MarketCircuit(publisherFlags: ["--testing-send-hostile-states"])
        let (directory, publisher) = (circuit.directory, circuit.publisher)
        let seller = try circuit.seller("seller", floor: "1000/GiB-month")
        try circuit.connectAndFund([seller])
        let file = directory.path + "/ledger.bin"
        Self.randomFile(file, bytes: 1_000_000)
        let upload = try publisher.runner.zenfs([
            "upload", file, "--replicas", "1", "--max-price-storage", "2000/GiB-month", "--duration", "20s",
            "--payout-interval", "2s", "--accept-wait", "6s",
        ])
        try #require(upload.status == 0, "\(upload.error)")
        let refusals = [
            "signature is not the payer's", "already accepted (replay)", "less than the", "more than the",
        ]
        #expect(
            MountCrashTests.waitUntil(seconds: 20) { refusals.allSatisfy { seller.log().contains($0) } },
            "\(seller.log())"
        )
        // The lease ends and the channel closes with the best real state: the holder's balance is its charge.
        let settled = MountCrashTests.waitUntil(seconds: 60) {
            guard let sold = Self.contracts(seller).first, sold.state == .closed, sold.paidUnits > 0 else {
                return false
            }
            return FaucetTests.balance(seller) == sold.paidUnits
        }
        #expect(settled, "\(Self.contracts(seller))")
        let bought = try #require(Self.contracts(publisher).first)
        #expect(bought.paidUnits == Self.expectedCharge(bought))
        #expect(Self.contracts(seller).first?.paidUnits == bought.paidUnits)
        #expect(seller.status() != nil)
    }

    /// A node that is not the publisher reads parts from their holder and pays for them: the holder asks for its
    /// price, the reader opens and funds a channel, pays the bytes it received every interval and ends the
    /// session when it has read. Its channels cover 300 KiB each (`--download-allowance`), so the holder serves no
    /// more than one 256 KiB part on each and asks for a new one: the reader tops up, the holder closes every
    /// spent channel with its latest state, and earns exactly the bytes it served on each times its download
    /// price (to the unit). A reader whose `--max-price-download` is below the holder's price does not read from
    /// it, and says why.
    @Test func readerOtherThanThePublisherPaysItsDownloads() throws {
        let circuit = try MarketCircuit(publisherFlags: [])
        let (directory, miner, publisher) = (circuit.directory, circuit.miner, circuit.publisher)
        // A long grace: the holder keeps serving after the publisher goes away, and closes nothing else meanwhile.
        let seller = try circuit.seller("seller", floor: "1000/GiB-month", grace: "900s")
        let reader = try NodeProcess(
            in: directory.path,
            name: "reader",
            peers: [miner],
            extra: ["--no-seeding", "--max-price-download", "0.05/GiB", "--download-allowance", "300KiB"]
        )
        let frugal = try NodeProcess(
            in: directory.path,
            name: "frugal",
            peers: [miner],
            extra: ["--no-seeding", "--max-price-download", "0.01/GiB"]
        )
        try circuit.connectAndFund([seller, reader, frugal])
        try #require(try reader.runner.zenfs(["wallet", "faucet", "1", "--wait"]).status == 0)
        let readerBefore = try #require(FaucetTests.balance(reader))
        #expect(readerBefore == 100_000_000)
        let file = directory.path + "/film.bin"
        Self.randomFile(file, bytes: 1_000_000)
        let upload = try publisher.runner.zenfs([
            "upload", file, "--replicas", "1", "--max-price-storage", "2000/GiB-month", "--duration", "900s",
            "--payout-interval", "2s", "--accept-wait", "6s", "--json",
        ])
        try #require(upload.status == 0, "\(upload.error)")
        let infoHash = try JSONDecoder().decode(UploadProgress.self, from: upload.output).infoHash
        // Both readers learn the content's metainfo (the frugal one first, so it never asks the other, which
        // would fetch for it and pay); then the publisher goes away, so only the holder has parts.
        for node in [frugal, reader] {
            #expect(try ControlClientShim.fetchMetainfo(infoHash, dataDirectory: node.dataDirectory))
        }
        #expect(publisher.stop())

        let refused = try frugal.runner.zenfs(["get", infoHash, "--to", directory.path + "/frugal"])
        #expect(refused.status != 0)
        #expect(refused.error.contains("max_price_download"), "\(refused.error)\n\(frugal.log())")
        #expect(seller.log().contains("declined this node's download terms"))

        let restored = directory.path + "/restored"
        let get = try reader.runner.zenfs(["get", infoHash, "--to", restored])
        try #require(get.status == 0, "\(get.error)\n\(reader.log())\n\(seller.log())")
        #expect(FileManager.default.contentsEqual(atPath: restored + "/film.bin", andPath: file))

        // The sessions end once nothing more is read; the holder closes each channel with its last state (the
        // chain may be slow to mine the closes when the machine is busy).
        func downloads(_ node: NodeProcess) -> [ContractInfo] {
            Self.contracts(node).filter { $0.purpose == .download }
        }
        let settled = MountCrashTests.waitUntil(seconds: 240) {
            let sold = downloads(seller)
            guard !sold.isEmpty, sold.allSatisfy({ $0.state == .closed && $0.paidUnits > 0 }),
                downloads(reader).allSatisfy({ $0.state == .closed })
            else { return false }
            return FaucetTests.balance(seller) == sold.reduce(0) { $0 + $1.paidUnits }
        }
        try #require(settled, "\(downloads(seller))\n\(downloads(reader))\n\(seller.log())")
        let sold = downloads(seller)
        let bought = downloads(reader)
        // Four parts (three of 262,144 bytes and one of 213,568), one on each 300 KiB channel.
        #expect(sold.count == 4 && bought.count == 4, "\(sold)")
        #expect(reader.log().contains("topped up"))
        #expect(sold.reduce(0) { $0 + $1.downloadedBytes } == 1_000_000)
        for contract in sold {
            #expect(contract.downloadPriceUnits == 2_000_000 && contract.storagePriceUnits == 0)
            #expect(contract.paidUnits == Self.expectedCharge(contract), "\(contract)")
            #expect(contract.closeTransaction != nil)
            let twin = bought.first { $0.task == contract.task }
            #expect(twin?.paidUnits == contract.paidUnits && twin?.downloadedBytes == contract.downloadedBytes)
        }
        // At 2,000,000 units per GiB: 488.28 units for each whole part, 397.79 for the last, each rounded down.
        let earned = sold.reduce(0) { $0 + $1.paidUnits }
        #expect(earned == 3 * 488 + 397)
        #expect(Self.contracts(frugal).isEmpty)
        // The reader paid the charges, and for each channel the funding's fee and the close fee its state carried.
        #expect(
            MountCrashTests.waitUntil(seconds: 30) {
                FaucetTests.balance(reader) == readerBefore - earned - 2 * Self.fee * Int64(bought.count)
            },
            "\(FaucetTests.balance(reader) ?? -1)"
        )
        #expect(FaucetTests.audit(miner)?.holds == true)
    }

    /// A wallet too small for the upload fails before anything is announced.
    @Test func tooSmallWalletFailsBeforeAnnouncing() throws {
        let directory = TemporaryDirectory()
        let publisher = try NodeProcess(in: directory.path, name: "publisher", extra: ["--no-seeding"])
        let file = directory.path + "/big.bin"
        Self.randomFile(file, bytes: 100_000)
        let upload = try publisher.runner.zenfs(["upload", file, "--replicas", "3", "--duration", "30d"])
        #expect(upload.status != 0)
        #expect(upload.error.contains("the wallet holds 0.00000000 ZEN"), "\(upload.error)")
        #expect(ChainNetworkTests.chain(publisher)?.mempool == 0)
        #expect(ChainNetworkTests.chain(publisher)?.liveAnnouncements == 0)
    }
}
