import Foundation

/// A value guarded by a lock, for small state shared between threads and async callers.
///
/// Never suspend or call out to unknown code inside ``withLock(_:)``.
public final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    /// Guards `value`.
    public init(_ value: Value) {
        self.stored = value
    }

    /// The value now; setting replaces it. Use ``withLock(_:)`` to read and change it in one step.
    public var value: Value {
        get { withLock { $0 } }
        set { withLock { $0 = newValue } }
    }

    /// Runs `body` with exclusive access to the value.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&stored)
    }
}
