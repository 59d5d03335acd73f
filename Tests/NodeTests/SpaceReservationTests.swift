import Foundation
import GRDB
import TestSupport
import Testing

@testable import Node

/// Adds running at once share the quota through reservations in the catalog.
struct SpaceReservationTests {
    /// Two adds started together, each fitting the quota alone but not both: one stores its content, the other
    /// fails with `quotaExceeded` and leaves nothing; the store never holds more than the quota.
    @Test(arguments: 1...4) func concurrentAddsShareTheQuota(round: Int) throws {
        let directory = TemporaryDirectory()
        try directory.service().data.setQuota(6 << 20)
        let sources = (0..<2).map {
            directory.randomFile("src/\($0).bin", count: 4 << 20, seed: UInt64(round * 10 + $0))
        }
        // Separate services, each with its own catalog connections, as two `zenfs add` processes would have.
        let services = try (0..<2).map { _ in try directory.service() }
        let start = DispatchSemaphore(value: 0)
        let outcomes = Locked<[Result<AddResult, any Error>]>([])
        let group = DispatchGroup()
        for index in 0..<2 {
            group.enter()
            Thread.detachNewThread {
                start.wait()
                let outcome = Result { try services[index].add(sources[index]) }
                outcomes.withLock { $0.append(outcome) }
                group.leave()
            }
        }
        start.signal()
        start.signal()
        group.wait()
        let results = outcomes.withLock { $0 }
        let successes = results.filter { if case .success = $0 { true } else { false } }
        let refusals = results.filter {
            if case .failure(let error) = $0, case StoreError.quotaExceeded = error { true } else { false }
        }
        #expect(successes.count == 1)
        #expect(refusals.count == 1)
        let data = services[0].data
        #expect(try data.catalog.storedBytes() <= 6 << 20)
        #expect(data.store.stagedFiles().isEmpty)
        #expect(try data.reservedBytes() == 0)
        #expect(try services[0].verify().isHealthy)
    }

    /// A reservation left by a process that no longer runs (killed during an add) holds nothing back and is
    /// removed by the next add; one of a running process counts against the quota.
    @Test func reservationsOfDeadProcessesAreIgnored() throws {
        let directory = TemporaryDirectory()
        let service = try directory.service()
        let data = service.data
        try data.setQuota(8 << 20)
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let me = ProcessIdentity.current
        try data.catalog.write { db in
            try db.execute(
                sql: "INSERT INTO space_reservation (owner, pid, started, bytes) VALUES (?, ?, ?, ?), (?, ?, ?, ?)",
                arguments: ["dead", finished.processIdentifier, 1, 1 << 40, "alive", me.pid, me.started, 5 << 20]
            )
        }
        #expect(try data.reservedBytes() == 5 << 20)
        #expect(try data.storageBudget() <= 3 << 20)
        let source = directory.randomFile("src/a.bin", count: 4 << 20)
        #expect(throws: StoreError.self) { try service.add(source) }

        try data.catalog.write { db in try db.execute(sql: "DELETE FROM space_reservation WHERE owner = 'alive'") }
        _ = try service.add(source)
        let owners = try data.catalog.read { db in try String.fetchAll(db, sql: "SELECT owner FROM space_reservation") }
        #expect(owners.isEmpty)
    }
}
