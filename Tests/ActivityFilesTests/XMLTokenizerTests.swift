import Foundation
import Testing

@testable import ActivityFiles

/// Runs the tokenizer over `xml` and renders its events compactly: `<name a=v>`, `</name>`, `"text"`.
private func events(_ xml: String) throws(ActivityFileError) -> [String] {
    let bytes = Array(xml.utf8)
    return try bytes.withUnsafeBufferPointer { (buffer) throws(ActivityFileError) -> [String] in
        var tokenizer = XMLTokenizer(buffer, formatName: "XML")
        var result: [String] = []
        while true {
            switch try tokenizer.next() {
            case .startElement:
                let name = tokenizer.string(tokenizer.localName)
                let id = try tokenizer.attribute("id").flatMap { tokenizer.string($0) }
                result.append(id.map { "<\(name) id=\($0)>" } ?? "<\(name)>")
                if name == "v" { result.append("=\(tokenizer.string(try tokenizer.elementText()) ?? "")") }
            case .endElement:
                result.append("</\(tokenizer.string(tokenizer.localName))>")
            case .text:
                result.append("text")
            case .endOfDocument:
                return result
            }
        }
    }
}

@Suite("XML tokenizer")
struct XMLTokenizerTests {
    @Test("elements, self-closing tags and namespace prefixes come out by local name")
    func elements() throws {
        #expect(
            try events("<a:root><b/><ns3:c>x</ns3:c></a:root>") == [
                "<root>", "<b>", "</b>", "<c>", "text", "</c>", "</root>",
            ]
        )
    }

    @Test(
        "attributes take either quote style and decode entities",
        arguments: [
            (#"<r id="1"/>"#, "1"), (#"<r id='2'/>"#, "2"), (#"<r x:id = "a&amp;b"/>"#, "a&b"),
            (#"<r other="x" id='say "hi"'/>"#, "say \"hi\""), (#"<r id="&#65;&#x42;"/>"#, "AB"),
        ])
    func attributes(xml: String, value: String) throws {
        #expect(try events(xml).first == "<r id=\(value)>")
    }

    @Test(
        "text decodes the predefined entities, character references and CDATA",
        arguments: [
            ("<v>&lt;&gt;&amp;&quot;&apos;</v>", "<>&\"'"), ("<v>caf&#233; &#x1F3C3;</v>", "café 🏃"),
            ("<v><![CDATA[a < b & c]]></v>", "a < b & c"), ("<v>a<!-- note -->b</v>", "ab"),
            ("<v> x <![CDATA[&]]> y </v>", "x & y"), ("<v><?pi data?>7</v>", "7"),
        ])
    func text(xml: String, expected: String) throws {
        #expect(try events("<r>\(xml)</r>") == ["<r>", "<v>", "=\(expected)", "</r>"])
    }

    @Test("the declaration, a DOCTYPE with an internal subset, comments and a byte order mark are skipped")
    func prolog() throws {
        let xml =
            "\u{FEFF}<?xml version=\"1.0\"?>\n<!-- c -->\n<!DOCTYPE r [ <!ENTITY e \"x>\"> ]>\n<r/>\n<!-- end -->\n"
        #expect(try events(xml) == ["<r>", "</r>"])
    }

    /// Entities are checked when the text holding them is read (`<v>` here), not when skipped.
    @Test(
        "malformed XML is corrupt",
        arguments: [
            "<r><a></b></r>", "<r a=1/>", "<r><v>&bogus;</v></r>", "<r><v>&#xD800;</v></r>", "<r><v>&amp</v></r>",
            "<r a=\"<\"/>", "<r id=\"&nope;\"/>",
            "<r><!x></r>", "<r></>",
        ])
    func malformed(xml: String) {
        #expect(throws: ActivityFileError.self) { try events(xml) }
        do {
            _ = try events(xml)
        } catch {
            #expect(error.code == .corrupt, "\(error)")
        }
    }

    @Test(
        "a document that stops early is truncated",
        arguments: ["<r><a>", "<r><a x=\"1", "<r><!-- c", "<r><![CDATA[x", "<r", "<?xml version=\"1.0\"?>", "<r></r"])
    func truncated(xml: String) {
        do {
            _ = try events(xml)
            Issue.record("no error for \(xml)")
        } catch {
            #expect(error.code == .truncated, "\(error)")
        }
    }

    @Test("text that is not markup is not XML")
    func notXML() {
        do {
            _ = try events("{\"json\": true}")
            Issue.record("no error")
        } catch {
            #expect(error.code == .wrongFormat)
        }
    }

    @Test("messages name the line of the problem")
    func lineNumbers() {
        do {
            _ = try events("<r>\n<a>\n</b>\n</r>")
            Issue.record("no error")
        } catch {
            #expect(error.message.contains("line 3"), "\(error.message)")
            #expect(error.message.contains("</a>"))
        }
    }
}
