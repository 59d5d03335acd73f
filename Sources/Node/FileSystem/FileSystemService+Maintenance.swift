import Dispatch
import Foundation
import Synchronization
import ZenFS

/// What `verify` found.
public struct VerifyReport: Equatable, Sendable {
    public var checkedElements = 0
    public var checkedBytes: Int64 = 0
    /// Elements whose bytes did not match their names; they were moved to quarantine.
    public var quarantined: [SHA1Digest] = []
    /// Elements the catalog references that the store does not hold.
    public var missing: [SHA1Digest] = []
    /// Elements in the store that nothing references (`gc` removes them).
    public var unreferenced = 0
    public var catalogProblems: [String] = []

    /// Whether everything the catalog references is present and intact.
    public var isHealthy: Bool { quarantined.isEmpty && missing.isEmpty && catalogProblems.isEmpty }
}

/// What `gc` removed.
public struct CollectReport: Equatable, Sendable {
    public var removedElements = 0
    /// Bytes the removed element files took on the disk.
    public var freedBytes: Int64 = 0
}

extension FileSystemService {
    /// Re-hashes every element on all cores, quarantines those that do not match their names, and checks that
    /// the catalog is consistent and that every element it references is present. Runs beside a live mount too
    /// (its staged parts are left alone; its elements named but not yet recorded count as unreferenced).
    public func verify(progress: ((ProgressCounter) -> Void)? = nil) throws -> VerifyReport {
        try data.withLock(.exclusive) {
            store.removeAbandonedStagingFiles()
            let elements = store.allElements()
            let sizes = elements.map { store.size(of: $0) ?? 0 }
            let counter = ProgressCounter(total: sizes.reduce(0, +))
            progress?(counter)
            let next = Atomic<Int>(0)
            let corrupt = Mutex<[SHA1Digest]>([])
            DispatchQueue.concurrentPerform(iterations: max(1, min(workers, elements.count))) { _ in
                while true {
                    let index = next.add(1, ordering: .relaxed).oldValue
                    if index >= elements.count { return }
                    do {
                        _ = try store.read(elements[index], verify: true)
                    } catch StoreError.corruptElement(let hash) {
                        corrupt.withLock { $0.append(hash) }
                    } catch {
                        corrupt.withLock { $0.append(elements[index]) }
                        try? store.quarantine(elements[index])
                    }
                    counter.advance(by: sizes[index])
                }
            }
            var report = VerifyReport()
            report.checkedElements = elements.count
            report.checkedBytes = counter.total
            report.quarantined = corrupt.withLock { $0 }.sorted()
            let references = try catalog.elementReferences()
            let present = Set(elements).subtracting(report.quarantined)
            report.missing = references.filter { $0.value > 0 && !present.contains($0.key) }.map(\.key).sorted()
            report.unreferenced = present.filter { (references[$0] ?? 0) <= 0 }.count
            report.catalogProblems = try catalog.integrityProblems()
            return report
        }
    }

    /// Deletes elements that nothing references: those whose reference count fell to zero, and those a killed
    /// writer stored but never indexed. Safe beside a live mount: an element the mount is about to record is
    /// linked by it, and `ElementStore.collect` keeps what is linked or recorded once moved aside.
    public func collectGarbage() throws -> CollectReport {
        try data.withLock(.exclusive) {
            store.removeAbandonedStagingFiles()
            // Listed before the catalog is read: an element a mount names and records meanwhile is then known.
            let present = store.allElements()
            let released = try catalog.write { db in try catalog.deleteUnreferencedElements(in: db) }
            let references = try catalog.elementReferences()
            let doomed = Set(released).union(present.filter { references[$0] == nil })
                .filter { references[$0] == nil }
            let collected = try store.collect(Array(doomed)) { moved in try catalog.knownElements(moved) }
            return CollectReport(removedElements: collected.removed, freedBytes: collected.freedBytes)
        }
    }

    /// Deletes the elements whose reference count fell to zero (the parts a mount's new versions superseded),
    /// without looking at the rest of the store; nil when an add, import or another collector holds the data
    /// directory (the next pass does it). Cheap enough to run every few seconds beside a mount.
    public func collectReleased() throws -> CollectReport? {
        guard try catalog.hasUnreferencedElements() else { return CollectReport() }
        return try data.withLockIfFree(.exclusive) {
            let released = try catalog.write { db in try catalog.deleteUnreferencedElements(in: db) }
            guard !released.isEmpty else { return CollectReport() }
            let collected = try store.collect(released) { moved in try catalog.knownElements(moved) }
            return CollectReport(removedElements: collected.removed, freedBytes: collected.freedBytes)
        }
    }

    /// Removes a namespace entry and its subtree; content nothing else names leaves the index (run `gc` to free
    /// its parts). Returns the info-hashes that left the index.
    public func remove(_ path: String) throws -> [SHA1Digest] {
        try data.withLock(.shared) { try catalog.removeEntry(atPath: path) }
    }
}
