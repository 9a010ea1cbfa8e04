import Foundation

extension APIRequestContext {
    /// A path parameter that must be a UUID; anything else names no resource (404).
    public func uuidParameter(_ name: String) throws -> UUID {
        guard let raw = parameters.get(name), let id = UUID(uuidString: raw) else {
            throw Problem.notFound("No resource has the id \(parameters.get(name) ?? "").")
        }
        return id
    }
}
