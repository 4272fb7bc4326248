import Foundation

/// Writes results to standard output and diagnostics to standard error.
enum Console {
    static func out(_ text: String) {
        let line = text.hasSuffix("\n") ? text : text + "\n"
        FileHandle.standardOutput.write(Data(line.utf8))
    }

    static func error(_ lines: [String]) {
        guard !lines.isEmpty else { return }
        let text = lines.map { $0.hasSuffix("\n") ? $0 : $0 + "\n" }.joined()
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// Renders aligned, kubectl-style tables: upper-case headers, columns separated by three spaces.
struct Table {
    var headers: [String]
    var rows: [[String]] = []

    func render() -> String {
        let widths = headers.indices.map { column in
            ([headers[column]] + rows.map { column < $0.count ? $0[column] : "" }).map(\.count).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "   ")
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }
}
