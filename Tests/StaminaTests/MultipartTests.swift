import HTTPAPI
import Testing

@Suite("multipart/form-data")
struct MultipartTests {
    @Test("the boundary comes from the content type, quoted or not")
    func boundary() {
        #expect(Multipart.boundary(contentType: "multipart/form-data; boundary=abc") == "abc")
        #expect(Multipart.boundary(contentType: #"Multipart/Form-Data; charset=utf-8; boundary="a b""#) == "a b")
        #expect(Multipart.boundary(contentType: "application/json") == nil)
        #expect(Multipart.boundary(contentType: "multipart/form-data") == nil)
    }

    @Test("parts keep their names, file names and exact bytes, CRLFs inside included")
    func parts() throws {
        let body = Array(
            "--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nMorning run\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.gpx\"\r\nContent-Type: application/gpx+xml\r\n\r\n<gpx>\r\n--X</gpx>\r\n--XyZ--\r\n"
                .utf8)
        let parts = try #require(Multipart.parse(body, boundary: "XyZ"))
        #expect(parts.map(\.name) == ["name", "file"])
        #expect(parts[0].text == "Morning run")
        #expect(parts[1].filename == "a.gpx")
        #expect(parts[1].contentType == "application/gpx+xml")
        #expect(parts[1].text == "<gpx>\r\n--X</gpx>")
    }

    @Test(
        "malformed bodies are refused",
        arguments: [
            "no boundary at all", "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated",
            "--XyZ\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--XyZ--", "--XyZ no line break",
        ])
    func malformed(body: String) {
        #expect(Multipart.parse(Array(body.utf8), boundary: "XyZ") == nil)
    }
}
