/// Kubernetes name formats, with the messages `apimachinery` uses.
public enum NameRules {
    /// Whether `name` is an RFC 1123 label: at most 63 lower-case alphanumerics or `-`, alphanumeric at both ends.
    public static func isDNS1123Label(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 63 else { return false }
        guard let first = bytes.first, let last = bytes.last, isLowerAlphanumeric(first), isLowerAlphanumeric(last)
        else { return false }
        return bytes.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    /// Whether `name` is an RFC 1123 subdomain: dot-separated labels, at most 253 characters.
    public static func isDNS1123Subdomain(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
            isDNS1123Label(String($0))
        }
    }

    /// Whether `name` is an RFC 1035 label (a DNS-1123 label that starts with a letter), as Service names must be.
    public static func isDNS1035Label(_ name: String) -> Bool {
        guard isDNS1123Label(name), let first = name.utf8.first else { return false }
        return (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first)
    }

    /// The message Kubernetes gives for a bad RFC 1123 label.
    public static let dns1123LabelRule =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
        + "and must start and end with an alphanumeric character (at most 63 characters)"

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}

/// Image references as Kaito's webhook checks them.
enum ImageReferenceRules {
    /// Kaito's `^(.+/[^:/]+):([^:/]+)$`: at least one `/` and a `:tag` at the end.
    static func isFullReference(_ image: String) -> Bool {
        guard let colon = image.lastIndex(of: ":") else { return false }
        let repository = image[..<colon]
        let tag = image[image.index(after: colon)...]
        guard !tag.isEmpty, !tag.contains("/") else { return false }
        guard let slash = repository.lastIndex(of: "/") else { return false }
        let registryPart = repository[..<slash]
        let name = repository[repository.index(after: slash)...]
        return !registryPart.isEmpty && !name.isEmpty && !name.contains(":")
    }

    /// The repository's last path segment (after the last `/`, before the tag).
    static func repositoryName(_ image: String) -> Substring {
        let withoutTag = image.lastIndex(of: ":").map { image[..<$0] } ?? image[...]
        return withoutTag.lastIndex(of: "/").map { withoutTag[withoutTag.index(after: $0)...] } ?? withoutTag
    }
}
