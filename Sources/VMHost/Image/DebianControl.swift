/// Reads the fields of a Debian package's control data that the thin image needs.
enum DebianControl {
    /// The package names of a `Depends` field: versions dropped, the first of each set of alternatives kept,
    /// architecture qualifiers (`:any`) removed.
    static func dependencyNames(_ field: String) -> [String] {
        field.split(separator: ",").compactMap { clause in
            let first = clause.split(separator: "|").first.map(String.init) ?? ""
            let name = first.split(separator: "(").first.map { String($0).trimmingCharacters(in: " \n\t") } ?? ""
            let bare = name.split(separator: ":").first.map(String.init) ?? name
            return bare.isEmpty ? nil : bare
        }
    }

    /// The package a `.deb` file's name says it holds (`name_version_arch.deb`).
    static func packageName(ofFile file: String) -> String? {
        guard file.hasSuffix(".deb"), let underscore = file.firstIndex(of: "_") else { return nil }
        return String(file[..<underscore])
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        var slice = Substring(self)
        while let first = slice.first, characters.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, characters.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
