/// Which APNs endpoint a device's token belongs to.
public enum APNsEnvironment: String, Sendable, Hashable, CaseIterable, Codable {
    case sandbox
    case production
}
