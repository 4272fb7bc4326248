import Foundation

/// What the preset and GPU catalogs share: reading and writing their JSON files, and merging by identity.
enum CatalogFileCoding {
    /// Decodes a catalog file, turning decoding errors into a ``CatalogError`` that names the field.
    static func decode<File: Decodable>(_ type: File.Type, from json: Data, catalog: String) throws -> File {
        do {
            return try JSONDecoder().decode(File.self, from: json)
        } catch let error as DecodingError {
            throw CatalogError.decoding(error, catalog: catalog)
        }
    }

    /// Encodes a catalog file with sorted keys, pretty-printed.
    static func encode(_ file: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(file)
    }

    /// `base` with `overrides` applied: an entry with the same id is replaced in place, new entries are appended in
    /// the order of `overrides`.
    static func merge<Entry: Identifiable>(_ base: [Entry], with overrides: [Entry]) -> [Entry] {
        var merged = base
        var positions: [Entry.ID: Int] = [:]
        for (index, entry) in merged.enumerated() where positions[entry.id] == nil {
            positions[entry.id] = index
        }
        for entry in overrides {
            if let index = positions[entry.id] {
                merged[index] = entry
            } else {
                positions[entry.id] = merged.count
                merged.append(entry)
            }
        }
        return merged
    }
}
