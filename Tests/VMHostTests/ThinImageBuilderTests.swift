import Foundation
import TestSupport
import Testing

@testable import VMHost

struct ThinImageBuilderTests {
    /// Offline with no package cached, the builder names the packages it lacks and where it looked.
    @Test func offlineWithoutPackagesSaysWhatIsMissing() throws {
        let folder = TemporaryDirectory()
        let builder = ThinImageBuilder(
            configuration: .init(
                cacheDirectory: folder.path + "/cache",
                packageDirectories: [folder.path + "/empty"],
                allowDownload: false
            )
        )
        do {
            _ = try builder.build()
            Issue.record("a build with no packages succeeded")
        } catch {
            guard case .packagesMissing(let names, let searched, let downloadError) = error else {
                Issue.record("unexpected error: \(error)")
                return
            }
            #expect(names == [ThinImageBuilder.kernelMetaPackage])
            #expect(searched == [folder.path + "/cache/packages", folder.path + "/empty"])
            #expect(downloadError == nil)
            #expect(error.description.contains("apt-get download linux-image-cloud-amd64"))
        }
    }
}
