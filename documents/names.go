// Package documents holds the rules of shared files: what a file name may
// be and which media types are accepted, detected from the content.
package documents

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameBytes is the longest file name, as most file systems allow.
const MaxNameBytes = 255

// Name errors, each a clear reason for the user.
var (
	ErrNameEmpty     = errors.New("a file name is required")
	ErrNameTooLong   = errors.New("a file name is at most 255 bytes")
	ErrNamePath      = errors.New("a file name cannot contain / or \\ or two dots in a row")
	ErrNameControl   = errors.New("a file name cannot contain control characters")
	ErrNameEncoding  = errors.New("a file name must be valid UTF-8")
	ErrFolderInvalid = errors.New("a folder is names separated by /, without . or .. or control characters")
)

// CheckName refuses names that could escape a folder or confuse a reader;
// it only trims surrounding spaces, it never rewrites a name silently.
func CheckName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", ErrNameEmpty
	case !utf8.ValidString(name):
		return "", ErrNameEncoding
	case len(name) > MaxNameBytes:
		return "", ErrNameTooLong
	case name == "." || name == ".." || strings.ContainsAny(name, `/\`) || strings.Contains(name, ".."):
		return "", ErrNamePath
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\ufeff' || (r >= '\u202a' && r <= '\u202e') {
			return "", ErrNameControl
		}
	}
	return name, nil
}

// CheckFolder accepts "" (the top) or names joined by "/".
func CheckFolder(folder string) (string, error) {
	folder = strings.Trim(strings.TrimSpace(folder), "/")
	if folder == "" {
		return "", nil
	}
	if len(folder) > 1024 {
		return "", ErrFolderInvalid
	}
	parts := strings.Split(folder, "/")
	for i, p := range parts {
		clean, err := CheckName(p)
		if err != nil {
			return "", ErrFolderInvalid
		}
		parts[i] = clean
	}
	return strings.Join(parts, "/"), nil
}
