package documents

import (
	"bytes"
	"mime"
	"net/http"
	"path/filepath"
	"strings"
)

// SniffBytes is how much of a file Detect looks at.
const SniffBytes = 512

// Allowed are the media types a group may hold: office documents, PDF,
// text and images. HTML and SVG are not (a file served back to a browser
// must not run script), nor executables or archives.
var Allowed = map[string]bool{
	"application/pdf": true,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   true,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         true,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": true,
	"application/vnd.oasis.opendocument.text":                                   true,
	"application/vnd.oasis.opendocument.spreadsheet":                            true,
	"application/vnd.oasis.opendocument.presentation":                           true,
	"application/msword":            true,
	"application/vnd.ms-excel":      true,
	"application/vnd.ms-powerpoint": true,
	"text/plain":                    true,
	"text/csv":                      true,
	"text/markdown":                 true,
	"image/png":                     true,
	"image/jpeg":                    true,
	"image/gif":                     true,
	"image/webp":                    true,
}

// zipFormats are the office formats that are zip files inside: the name
// tells which one once the content says zip.
var zipFormats = map[string]string{
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".odt":  "application/vnd.oasis.opendocument.text",
	".ods":  "application/vnd.oasis.opendocument.spreadsheet",
	".odp":  "application/vnd.oasis.opendocument.presentation",
}

// oleFormats are the older office formats (OLE2 compound files).
var oleFormats = map[string]string{
	".doc": "application/msword",
	".xls": "application/vnd.ms-excel",
	".ppt": "application/vnd.ms-powerpoint",
}

var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// Detect tells a file's media type from its first bytes; the name only
// chooses between formats the content cannot tell apart (a .docx and a
// .xlsx are both zip files), it never overrules the content.
func Detect(head []byte, name string) string {
	sniffed, _, _ := mime.ParseMediaType(http.DetectContentType(head))
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case sniffed == "application/zip":
		if t, ok := zipFormats[ext]; ok {
			return t
		}
	case bytes.HasPrefix(head, oleMagic):
		if t, ok := oleFormats[ext]; ok {
			return t
		}
	case sniffed == "text/plain":
		switch ext {
		case ".csv":
			return "text/csv"
		case ".md":
			return "text/markdown"
		}
	}
	return sniffed
}
