import ZenFS

extension FileSystemService {
    /// Where content goes in the namespace: the `--as` path, or `/<name>`. A place under `/.zen` is refused: a
    /// mount shows its own virtual tree there (`VirtualTree`), so content placed there could never be seen.
    static func destination(_ explicit: String?, name: String) throws -> [String] {
        let components = try explicit.map(Catalog.components(of:)) ?? [name]
        if components.first == VirtualTree.name {
            throw IngestError.reservedDestination(path: "/" + components.joined(separator: "/"))
        }
        return components
    }
}
