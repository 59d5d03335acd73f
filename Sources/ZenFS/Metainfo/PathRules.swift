/// The rules every file and folder name in a metainfo obeys, so that no torrent can name a path outside its folder.
public enum PathRules {
    /// Decodes and checks one name: valid UTF-8, not empty, not `.` or `..`, no `/` and no NUL.
    public static func component(_ bytes: [UInt8], field: String) throws(MetainfoError) -> String {
        guard let name = String(validating: bytes, as: UTF8.self) else {
            throw .invalidName(field: field, reason: "it is not valid UTF-8")
        }
        try check(name, field: field)
        return name
    }

    /// Checks a name given as text.
    public static func check(_ name: String, field: String) throws(MetainfoError) {
        if name.isEmpty { throw .invalidName(field: field, reason: "it is empty") }
        if name == "." || name == ".." { throw .invalidName(field: field, reason: "'\(name)' would leave the folder") }
        if name.utf8.contains(UInt8(ascii: "/")) {
            throw .invalidName(field: field, reason: "'\(name)' contains '/' (absolute or nested path)")
        }
        if name.utf8.contains(0) { throw .invalidName(field: field, reason: "it contains a NUL byte") }
    }
}
