import Foundation
import Testing

@testable import KaitoCore

@Suite struct ExamplesTests {
    @Test func thereAreExamplesForEveryPreset() throws {
        let files = RepositoryFiles.exampleFiles()
        #expect(files.count >= 20)
        var presets: Set<String> = []
        for file in files {
            for document in try ManifestReader.documents(from: RepositoryFiles.data(file)) {
                let workspace = try Workspace.decode(from: document.value)
                if let name = workspace.inference?.preset?.name ?? workspace.tuning?.preset?.name {
                    presets.insert(name)
                }
            }
        }
        #expect(presets == Set(PresetCatalog.bundled.names))
    }

    @Test(arguments: RepositoryFiles.exampleFiles())
    func exampleDecodesValidatesAndRoundTrips(file: String) throws {
        let documents = try ManifestReader.documents(from: RepositoryFiles.data(file))
        #expect(!documents.isEmpty)
        for document in documents {
            let workspace = try Workspace.decode(from: document.value)
            let problems = WorkspaceValidator().validateCreate(workspace)
            #expect(problems.isEmpty, "\(file): \(problems)")
            #expect(try workspace.jsonValue() == document.value)
        }
    }

    @Test func theExampleIndexListsEveryFile() throws {
        let index = String(decoding: try RepositoryFiles.data("examples/README.md"), as: UTF8.self)
        for file in RepositoryFiles.exampleFiles() {
            let relative = String(file.dropFirst("examples/".count))
            #expect(index.contains(relative), "examples/README.md does not mention \(relative)")
        }
    }
}
