/// Stands for a provider the configuration does not set up: its jobs (queued before it
/// was removed, or for devices registered anyway) are dead-lettered, visibly, instead
/// of waiting for ever.
public struct UnconfiguredProvider: PushProvider {
    public let kind: ProviderKind

    public init(kind: ProviderKind) {
        self.kind = kind
    }

    public var payloadBudget: Int { 0 }

    public func send(_ job: PushJob) async -> DeliveryOutcome {
        .failedPermanently(status: nil, reason: "provider \(kind.rawValue) is not configured")
    }
}
