/// What the report concludes. In JSON: `{"kind": "noWinnerYet", "reason": …}`,
/// `{"kind": "winner", "variant": …}`, `{"kind": "noSignificantDifference"}`, `{"kind": "adaptive"}`.
public enum Verdict: Sendable, Equatable, Codable {
    /// Some arm has fewer exposed receivers than the minimum sample (or there is nothing to compare).
    case noWinnerYet(reason: String)
    /// The corrected p is below 0.05 and this variant beats the control (or the control beats
    /// every variant).
    case winner(variant: String)
    case noSignificantDifference
    /// Bandit weights were adaptive during the period: no significance verdict.
    case adaptive

    private enum CodingKeys: String, CodingKey {
        case kind, reason, variant
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .noWinnerYet(let reason):
            try container.encode("noWinnerYet", forKey: .kind)
            try container.encode(reason, forKey: .reason)
        case .winner(let variant):
            try container.encode("winner", forKey: .kind)
            try container.encode(variant, forKey: .variant)
        case .noSignificantDifference:
            try container.encode("noSignificantDifference", forKey: .kind)
        case .adaptive:
            try container.encode("adaptive", forKey: .kind)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case "noWinnerYet": self = .noWinnerYet(reason: try container.decode(String.self, forKey: .reason))
        case "winner": self = .winner(variant: try container.decode(String.self, forKey: .variant))
        case "noSignificantDifference": self = .noSignificantDifference
        case "adaptive": self = .adaptive
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown verdict kind \"\(kind)\"")
        }
    }
}
