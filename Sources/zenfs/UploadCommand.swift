import ArgumentParser
import Chain
import Foundation
import Market
import Node
import ZenFS

/// `zenfs upload PATH --replicas N --max-price-storage …`: hire holders on the market and spread the content
/// over them, paid through channels; resumable (run it again and only what is not placed is sent).
struct UploadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Store content on hired nodes: offer a storage task, fund a channel per holder, place every part.",
        discussion: """
            PATH is a local file or folder (added first, unless ZenFS already has it there), or a ZenFS path,
            name or info-hash. Amounts are ZEN with up to 8 decimals; durations take s, m, h or d. The running
            node does the work; killed and run again, the upload sends only what is not yet placed.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "A local file or folder, or content ZenFS has (path, name or info-hash).") var path: String
    @Option(help: "Distinct holders for every part (default 3).") var replicas = 3
    @Option(
        name: .customLong("max-price-storage"),
        help: "The most to pay for storage, ZEN per GiB-month: 1/GiB-month."
    )
    var maxPriceStorage = "1/GiB-month"
    @Option(name: .customLong("max-price-upload"), help: "The most to pay per GiB sent to a holder: 0.05/GiB.")
    var maxPriceUpload = "0.05/GiB"
    @Option(name: .customLong("max-price-download"), help: "The most to pay per GiB read back from a holder: 0.05/GiB.")
    var maxPriceDownload = "0.05/GiB"
    @Option(help: "How long holders keep the content (30d).") var duration = "30d"
    @Option(
        name: .customLong("payout-interval"),
        help: "Seconds between payments (60s); negative prepays one interval ahead (-60s)."
    )
    var payoutInterval = "60s"
    @Option(help: "The most the whole upload may cost, in ZEN (fees included).") var budget: String?
    @Option(name: .customLong("accept-wait"), help: "How long to wait for acceptances (15s).") var acceptWait = "15s"
    @Option(
        name: .customLong("pps-interval"),
        help: "Check the holders every interval (periodic proof of storage) and pay storage per passed check."
    )
    var ppsInterval: String?
    @Option(name: .customLong("pps"), help: "How holders prove storage: merkle (default) or private.")
    var ppsMode: String?
    @Option(
        name: .customLong("pps-confidence"),
        help: "Private mode: bits of each checksum kept for audits (1 in 2^bits; 12); the rest serve before renewal."
    )
    var ppsConfidence = 12
    @Flag(help: "Seal the file (name and content) with the wallet's key first: holders only see ciphertext.")
    var encrypt = false

    func run() throws {
        guard replicas >= 1, replicas <= 64 else { throw ValidationError("--replicas takes 1 to 64") }
        let infoHash = try content()
        var order: UploadOrder
        do { order = try makeOrder(infoHash: infoHash) } catch { throw ValidationError("\(error)") }
        if let budget {
            guard let amount = Amount(parsing: budget) else {
                throw ValidationError("--budget takes ZEN with up to 8 decimals, such as 2.5")
            }
            order.budget = amount.units
        }
        order.proof = try proofOrder()
        if let proof = order.proof { order.payoutIntervalSeconds = proof.intervalSeconds }
        guard order.durationSeconds > 0, order.payoutIntervalSeconds != 0 else {
            throw ValidationError("--duration must be positive and --payout-interval not zero")
        }
        let client = try nodeClient(global)
        let started = try client.send(.upload(order))
        if let error = started.error { throw ControlError.badResponse(error) }
        var last = started.upload
        while let progress = last, progress.phase != .done, progress.phase != .failed {
            if !global.json { draw(progress) }
            Thread.sleep(forTimeInterval: 0.25)
            last = try client.send(.uploadProgress(infoHash: infoHash)).upload
        }
        if ProgressBar.isTerminal && !global.json { FileHandle.standardError.write(Data("\r\u{1b}[K".utf8)) }
        guard let progress = last else { throw ControlError.badResponse("the node lost track of the upload") }
        if global.json { try Output.json(progress) }
        if progress.phase == .failed { throw ControlError.badResponse(progress.error ?? "the upload failed") }
        if global.json { return }
        print(infoHash)
        let placed =
            "\(progress.placementsDone) of \(progress.placementsWanted) placements on \(progress.holders) holders"
        Output.note(
            "uploaded: \(placed), \(Output.size(progress.bytesSent)) sent, \(Amount(units: progress.costUnits)) ZEN paid so far"
        )
        if progress.shortParts > 0 {
            Output.note(
                "only \(progress.fewestReplicas ?? 0) of \(replicas) replicas for \(progress.shortParts) parts: too few nodes accepted; run again to hire more"
            )
        }
    }

    private func makeOrder(infoHash: String) throws(MarketInputError) -> UploadOrder {
        UploadOrder(
            infoHash: infoHash,
            replicas: replicas,
            maxStoragePrice: try PriceText.storage(maxPriceStorage).units,
            maxUploadPrice: try PriceText.transfer(maxPriceUpload).units,
            maxDownloadPrice: try PriceText.transfer(maxPriceDownload).units,
            durationSeconds: try DurationText.seconds(duration),
            payoutIntervalSeconds: try DurationText.seconds(payoutInterval, allowNegative: true),
            budget: nil,
            acceptWaitSeconds: try DurationText.seconds(acceptWait)
        )
    }

    /// The checkpoints asked for: `--pps-interval` turns them on, `--pps` picks the mode.
    private func proofOrder() throws -> ProofOrder? {
        let mode = try ppsMode.map { text in
            guard let mode = ProofOrder.Mode(rawValue: text) else {
                throw ValidationError("--pps takes merkle or private, not '\(text)'")
            }
            return mode
        }
        guard let ppsInterval else {
            if mode != nil { throw ValidationError("--pps needs --pps-interval (how often holders are checked)") }
            return nil
        }
        let seconds: Int64
        do { seconds = try DurationText.seconds(ppsInterval) } catch {
            throw ValidationError("--pps-interval: \(error)")
        }
        guard seconds > 0 else { throw ValidationError("--pps-interval must be positive") }
        guard (1...1023).contains(ppsConfidence) else { throw ValidationError("--pps-confidence takes 1 to 1023") }
        return ProofOrder(mode: mode ?? .merkle, intervalSeconds: seconds, confidenceBits: ppsConfidence)
    }

    /// The info-hash to upload: content ZenFS names already, or a local path added first.
    private func content() throws -> String {
        if encrypt { return try sealedContent() }
        if path.count == 40, SHA1Digest(hex: path) != nil { return path.lowercased() }
        let service = try global.service()
        if !FileManager.default.fileExists(atPath: path) {
            return try ContentLookup.metainfo(path, in: service).infoHash.hex
        }
        do {
            return try service.add(path, options: AddOptions(), progress: nil).infoHash.hex
        } catch NamespaceError.alreadyExists(let existing) {
            return try ContentLookup.metainfo(existing, in: service).infoHash.hex
        }
    }

    /// Seals the local file and adds the sealed copy (under its neutral name); returns its info-hash.
    private func sealedContent() throws -> String {
        let sealed = try PrivateFiles.seal(path, global: global)
        defer { try? FileManager.default.removeItem(atPath: sealed.folder) }
        let service = try global.service()
        do {
            return try service.add(sealed.path, options: AddOptions(), progress: nil).infoHash.hex
        } catch NamespaceError.alreadyExists(let existing) {
            return try ContentLookup.metainfo(existing, in: service).infoHash.hex
        }
    }

    private func draw(_ progress: UploadProgress) {
        guard ProgressBar.isTerminal else { return }
        let rate = progress.secondsElapsed > 0 ? Double(progress.bytesSent) / progress.secondsElapsed / 1e6 : 0
        let line =
            "\r\u{1b}[K\(progress.phase.rawValue): \(progress.placementsDone)/\(progress.placementsWanted) placed, "
            + "\(Output.size(progress.bytesSent)), \(String(format: "%.1f", rate)) MB/s, \(progress.holders) holders, "
            + "\(Amount(units: progress.costUnits)) ZEN"
        FileHandle.standardError.write(Data(line.utf8))
    }
}

/// `zenfs contracts`: the storage contracts of the running node, on both sides.
struct ContractsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contracts",
        abstract: "Storage contracts: per holder on a publisher, per publisher on a seller."
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let contracts = try nodeClient(global).send(.contracts).contracts ?? []
        if global.json { return try Output.json(contracts) }
        if contracts.isEmpty { return Output.note("no contracts") }
        print("role\ttask\tpeer\tstate\tparts\theld\tpaid ZEN\tfunds left\tends")
        for contract in contracts {
            let ends = Date(timeIntervalSince1970: TimeInterval(contract.endsAt)).formatted(.iso8601)
            print(
                "\(contract.role.rawValue)\t\(contract.task.prefix(12))\t\(contract.peer.prefix(12))\t\(contract.state.rawValue)\t"
                    + "\(contract.parts)\t\(Output.size(contract.heldBytes))\t\(contract.paid)\t"
                    + "\(Amount(units: contract.fundsLeftUnits))\t\(ends)"
            )
        }
        if let proofs = try nodeClient(global).send(.proofs).proofs, !proofs.files.isEmpty {
            print("")
            ProofsCommand.printTables(proofs)
        }
    }
}

/// `zenfs pps`: the checkpoints of the holders of this node's content under periodic proof of storage.
struct ProofsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pps",
        abstract: "Proof of storage: per holder, the checkpoints passed, the last one, and the first failure."
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        guard let report = try nodeClient(global).send(.proofs).proofs else {
            throw ControlError.badResponse("the node sent no proof-of-storage report")
        }
        if global.json { return try Output.json(report) }
        if report.files.isEmpty { return Output.note("no content under proof of storage") }
        Self.printTables(report)
    }

    static func printTables(_ report: ProofReport) {
        print("content\tmode\tinterval\treplicas\tshort parts")
        for file in report.files {
            print(
                "\(file.infoHash.prefix(12))\t\(file.mode)\t\(file.intervalSeconds)s\t"
                    + "\(file.fewestReplicas)/\(file.replicasAsked)\t\(file.shortParts)"
            )
        }
        print("")
        print("content\ttask\tholder\tinterval\tpassed\tlast passed\thealth")
        for proof in report.holders {
            let last =
                proof.lastPassedAt.map {
                    Date(timeIntervalSince1970: TimeInterval($0)).formatted(.iso8601)
                } ?? "-"
            print(
                "\(proof.infoHash.prefix(12))\t\(proof.task.prefix(12))\t\(proof.holder.prefix(12))\t"
                    + "\(proof.intervalSeconds)s\t\(proof.passed)\t\(last)\t\(proof.failure ?? "passing")"
            )
        }
    }
}

/// `zenfs repair [PATH]`: brings every part of content under proof of storage back to the replicas asked now,
/// instead of at the node's next repair round.
struct RepairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Re-place parts of content under proof of storage that have too few passing holders, now."
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "A ZenFS path, name or info-hash (default: everything under proof of storage).")
    var path: String?

    func run() throws {
        let infoHash = try path.map { reference -> String in
            if reference.count == 40, SHA1Digest(hex: reference) != nil { return reference.lowercased() }
            return try ContentLookup.metainfo(reference, in: try global.service()).infoHash.hex
        }
        let response = try nodeClient(global).send(.repair(infoHash: infoHash))
        if let error = response.error { throw ControlError.badResponse(error) }
        let short = response.shortParts ?? [:]
        if global.json { return try Output.json(short) }
        if short.isEmpty { return Output.note("no content under proof of storage") }
        for (content, parts) in short.sorted(by: { $0.key < $1.key }) {
            print(
                parts == 0 ? "\(content)\tall parts at their replicas" : "\(content)\t\(parts) parts short: repairing"
            )
        }
    }
}
