import CustosCrypto
import CustosStore
import Foundation
import Testing

/// A master key file appears whole or not at all: `keys rotate --resume` and `init` must never
/// meet a file at the key's path that is not a key (a kill between creating and writing once
/// left an empty one, and the torture run's rotation rounds met it).
struct MasterKeyFileTests {
    private static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("custos-keyfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    private static func names(in folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    @Test func aNewKeyFileHoldsItsKeyWithModeSixHundredAndNoSideFileRemains() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.path + "/custos.key"
        let key = try MasterKeyFile.create(at: path)
        #expect(try Self.names(in: folder) == ["custos.key"], "the side file is gone once the key has its name")
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect((attributes[.size] as? Int) == 32)
        #expect(try MasterKeyFile.load(from: path).isEqual(to: key), "the file holds the key returned")
    }

    @Test func anExistingFileIsNeitherReplacedNorJoinedBySideFiles() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.path + "/custos.key"
        let first = try MasterKeyFile.create(at: path)
        #expect(throws: StoreError.self) { _ = try MasterKeyFile.create(at: path) }
        #expect(try MasterKeyFile.load(from: path).isEqual(to: first), "the first key stays")
        #expect(try Self.names(in: folder) == ["custos.key"])
    }

    private struct Stopped: Error {}

    @Test func aCreateStoppedBeforeItsKeyIsNamedLeavesNothingAtThePath() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.path + "/new-1.key"
        var sideFiles: [String] = []
        #expect(throws: Stopped.self) {
            _ = try MasterKeyFile.create(at: path) {
                sideFiles = try Self.names(in: folder)
                throw Stopped()
            }
        }
        #expect(sideFiles.count == 1 && sideFiles[0].hasPrefix("new-1.key.partial-"), "the key is written under a side name first")
        #expect(!FileManager.default.fileExists(atPath: path), "nothing at the key's path: --resume and a new rotation both see no key file")
        let key = try MasterKeyFile.create(at: path)
        #expect(try MasterKeyFile.load(from: path).isEqual(to: key), "the next create makes the key")
    }

    @Test func aSideFileLeftByAKilledCreateDoesNotStopTheNextOne() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.path + "/new-1.key"
        // What a kill between opening the side file and writing it leaves: an empty file under
        // a side name, and nothing at the key's own path.
        #expect(FileManager.default.createFile(atPath: path + ".partial-00112233deadbeef", contents: Data(),
                                               attributes: [.posixPermissions: 0o600]))
        let key = try MasterKeyFile.create(at: path)
        #expect(try MasterKeyFile.load(from: path).isEqual(to: key))
        #expect(try Self.names(in: folder) == ["new-1.key", "new-1.key.partial-00112233deadbeef"],
                "only this call's own side file is removed: another create's may still be in use")
    }
}
