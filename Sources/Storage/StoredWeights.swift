import Foundation

/// A bandit's weights as the drivers store them: a JSON object, variants in name order.
public enum StoredWeights {
    public static func encode(_ weights: [String: Double]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(weights), as: UTF8.self)
    }

    public static func decode(_ text: String) throws -> [String: Double] {
        try JSONDecoder().decode([String: Double].self, from: Data(text.utf8))
    }
}
