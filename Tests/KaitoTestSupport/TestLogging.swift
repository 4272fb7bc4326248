import Foundation
public import Logging

/// Loggers for code under test: quiet by default, so a test run's log shows warnings and errors only.
///
/// Set `KAITO_TEST_LOG_LEVEL` (`trace`, `debug`, `info`, `notice`, `warning`, `error`, `critical`) to see more
/// while debugging, or pass `level` in a test that needs to.
public enum TestLogging {
    /// The level from `KAITO_TEST_LOG_LEVEL`, `warning` when unset or not a level.
    public static var defaultLevel: Logger.Level {
        ProcessInfo.processInfo.environment["KAITO_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
    }

    /// A logger named `label` at `level`.
    public static func logger(_ label: String, level: Logger.Level = defaultLevel) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}
