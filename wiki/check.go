package wiki

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of a page, from a user or a peer.
const (
	// MaxTitle is the longest title, in characters.
	MaxTitle = 200
	// MaxBody is the largest body, in bytes of Markdown.
	MaxBody = 1 << 20
)

// NormalizeTitle trims a title and folds its runs of spaces into one.
func NormalizeTitle(s string) string { return strings.Join(strings.Fields(s), " ") }

// CheckTitle normalises a page or task title and says what is wrong with it.
func CheckTitle(s string) (string, error) {
	s = NormalizeTitle(s)
	switch {
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		return "", errors.New("must be UTF-8 text without NUL characters")
	case s == "":
		return "", errors.New("a title is required")
	case utf8.RuneCountInString(s) > MaxTitle:
		return "", fmt.Errorf("at most %d characters", MaxTitle)
	case strings.ContainsAny(s, "[]"):
		return "", errors.New("square brackets are kept for [[links]]")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", errors.New("no control characters")
		}
	}
	return s, nil
}

// CheckBody says what is wrong with a page's Markdown.
func CheckBody(s string) error {
	switch {
	case len(s) > MaxBody:
		return fmt.Errorf("at most %d bytes (1 MiB)", MaxBody)
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		return errors.New("must be UTF-8 text without NUL characters")
	}
	return nil
}
