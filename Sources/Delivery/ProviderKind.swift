/// The channel a device is reached through. Each kind has one provider at most; a
/// device's jobs are claimed and sent by that provider's workers.
public enum ProviderKind: String, Sendable, Hashable, CaseIterable, Codable {
    case apns
    case fcm
    /// The IM platform's own push REST API.
    case platform
    /// A JSON POST to an endpoint the app runs.
    case webhook
}
