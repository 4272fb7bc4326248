import Foundation

/// The CEL view of a structural schema node, as Kubernetes' `SchemaDeclType` declares it: the type `self` has,
/// and the size bounds the cost estimator uses.
final class CELDeclType: Sendable {
    let type: CELType
    /// `maxLength`/`maxItems`/`maxProperties` or the per-request estimate (`MaxElements`).
    let maxElements: UInt64
    /// The smallest JSON serialization of a value (`MinSerializedSize`).
    let minSerializedSize: UInt64
    /// Field declarations of an object, by escaped name.
    let fields: [String: CELDeclType]
    /// The element type of a list or the value type of a map.
    let element: CELDeclType?

    init(
        type: CELType, maxElements: UInt64 = 0, minSerializedSize: UInt64 = 1, fields: [String: CELDeclType] = [:],
        element: CELDeclType? = nil
    ) {
        self.type = type
        self.maxElements = maxElements
        self.minSerializedSize = minSerializedSize
        self.fields = fields
        self.element = element
    }
}
