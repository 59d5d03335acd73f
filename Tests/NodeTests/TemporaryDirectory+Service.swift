import Node
import TestSupport

extension TemporaryDirectory {
    /// A fresh filesystem service over `name` inside this directory.
    func service(_ name: String = "data") throws -> FileSystemService {
        FileSystemService(data: try DataDirectory(path: path + "/" + name))
    }
}
