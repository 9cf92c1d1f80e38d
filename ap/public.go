package ap

import (
	"bytes"
	"encoding/json"

	vocab "github.com/go-ap/activitypub"
)

// publicAliases are the compacted spellings of the Public collection that
// AS2 says mean the same; go-ap drops them from to/cc while decoding, which
// would turn a public post into a followers-only one.
var publicAliases = [][]byte{[]byte(`"as:Public"`), []byte(`"Public"`)}

// addressing are the properties that name an audience.
var addressing = map[string]bool{"to": true, "cc": true, "bto": true, "bcc": true, "audience": true}

// Unmarshal decodes an ActivityStreams document with go-ap, after spelling
// the Public collection out in full wherever it is addressed.
func Unmarshal(raw []byte) (vocab.Item, error) {
	return vocab.UnmarshalJSON(expandPublic(raw))
}

func expandPublic(raw []byte) []byte {
	found := false
	for _, a := range publicAliases {
		found = found || bytes.Contains(raw, a)
	}
	if !found {
		return raw
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if dec.Decode(&doc) != nil {
		return raw // go-ap reports the error
	}
	expandIn(doc)
	out, err := json.Marshal(doc)
	if err != nil {
		return raw
	}
	return out
}

func expandIn(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, val := range v {
			if addressing[k] {
				v[k] = expandAddress(val)
			} else {
				expandIn(val)
			}
		}
	case []any:
		for _, e := range v {
			expandIn(e)
		}
	}
}

func expandAddress(v any) any {
	switch v := v.(type) {
	case string:
		if v == "as:Public" || v == "Public" {
			return string(vocab.PublicNS)
		}
	case []any:
		for i, e := range v {
			v[i] = expandAddress(e)
		}
	}
	return v
}

// IsPublic tells whether an address is the Public collection, in any of
// its spellings.
func IsPublic(uri string) bool {
	return uri == string(vocab.PublicNS) || uri == "as:Public" || uri == "Public"
}
