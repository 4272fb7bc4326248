/// "Did you mean …?" suggestions for mistyped catalog names, shared by the preset and GPU catalogs.
enum NameSuggestions {
    /// Up to `limit` names from `candidates` that are close to `input`, best first; empty when nothing is close.
    ///
    /// Ranking: case-insensitive equality; equality ignoring case and separators (`falcon7b` for `falcon-7b`);
    /// names starting with the input, then names containing it (inputs of three characters or more: `phi3` for
    /// `phi-3-mini-4k-instruct`, `nc12sv3` for `Standard_NC12s_v3`); then a small edit distance (at most 1, 2 or 3
    /// edits for short, medium and long inputs). Within a rank, closer lengths or distances first, then the
    /// candidates' order.
    static func closest(to input: String, among candidates: [String], limit: Int) -> [String] {
        let key = normalized(input)
        guard limit > 0, !key.isEmpty else { return [] }
        let lowered = input.lowercased()
        let maximumDistance = min(3, max(1, key.count / 4))
        var ranked: [(tier: Int, score: Int, order: Int, name: String)] = []
        var seen = Set<String>()
        for (order, candidate) in candidates.enumerated() where seen.insert(candidate).inserted {
            let candidateKey = normalized(candidate)
            if candidate.lowercased() == lowered {
                ranked.append((0, 0, order, candidate))
            } else if candidateKey == key {
                ranked.append((1, 0, order, candidate))
            } else if key.count >= 3, candidateKey.hasPrefix(key) {
                ranked.append((2, abs(candidateKey.count - key.count), order, candidate))
            } else if key.count >= 3, candidateKey.contains(key) {
                ranked.append((3, candidateKey.count - key.count, order, candidate))
            } else {
                let distance = editDistance(Array(key), Array(candidateKey), stoppingAbove: maximumDistance)
                if distance <= maximumDistance {
                    ranked.append((4, distance, order, candidate))
                }
            }
        }
        ranked.sort { ($0.tier, $0.score, $0.order) < ($1.tier, $1.score, $1.order) }
        return ranked.prefix(limit).map(\.name)
    }

    /// Lower-cased letters and digits only: `Standard_NC12s_v3` becomes `standardnc12sv3`.
    static func normalized(_ text: String) -> String {
        text.lowercased().filter { $0.isLetter || $0.isNumber }
    }

    /// Levenshtein distance between two character arrays; returns `limit + 1` as soon as it must exceed `limit`.
    static func editDistance(_ lhs: [Character], _ rhs: [Character], stoppingAbove limit: Int) -> Int {
        if abs(lhs.count - rhs.count) > limit { return limit + 1 }
        if lhs.isEmpty { return rhs.count }
        if rhs.isEmpty { return lhs.count }
        var previous = Array(0...rhs.count)
        var current = [Int](repeating: 0, count: rhs.count + 1)
        for i in 1...lhs.count {
            current[0] = i
            var rowMinimum = current[0]
            for j in 1...rhs.count {
                let substitution = previous[j - 1] + (lhs[i - 1] == rhs[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
                rowMinimum = min(rowMinimum, current[j])
            }
            if rowMinimum > limit { return limit + 1 }
            swap(&previous, &current)
        }
        return previous[rhs.count]
    }
}
