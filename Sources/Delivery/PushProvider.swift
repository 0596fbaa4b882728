import PushCompose

/// Sends one job to its device through one channel. A provider never throws: every
/// failure is an outcome that says whether to retry, drop the device or give up.
public protocol PushProvider: Sendable {
    var kind: ProviderKind { get }
    /// The most bytes the rendered payload may take, JSON-encoded, as the router hands
    /// it to the queue: the channel's limit less what the provider adds (the badge
    /// number, the push id). The router cuts the text to fit it.
    var payloadBudget: Int { get }
    func send(_ job: PushJob) async -> DeliveryOutcome
    /// What `send` would send for `job`, without sending it: where to (URL or path),
    /// the headers that depend on the push (never a credential) and the body, as JSON,
    /// or `{"error"}` saying why it would not be sent. For the admin API's preview.
    func preview(_ job: PushJob) -> JSONValue
}

extension PushProvider {
    /// Providers without an envelope of their own (stand-ins in tests and benchmarks)
    /// show the channel's payload.
    public func preview(_ job: PushJob) -> JSONValue {
        .object([("payload", ChannelPayload.make(job, includePushId: false))])
    }
}
