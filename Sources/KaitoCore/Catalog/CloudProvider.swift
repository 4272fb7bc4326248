/// The cloud whose GPU SKU table applies (Kaito's `CLOUD_PROVIDER` environment variable).
public enum CloudProvider: String, Sendable, Codable, CaseIterable {
    /// Microsoft Azure (`CLOUD_PROVIDER=azure`): `Standard_*` VM sizes.
    case azure
    /// Amazon Web Services (`CLOUD_PROVIDER=aws`): EC2 instance types such as `p4d.24xlarge`.
    case aws

    /// The provider's name as people write it: `Azure`, `AWS`.
    public var displayName: String {
        switch self {
        case .azure: "Azure"
        case .aws: "AWS"
        }
    }
}
