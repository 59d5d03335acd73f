import Chain
import Foundation
import Glibc
import Market
import Node
import TestSupport
import Testing
import ZenFS

/// Periodic proof of storage between real node processes on loopback: holders answer Merkle checkpoints over
/// the peer connection, each passed checkpoint pays the storage since the last one (to the unit), and a holder
/// that corrupts a part or is killed fails its next checkpoint, is paid no more, and its parts are placed on
/// the other holders.
@Suite(.serialized)
struct ProofOfStorageTests {
    static func report(_ node: NodeProcess) -> ProofReport? {
        guard let result = try? node.runner.zenfs(["pps", "--json"]), result.status == 0 else { return nil }
        return try? JSONDecoder().decode(ProofReport.self, from: result.output)
    }

    /// Overwrites every sold part of a seller with other bytes of the same length; returns how many.
    static func corruptSoldParts(_ node: NodeProcess) -> Int {
        let root = node.dataDirectory + "/sold"
        guard let walker = FileManager.default.enumerator(atPath: root) else { return 0 }
        var count = 0
        var generator = SystemRandomNumberGenerator()
        while let relative = walker.nextObject() as? String {
            let path = root + "/" + relative
            // Elements live at `sold/ab/cdef…`: the hash's first two hex digits name the folder.
            let name = relative.replacingOccurrences(of: "/", with: "")
            guard name.count == 40, name.allSatisfy(\.isHexDigit),
                let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > 0
            else { continue }
            let bytes = Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) })
            if FileManager.default.createFile(atPath: path, contents: bytes) { count += 1 }
        }
        return count
    }

    /// One owner, four holders, two replicas, a checkpoint every 3 s. Honest holders pass, and each state pays
    /// exactly the charge of the usage metered up to the last passed checkpoint. Then one holder's sold parts
    /// are overwritten and another is killed: both fail their next checkpoint, are cut off and paid no more,
    /// and repair brings every part back to two passing holders.
    @Test func holdersArePaidPerCheckAndFailuresAreRepaired() throws {
        let directory = TemporaryDirectory()
        let miner = try NodeProcess(
            in: directory.path,
            name: "miner",
            extra: ["--block-interval", "0.5", "--no-seeding"],
            mining: true
        )
        let owner = try NodeProcess(
            in: directory.path,
            name: "owner",
            peers: [miner],
            extra: ["--no-seeding", "--payment-grace", "3s"]
        )
        let sellers = try (1...4).map {
            try StorageMarketTests.seller(
                in: directory.path,
                name: "holder\($0)",
                miner: miner,
                storageFloor: "100/GiB-month"
            )
        }
        for node in [owner] + sellers { #expect(node.waitForPeers(1)) }
        try #require(try owner.runner.zenfs(["wallet", "faucet", "5", "--wait"]).status == 0)
        let file = directory.path + "/kept.bin"
        StorageMarketTests.randomFile(file, bytes: 2_000_000)
        let upload = try owner.runner.zenfs([
            "upload", file, "--replicas", "2", "--max-price-storage", "200/GiB-month", "--duration", "600s",
            "--pps-interval", "3s", "--accept-wait", "6s", "--json",
        ])
        try #require(upload.status == 0, "\(upload.error)\n\(owner.log())")
        let hired = StorageMarketTests.contracts(owner)
        try #require(hired.count >= 2, "\(hired)")
        #expect(hired.allSatisfy { $0.payoutIntervalSeconds == 3 })

        // Honest holders: every contract passes checkpoints, announced on chain.
        let passing = MountCrashTests.waitUntil(seconds: 40) {
            guard let report = Self.report(owner), report.holders.count == hired.count else { return false }
            return report.holders.allSatisfy { $0.passed >= 3 && $0.failure == nil }
        }
        try #require(passing, "\(String(describing: Self.report(owner)))\n\(owner.log())")
        let health = try #require(Self.report(owner)?.files.first)
        #expect(health.rootsKept && health.announcement != nil)
        #expect(health.shortParts == 0 && health.fewestReplicas == 2)
        #expect(sellers.contains { $0.log().contains("checks the storage of") })

        // Paid per check, to the unit: storage is metered exactly up to the last passed checkpoint, and the
        // state signed is exactly the charge of that usage (read while no checkpoint passes in between).
        var checked = 0
        for _ in 0..<40 where checked < hired.count {
            guard let before = Self.report(owner) else { continue }
            let contracts = StorageMarketTests.contracts(owner)
            guard let after = Self.report(owner), after.holders.map(\.passed) == before.holders.map(\.passed) else {
                continue
            }
            checked = 0
            for status in after.holders {
                guard let contract = contracts.first(where: { $0.task == status.task && $0.peer == status.holder }),
                    status.meteredUntil == status.lastPassedAt,
                    contract.paidUnits == StorageMarketTests.expectedCharge(contract), contract.paidUnits > 0
                else { break }
                checked += 1
            }
            if checked < hired.count { Thread.sleep(forTimeInterval: 0.3) }
        }
        #expect(
            checked == hired.count,
            "\(StorageMarketTests.contracts(owner))\n\(String(describing: Self.report(owner)))"
        )
        // Each holder confirmed what it was paid: its own contract shows the same payment.
        for seller in sellers {
            guard let sold = StorageMarketTests.contracts(seller).first else { continue }
            #expect(sold.paidUnits > 0)
        }

        // One holder corrupts its parts, another is killed.
        let keys = try sellers.map { try StorageMarketTests.identityKey($0) }
        let held = hired.map(\.peer)
        let holders = sellers.indices.filter { held.contains(keys[$0]) }
        try #require(holders.count >= 2)
        let cheater = sellers[holders[0]]
        let killed = sellers[holders[1]]
        #expect(Self.corruptSoldParts(cheater) > 0)
        kill(killed.process.processIdentifier, SIGKILL)
        killed.process.waitUntilExit()
        let failedKeys = [keys[holders[0]], keys[holders[1]]]
        let detected = MountCrashTests.waitUntil(seconds: 30) {
            let contracts = StorageMarketTests.contracts(owner)
            let report = Self.report(owner)
            return failedKeys.allSatisfy { key in
                // Cut off by the owner (or closed since by a holder that saw itself unpaid).
                contracts.filter { $0.peer == key }.allSatisfy { $0.state != .active }
                    && report?.holders.first { $0.holder == key }?.failure != nil
            }
        }
        try #require(detected, "\(StorageMarketTests.contracts(owner))\n\(owner.log())")
        let failures = Self.report(owner)?.holders.filter { failedKeys.contains($0.holder) }.compactMap(\.failure)
        #expect(failures?.contains { $0.contains("lead to the root") || $0.contains("cannot answer") } == true)
        #expect(
            failures?.contains { $0.contains("no answer") || $0.contains("stopped answering") } == true,
            "\(failures ?? [])"
        )
        let paidAtFailure = StorageMarketTests.contracts(owner).filter { failedKeys.contains($0.peer) }.map(\.paidUnits)

        // Repair: every part back on two holders that pass their checkpoints.
        let repaired = MountCrashTests.waitUntil(seconds: 90) {
            guard let file = Self.report(owner)?.files.first else { return false }
            return file.shortParts == 0 && file.fewestReplicas == 2
        }
        #expect(repaired, "\(String(describing: Self.report(owner)))\n\(owner.log())")
        #expect(owner.log().contains("repairing"))
        let parts = (2_000_000 + 262_143) / 262_144
        let live = StorageMarketTests.contracts(owner).filter { $0.state == .active && $0.parts > 0 }
        #expect(!live.contains { failedKeys.contains($0.peer) })
        #expect(live.reduce(0) { $0 + $1.parts } >= parts * 2)
        // The new placements pass their checkpoints too, and the failed holders were paid nothing more.
        let newPasses = MountCrashTests.waitUntil(seconds: 30) {
            guard let report = Self.report(owner) else { return false }
            return live.allSatisfy { contract in
                report.holders.contains { $0.task == contract.task && $0.holder == contract.peer && $0.passed >= 1 }
            }
        }
        #expect(newPasses, "\(String(describing: Self.report(owner)))")
        #expect(
            StorageMarketTests.contracts(owner).filter { failedKeys.contains($0.peer) }.map(\.paidUnits)
                == paidAtFailure
        )
    }

    /// Whether any file under `root` contains `needle`.
    static func anyFile(under root: String, contains needle: Data) -> Bool {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return false }
        while let relative = walker.nextObject() as? String {
            guard let bytes = FileManager.default.contents(atPath: root + "/" + relative) else { continue }
            if bytes.range(of: needle) != nil { return true }
        }
        return false
    }

    /// `zenfs upload --encrypt`: the file is sealed with the owner's wallet key before it is split; its holders
    /// keep only ciphertext (neither the content's marker nor the file name is anywhere in their data), their
    /// checkpoints run on the ciphertext, and `zenfs get` reads the parts back from the holders (the owner
    /// dropped its own copy) and opens them into the original name and bytes.
    @Test func encryptedUploadLeavesNoPlaintextOnHolders() throws {
        let directory = TemporaryDirectory()
        let miner = try NodeProcess(
            in: directory.path,
            name: "miner",
            extra: ["--block-interval", "0.5", "--no-seeding"],
            mining: true
        )
        let owner = try NodeProcess(
            in: directory.path,
            name: "owner",
            peers: [miner],
            extra: ["--no-seeding", "--payment-grace", "3s"]
        )
        let sellers = try (1...2).map {
            try StorageMarketTests.seller(
                in: directory.path,
                name: "holder\($0)",
                miner: miner,
                storageFloor: "100/GiB-month"
            )
        }
        for node in [owner] + sellers { #expect(node.waitForPeers(1)) }
        try #require(try owner.runner.zenfs(["wallet", "faucet", "5", "--wait"]).status == 0)
        let marker = "PLAINTEXT-MARKER-7d41e9"
        let file = directory.path + "/diary-secret-name.txt"
        var text = ""
        while text.utf8.count < 1_200_000 { text += "\(marker) line \(text.count)\n" }
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        let upload = try owner.runner.zenfs([
            "upload", file, "--encrypt", "--replicas", "2", "--max-price-storage", "200/GiB-month", "--duration",
            "600s", "--pps-interval", "3s", "--accept-wait", "6s", "--json",
        ])
        try #require(upload.status == 0, "\(upload.error)\n\(owner.log())")
        let progress = try JSONDecoder().decode(UploadProgress.self, from: upload.output)
        #expect(progress.shortParts == 0 && progress.fewestReplicas == 2)
        let infoHash = progress.infoHash
        let show = try owner.runner.zenfs(["show", infoHash])
        #expect(!show.text.contains("diary"), "the metainfo names the sealed file only: \(show.text)")

        // Checkpoints pass on the ciphertext.
        let passing = MountCrashTests.waitUntil(seconds: 40) {
            guard let report = Self.report(owner), report.holders.count == 2 else { return false }
            return report.holders.allSatisfy { $0.passed >= 1 && $0.failure == nil }
        }
        #expect(passing, "\(String(describing: Self.report(owner)))")
        for seller in sellers {
            #expect(!StorageMarketTests.contracts(seller).isEmpty)
            #expect(!Self.anyFile(under: seller.dataDirectory, contains: Data(marker.utf8)), "\(seller.name)")
            #expect(!Self.anyFile(under: seller.dataDirectory, contains: Data("diary-secret".utf8)), "\(seller.name)")
        }

        // The owner drops its parts and reads the file back from its holders, opened with its key.
        let elements = owner.dataDirectory + "/elements"
        var removed = 0
        for folder in try FileManager.default.contentsOfDirectory(atPath: elements) where folder.count == 2 {
            for name in try FileManager.default.contentsOfDirectory(atPath: elements + "/" + folder) {
                let path = elements + "/" + folder + "/" + name
                if ((try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) > 10_000 {
                    try FileManager.default.removeItem(atPath: path)
                    removed += 1
                }
            }
        }
        #expect(removed >= 4)
        let restored = directory.path + "/restored"
        let get = try owner.runner.zenfs(["get", infoHash, "--to", restored])
        try #require(get.status == 0, "\(get.error)")
        #expect(get.text.contains("diary-secret-name.txt"))
        #expect(FileManager.default.contentsEqual(atPath: restored + "/diary-secret-name.txt", andPath: file))
        let left = try FileManager.default.contentsOfDirectory(atPath: restored)
        #expect(left == ["diary-secret-name.txt"], "the sealed copy is removed once opened")
    }

    /// Hostile proof-of-storage frames cost a holder nothing: unreadable bytes are logged, a checkpoint from a
    /// peer it has no contract with gets `unable` with the reason, an answer to nothing is ignored, and the node
    /// keeps serving and stops cleanly.
    @Test func hostileProofMessagesAreRefusedCalmly() throws {
        let directory = TemporaryDirectory()
        let node = try NodeProcess(
            in: directory.path,
            name: "holder",
            extra: ["--sell-storage", "16MiB", "--no-seeding"]
        )
        let raw = try #require(RawPeerConnection(port: node.port))
        #expect(try raw.handshake())
        #expect(raw.send(PeerFrame.encode(.storageProof([0xff, 0x00, 0x13]))))
        let stranger = MerkleChallenge(
            checkpoint: 77,
            task: Hash256.sha256([1, 2, 3]),
            content: SHA1Digest.of([4, 5, 6]),
            leafSize: 256,
            partPaths: false,
            leaves: [MerkleLeafIndex(part: 0, leaf: 0)]
        )
        let challenge = ProofMessageCodec.encode(.merkleChallenge(stranger))
        let stray = ProofMessageCodec.encode(.merkleAnswer(checkpoint: 5, proofs: []))
        #expect(raw.send(PeerFrame.encode(.storageProof(challenge))))
        #expect(raw.send(PeerFrame.encode(.storageProof(stray))))
        var answer: ProofMessage?
        for _ in 0..<50 where answer == nil {
            guard let message = raw.readMessage() else { break }
            if case .storageProof(let bytes) = message { answer = try? ProofMessageCodec.decode(bytes) }
        }
        guard case .unable(let checkpoint, let reason) = answer else {
            Issue.record("no unable answer: \(String(describing: answer))")
            return
        }
        #expect(checkpoint == 77 && reason.contains("no active contract"), "\(reason)")
        #expect(node.log().contains("unreadable proof-of-storage message"))
        let repair = try node.runner.zenfs(["repair"])
        #expect(repair.status == 0 && repair.error.contains("no content under proof of storage"), "\(repair.error)")
        let unknown = try node.runner.zenfs(["repair", String(repeating: "ab", count: 20)])
        #expect(unknown.status != 0 && unknown.error.contains("not under proof of storage"), "\(unknown.error)")
        #expect(node.status() != nil)
        #expect(node.stop())
    }

    /// The RFC's private-checksum mode between real processes: each checkpoint asks one bit of one part, a
    /// checksum whose routine bits are used up is renewed and checks go on (`--pps-confidence 1000` keeps 1,000
    /// of the 1,024 bits in reserve, so renewal comes after 24 checks), and a holder that overwrites its part
    /// answers a wrong bit within a few checks and is paid no more.
    @Test func privateChecksumRenewsAndCatchesALoss() throws {
        let directory = TemporaryDirectory()
        let miner = try NodeProcess(
            in: directory.path,
            name: "miner",
            extra: ["--block-interval", "0.5", "--no-seeding"],
            mining: true
        )
        let owner = try NodeProcess(
            in: directory.path,
            name: "owner",
            peers: [miner],
            extra: ["--no-seeding", "--payment-grace", "3s"]
        )
        let seller = try StorageMarketTests.seller(
            in: directory.path,
            name: "holder",
            miner: miner,
            storageFloor: "100/GiB-month"
        )
        for node in [owner, seller] { #expect(node.waitForPeers(1)) }
        try #require(try owner.runner.zenfs(["wallet", "faucet", "5", "--wait"]).status == 0)
        let file = directory.path + "/small.bin"
        StorageMarketTests.randomFile(file, bytes: 200_000)
        let upload = try owner.runner.zenfs([
            "upload", file, "--replicas", "1", "--max-price-storage", "200/GiB-month", "--duration", "600s",
            "--pps", "private", "--pps-interval", "1s", "--pps-confidence", "1000", "--accept-wait", "5s",
        ])
        try #require(upload.status == 0, "\(upload.error)\n\(owner.log())")
        let renewed = MountCrashTests.waitUntil(seconds: 120) {
            guard let holder = Self.report(owner)?.holders.first else { return false }
            return holder.passed >= 30 && holder.failure == nil && owner.log().contains("renewed the private checksum")
        }
        try #require(renewed, "\(String(describing: Self.report(owner)))\n\(owner.log())")
        #expect(Self.report(owner)?.files.first?.mode == "private")
        let paid = StorageMarketTests.contracts(owner).first?.paidUnits ?? 0
        #expect(paid > 0)

        #expect(Self.corruptSoldParts(seller) == 1)
        let caught = MountCrashTests.waitUntil(seconds: 60) {
            Self.report(owner)?.holders.first?.failure?.contains("wrong bit") == true
        }
        #expect(caught, "\(String(describing: Self.report(owner)))")
        #expect(MountCrashTests.waitUntil(seconds: 10) { StorageMarketTests.contracts(owner).first?.state != .active })
    }
}
