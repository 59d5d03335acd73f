import Dispatch
import Foundation
import Node

/// The node's pages ask the running node through its control socket, as `zenfs status` does, on a dispatch
/// thread (the client blocks), so the web server needs nothing of the node's insides and a stopped node is a
/// message on the page rather than a failure.
public struct NodeLink: Sendable {
    public let dataDirectory: String

    public init(dataDirectory: String) { self.dataDirectory = dataDirectory }

    /// Sends one request; the error's text when the node is not reachable or refuses.
    public func send(_ request: ControlRequest) async -> Result<ControlResponse, ControlError> {
        let directory = dataDirectory
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    let client = try ControlClient(dataDirectory: directory)
                    continuation.resume(returning: .success(try client.send(request)))
                } catch {
                    continuation.resume(returning: .failure((error as? ControlError) ?? .io("\(error)")))
                }
            }
        }
    }
}
