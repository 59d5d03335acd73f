import Foundation
import TestSupport
import Testing
import ZenFS

@testable import Node

/// Content fetched from peers is stored within the quota, like content added locally.
struct FetchedContentQuotaTests {
    /// A metainfo fetched from a peer whose parts the quota cannot hold is refused before any part is fetched and
    /// is not indexed; with a larger quota it is indexed, and its parts then count as stored. An add in progress
    /// elsewhere holds back the room it has promised itself.
    @Test func fetchedMetainfoIsIndexedOnlyWithinTheQuota() throws {
        let directory = TemporaryDirectory()
        let holder = try DataDirectory(path: directory.path + "/holder")
        let added = try FileSystemService(data: holder).add(directory.randomFile("movie.bin", count: 3 << 20, seed: 7))
        let element = try #require(try holder.catalog.metainfoElement(added.infoHash))
        let bytes = try holder.store.read(element)
        let metainfo = try Metainfo(parsing: bytes)

        let fetcher = try DataDirectory(path: directory.path + "/fetcher")
        try fetcher.store.store(bytes)
        try fetcher.setQuota(2 << 20)
        #expect {
            try fetcher.indexFetchedMetainfo(metainfo, element: element, elementSize: Int64(bytes.count))
        } throws: { error in
            guard case StoreError.quotaExceeded(let needed, _, _) = error else { return false }
            return needed == 3 << 20 + Int64(bytes.count)
        }
        #expect(try fetcher.catalog.metainfo(added.infoHash) == nil)
        #expect(try fetcher.catalog.storedBytes() == 0)

        try fetcher.setQuota(4 << 20)
        let promise = SpaceReservation(data: fetcher)
        try promise.cover(2 << 20)
        #expect(throws: StoreError.self) {
            try fetcher.indexFetchedMetainfo(metainfo, element: element, elementSize: Int64(bytes.count))
        }
        promise.release()

        #expect(try fetcher.indexFetchedMetainfo(metainfo, element: element, elementSize: Int64(bytes.count)))
        #expect(try fetcher.catalog.storedBytes() == 3 << 20 + Int64(bytes.count))
        #expect(try fetcher.catalog.metainfo(added.infoHash) != nil)
    }
}
