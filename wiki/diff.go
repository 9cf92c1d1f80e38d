package wiki

import (
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// Line operations of a diff.
const (
	Same    = "same"
	Added   = "added"
	Removed = "removed"
)

// DiffLine is one line of a diff between two versions of a page.
type DiffLine struct {
	Op   string `json:"op"`
	Text string `json:"text"`
}

// Diff compares two texts line by line (what an agent reads to merge), with
// go-diff's line mode: lines are hashed to runes, diffed, and turned back.
func Diff(before, after string) []DiffLine {
	dmp := diffmatchpatch.New()
	a, b, lines := dmp.DiffLinesToChars(ensureNewline(before), ensureNewline(after))
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(a, b, false), lines)
	var out []DiffLine
	for _, d := range diffs {
		op := Same
		switch d.Type {
		case diffmatchpatch.DiffInsert:
			op = Added
		case diffmatchpatch.DiffDelete:
			op = Removed
		}
		for _, l := range strings.SplitAfter(d.Text, "\n") {
			if l == "" {
				continue
			}
			out = append(out, DiffLine{Op: op, Text: strings.TrimSuffix(l, "\n")})
		}
	}
	return out
}

func ensureNewline(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return s
}

// Changed tells whether a diff has any change.
func Changed(d []DiffLine) bool {
	for _, l := range d {
		if l.Op != Same {
			return true
		}
	}
	return false
}
