package documents

import "testing"

func TestDetect(t *testing.T) {
	zip := []byte("PK\x03\x04\x14\x00\x06\x00rest-of-zip")
	cases := []struct {
		head    []byte
		name    string
		want    string
		allowed bool
	}{
		{[]byte("%PDF-1.7\n%âãÏÓ"), "guide.pdf", "application/pdf", true},
		{[]byte("%PDF-1.7\n"), "guide.txt", "application/pdf", true}, // the content wins
		{zip, "note.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", true},
		{zip, "tableau.ods", "application/vnd.oasis.opendocument.spreadsheet", true},
		{zip, "archive.zip", "application/zip", false},
		{append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, 0, 0), "ancien.doc", "application/msword", true},
		{[]byte("nom;prénom\nMartin;Alice\n"), "liste.csv", "text/csv", true},
		{[]byte("<!DOCTYPE html><script>alert(1)</script>"), "page.pdf", "text/html", false},
		// SVG is text to the sniffer: stored and served as text/plain, never as an image.
		{[]byte("<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>"), "logo.png", "text/plain", true},
		{[]byte("MZ\x90\x00\x03"), "rapport.pdf", "application/octet-stream", false},
		{[]byte("\x89PNG\r\n\x1a\n\x00\x00"), "carte.png", "image/png", true},
	}
	for _, c := range cases {
		got := Detect(c.head, c.name)
		if got != c.want || Allowed[got] != c.allowed {
			t.Errorf("%s: %q (allowed %v), want %q (allowed %v)", c.name, got, Allowed[got], c.want, c.allowed)
		}
	}
}
