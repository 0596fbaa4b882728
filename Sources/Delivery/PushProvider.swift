/// Sends one job to its device through one channel. A provider never throws: every
/// failure is an outcome that says whether to retry, drop the device or give up.
public protocol PushProvider: Sendable {
    var kind: ProviderKind { get }
    /// The most bytes the rendered payload may take, JSON-encoded, as the router hands
    /// it to the queue: the channel's limit less what the provider adds (the badge
    /// number, the push id). The router cuts the text to fit it.
    var payloadBudget: Int { get }
    func send(_ job: PushJob) async -> DeliveryOutcome
}
