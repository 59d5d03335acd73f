/// Which parts need new copies: those kept by fewer healthy holders than the replicas asked.
public enum ReplicaShortfall {
    /// For each part with too few healthy holders, how many more it needs; `holders` lists every holder a part
    /// was placed on, `healthy` those still passing their checkpoints.
    public static func missing<Part: Hashable, Holder: Hashable>(
        holders: [Part: Set<Holder>],
        healthy: Set<Holder>,
        replicas: Int
    ) -> [Part: Int] {
        var result: [Part: Int] = [:]
        for (part, keepers) in holders {
            let live = keepers.intersection(healthy).count
            if live < replicas { result[part] = replicas - live }
        }
        return result
    }

    /// Where one part's missing copies go: at most `count` of the `candidates` (healthy holders, with their
    /// free bytes) that lack it and have room for it, most room first, ties in the holders' order.
    public static func targets<Holder: Hashable & Comparable>(
        count: Int,
        partBytes: UInt64,
        keepers: Set<Holder>,
        candidates: [Holder: UInt64]
    ) -> [Holder] {
        candidates.filter { !keepers.contains($0.key) && $0.value >= partBytes }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(max(0, count)).map(\.key)
    }
}
