import Custos
import Foundation
import Testing

/// Files that may hold personal data: written whole with mode 0600, with or without a sync of
/// their own, and every failure named by its path.
struct PrivateFileTests {
    @Test func bothWaysOfWritingLeaveTheWholeFileWithMode0600AndNoTemporaryFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("private-file-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let synced = folder.appendingPathComponent("synced.txt").path, unsynced = folder.appendingPathComponent("unsynced.txt").path
        try PrivateFile.write(Data("first".utf8), to: synced)
        try PrivateFile.writeUnsynced(Data("letter".utf8), to: unsynced)
        try PrivateFile.writeUnsynced(Data("letter, again".utf8), to: unsynced)
        try PrivateFile.syncFileSystem(containing: folder.path)
        #expect(try String(contentsOfFile: synced, encoding: .utf8) == "first")
        #expect(try String(contentsOfFile: unsynced, encoding: .utf8) == "letter, again", "a second write replaces the first whole")
        for path in [synced, unsynced] {
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["synced.txt", "unsynced.txt"])
    }

    @Test func aFailureNamesThePath() {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-folder-\(UUID().uuidString)").path
        for attempt in [{ try PrivateFile.writeUnsynced(Data("x".utf8), to: missing + "/letter.txt") }, { try PrivateFile.syncFileSystem(containing: missing) }] {
            #expect { try attempt() } throws: { error in
                (error as? PrivateFileError)?.path.hasPrefix(missing) == true && String(describing: error).contains("No such file")
            }
        }
    }
}
