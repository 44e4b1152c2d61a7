import Foundation
import Testing
@testable import Custos

/// RFC 4180, read strictly: what a lenient reader would guess at is an error at its line and
/// column.
struct CSVRecordsTests {
    func records(_ text: String) -> (records: [CSVRecords.Record], malformed: CSVRecords.Malformed?) {
        var records: [CSVRecords.Record] = []
        let malformed = CSVRecords.forEach(in: Data(text.utf8)) { records.append($0) }
        return (records, malformed)
    }

    @Test func quotedFieldsHoldCommasQuotesAndLineBreaksAndLinesCountWhatTheFileHolds() {
        let read = records("id,note\r\nD-1,\"a, \"\"b\"\"\nc\"\r\n\r\n  \t \nD-2 ,  \"x\"  ,\nD-3,")
        #expect(read.malformed == nil)
        #expect(read.records.map(\.fields) == [["id", "note"], ["D-1", "a, \"b\"\nc"], ["D-2", "x", ""], ["D-3", ""]])
        #expect(read.records.map(\.line) == [1, 2, 6, 7], "the quoted line break and the blank lines are lines of the file")
    }

    @Test func aByteOrderMarkIsSkippedAndAnEmptyFileHasNoRecords() {
        #expect(records("\u{FEFF}id,email\nD-1,a@b.nl\n").records.map(\.fields) == [["id", "email"], ["D-1", "a@b.nl"]])
        #expect(records("").records.isEmpty && records("").malformed == nil)
        #expect(records("\n \n").records.isEmpty)
    }

    @Test func textAfterAClosingQuoteIsAnErrorWhereItStands() {
        let read = records("id,email\nD-1,\"é@b.nl\"x,\nD-2,c@d.nl\n")
        #expect(read.records.map(\.line) == [1], "nothing after the error is read")
        #expect(read.malformed == CSVRecords.Malformed(line: 2, column: 13, message: "text after a closing quote; a quote inside a quoted field is written twice (\"\")"))
    }

    @Test func anUnclosedQuoteIsNamedWhereItOpens() {
        let read = records("id,email\nD-1,a@b.nl\nD-2,\"c@d.nl\nD-3,e@f.nl\n")
        #expect(read.records.count == 2)
        #expect(read.malformed == CSVRecords.Malformed(line: 3, column: 5, message: "the quote opened here is never closed"))
    }

    @Test func aQuoteInsideAnUnquotedFieldIsAnError() {
        let read = records("id,note\nD-1,5\" screen\n")
        #expect(read.malformed?.line == 2)
        #expect(read.malformed?.column == 6)
    }
}
